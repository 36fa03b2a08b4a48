"""The process-wide engine and spec cache (both stateless apart from the cache)."""

from __future__ import annotations

from collections.abc import Callable

from workflows.registry import SpecCache
from workflows.runner import Engine

#: Service-task operations a diagram may call, by name. Chains register theirs at import.
SERVICES: dict[str, Callable[..., str]] = {}

engine = Engine(SERVICES)
spec_cache = SpecCache()
