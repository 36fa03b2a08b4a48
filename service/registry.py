"""What ``create_app`` plugs in, kept on the app (never in module globals): the chains, the engine's
service tasks, timer and job handlers, end-event outcomes, and listeners for domain events.

Lower layers read it through :func:`registry`; higher layers fill it in their ``init_app``. It holds
plain callables and objects, so this module imports nothing of the packages that register into it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from workflows.runner import Engine

#: a job's handler, and what to do once it has failed for the last time (payload, last error)
JobHandler = Callable[[dict[str, Any]], None]
GiveUp = Callable[[dict[str, Any], str], None]


@dataclass
class Job:
    run: JobHandler
    give_up: GiveUp | None = None


@dataclass
class Registry:
    #: chain key → the chain plugin (``filings.chains.Chain``), in menu order
    chains: dict[str, Any] = field(default_factory=dict)
    #: service-task operations a diagram may call, by name
    services: dict[str, Callable[..., str]] = field(default_factory=dict)
    #: process key → handler of a locked instance whose timer is due
    timer_handlers: dict[str, Callable[[Any], None]] = field(default_factory=dict)
    #: process key → the outcomes its end events may declare
    outcomes: dict[str, frozenset[str]] = field(default_factory=dict)
    #: job kind → its handler
    jobs: dict[str, Job] = field(default_factory=dict)
    #: domain event name → listeners, called in the transaction of the step that caused the event
    listeners: dict[str, list[Callable[..., None]]] = field(default_factory=lambda: defaultdict(list))
    #: chain key → functions (viewer, record) → [(label, url)]: actions higher packages add to a record's page
    record_actions: dict[str, list[Callable[..., list[tuple[str, str]]]]] = field(
        default_factory=lambda: defaultdict(list))
    #: chain key → functions (viewer, record) → [Notice]: what higher packages say on top of a record's page
    record_notices: dict[str, list[Callable[..., list[Any]]]] = field(default_factory=lambda: defaultdict(list))
    #: 企业规则 by key (``rules.RuleDef``): the platform's, plus each chain's 办理时限
    rules: dict[str, Any] = field(default_factory=dict)
    #: functions → Prometheus metric families read when /metrics is scraped (jobs queued, running, failed …)
    gauges: list[Callable[[], Iterable[Any]]] = field(default_factory=list)
    #: functions (account) → {name: value}: what higher packages add to ``GET /api/v1/me`` (e.g. unread messages)
    me_facts: list[Callable[[Any], dict[str, Any]]] = field(default_factory=list)
    #: checks a worker runs beside its hourly file sweep (e.g. reminders of overdue review tasks)
    periodic: list[Callable[[], int]] = field(default_factory=list)
    #: the bearer token → its account (set by accounts)
    token_user: Callable[[str], Any] | None = None
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        # The engine reads ``services`` when a service task runs, so later registrations are seen.
        self.engine = Engine(self.services)

    def listen(self, event: str, listener: Callable[..., None]) -> None:
        self.listeners[event].append(listener)

    def emit(self, event: str, *args: Any) -> None:
        for listener in self.listeners.get(event, ()):
            listener(*args)


def init_app(app: Flask) -> Registry:
    app.extensions["crane"] = Registry()
    return app.extensions["crane"]


def registry() -> Registry:
    return current_app.extensions["crane"]
