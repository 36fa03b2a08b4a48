"""The app for a WSGI server (``crane serve --workers N`` runs gunicorn on ``service.wsgi:app``)."""

from __future__ import annotations

from . import create_app

app = create_app()
