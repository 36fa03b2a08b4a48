"""What every chain shares: the Chain plugin type, drafts, attachments, submit, lists, history, and
the one place a filing's status follows its instance."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from ..rules.operations import register as register_rule
from ..rules.operations import sla_rule
from .chains import Chain
from .operations import fire_filing_timer


def init_app(app: Flask, chains: Iterable[Chain]) -> None:
    """Register ``chains`` in menu order: their outcomes for the lint, their 办理时限, their timers."""
    plugged = app.extensions["crane"]
    for chain in chains:
        plugged.chains[chain.key] = chain
        plugged.outcomes[chain.key] = chain.outcomes
        plugged.timer_handlers[chain.key] = fire_filing_timer
        register_rule(app, sla_rule(chain.key, chain.label, chain.sla_days))
