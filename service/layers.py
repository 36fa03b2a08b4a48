"""The one statement of the service's layers, lowest first. A package imports only packages of its own
layer (without a cycle) or of a lower one — never a higher one, not even inside a function.
``tests/test_layers.py`` walks every import and holds the code to it.

Below all of these sit ``workflows/`` and ``forms/``, which import neither Flask nor ``service``.
"""

from __future__ import annotations

LAYERS: tuple[tuple[str, ...], ...] = (
    ("config", "extensions", "errors", "types", "calendar", "registry", "layers", "storage"),  # foundation
    ("web",),                                     # API blueprint, one transaction per request, page errors
    ("accounts", "rules", "audit", "attachments"),  # who, settings, trail, files
    ("process",),                                 # engine adapter: definitions, instances, tasks, timers, jobs
    ("filings",),                                 # what every chain shares: the Chain plugin, the one step tail
    # the chains, each may build on the ones before it (a notice picks a filed machine and project …)
    ("organizations",), ("workers",), ("projects",), ("machines",), ("installations",), ("registrations",),
    ("dismantlings",),
    ("certificates",),                            # built on the chains
    ("tasks", "statistics", "admin", "home"),     # what staff and applicants use across chains
    ("messages",),                                # 消息中心: hears the events of all of the above
    # the app: assembles all of the above
    ("api", "ui", "assets", "reference", "models", "health", "cli", "wsgi", "gunicorn_conf", "__init__"),
)


def layer_of(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)
