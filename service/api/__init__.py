"""The JSON API (``/api/v1``): bearer-token auth; each domain adds its routes to ``bp``."""
