"""Seeding for the ``units`` suite, run as its own process.

The server that is measured afterwards should look like a freshly started one, not carry the heap
of eleven thousand seeded filings (whose garbage collection showed up in every figure).
``python -m scripts.benchmarks.seed DATA_DIR OPTIONS_JSON`` prints the seeding figures as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    from service import create_app
    from service.cli import prepare_database
    from service.extensions import db

    from .units import Options, seed

    fields = json.loads(argv[1])
    opts = Options(**{**fields, "output": Path(fields["output"])})
    app = create_app({"DATA_DIR": argv[0], "PASSWORD_HASH_FAST": True, "START_WORKER": False})
    with app.app_context():
        prepare_database()
        seeded = seed(opts)
        db.session.remove()
    json.dump(seeded, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
