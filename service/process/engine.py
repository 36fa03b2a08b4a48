"""The app's engine (on the registry, with the service tasks registered there) and the parsed-spec cache."""

from __future__ import annotations

from workflows.registry import SpecCache
from workflows.runner import Engine

from ..registry import registry

#: parsed diagrams by content hash: a cache, shared by every app in the process since specs never change
spec_cache = SpecCache()


def engine() -> Engine:
    return registry().engine
