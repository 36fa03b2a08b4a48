from __future__ import annotations

import pytest

from workflows.lint import validate_diagram
from workflows.parser import ParsedDiagram
from workflows.runner import Engine

from .support import CTX, ORGANIZATION_XML


@pytest.fixture(scope="session")
def organization() -> ParsedDiagram:
    return validate_diagram(ORGANIZATION_XML, CTX, key="organization")


@pytest.fixture
def engine() -> Engine:
    return Engine()
