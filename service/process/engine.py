"""The process-wide engine and spec cache (both stateless apart from the cache), and the hooks
other packages register into."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflows.registry import SpecCache
from workflows.runner import Engine

#: Service-task operations a diagram may call, by name. Chains register theirs at import.
SERVICES: dict[str, Callable[..., str]] = {}
#: record_kind → what to do with a locked instance whose timer is due, for processes that are not a
#: filing's chain (a filing's own timers set its status; see filings/timers.py)
TIMER_HANDLERS: dict[str, Callable[[Any], None]] = {}
#: process key → the outcomes its end events may declare, where they differ from a filing's
OUTCOMES: dict[str, frozenset[str]] = {}

engine = Engine(SERVICES)
spec_cache = SpecCache()
