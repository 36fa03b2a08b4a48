"""How a page shows a domain error: the same form again, with every message and what was typed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask.typing import ResponseReturnValue

from ..errors import as_domain_error
from ..extensions import db

View = TypeVar("View", bound=Callable[..., Any])
#: shown on the error page instead: the page itself is not the person's to see, or they must log in
NOT_ON_THE_FORM = (401, 404)


def shows_errors(render: Callable[..., ResponseReturnValue],
                 to_error_page: tuple[int, ...] = NOT_ON_THE_FORM) -> Callable[[View], View]:
    """For a view that takes a posted form: a domain or validation error rolls the request back and
    answers ``render(error, **view_kwargs)`` with the error's status; ``to_error_page`` statuses go to the
    error page (the login form itself shows its 401)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(**kwargs: Any) -> ResponseReturnValue:
            try:
                return view(**kwargs)
            except Exception as raised:
                exc = as_domain_error(raised)
                if exc is None or exc.status in to_error_page:
                    raise
                db.session.rollback()
                return render(exc, **kwargs), exc.status
        return wrapped  # type: ignore[return-value]
    return decorate
