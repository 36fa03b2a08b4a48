"""One transaction per request, committed in one place: here."""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from ..extensions import db


class TransactionalFlask(Flask):
    """Views and operations only flush. A view that answered with success is committed right after it
    returns — still inside request handling, so a conflict found at commit (a concurrent step, a unique
    value taken meanwhile) reaches the error handlers and becomes a 409 like any other. An answer of 400
    or more, or an exception, rolls everything back: never a half-saved filing."""

    def dispatch_request(self) -> ResponseReturnValue:  # type: ignore[override]
        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
