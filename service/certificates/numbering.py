"""使用登记证 numbers: ``{region}{T|S|W}({year}){7 digits}``, one gapless sequence per (region, category, year)."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import NumberSequence

NUMBER_RE = re.compile(r"^(65\d{4})([TSW])[（(](\d{4})[）)](\d{7})$")


def format_number(region_code: str, category: str, year: int, sequence: int) -> str:
    return f"{region_code}{category}({year}){sequence:07d}"


def normalize(text: str) -> str | None:
    """A number as typed (full- or half-width brackets, spaces) in its printed form, or None."""
    match = NUMBER_RE.match(re.sub(r"\s+", "", text or ""))
    return format_number(match[1], match[2], int(match[3]), int(match[4])) if match else None


def allocate(region_code: str, category: str, year: int) -> str:
    """The next number, taken in the caller's transaction: a rollback gives it back, so no gap remains.

    The sequence row is created if missing (a concurrent creator is ignored), then incremented with
    ``UPDATE … RETURNING``, which holds the row's lock until the transaction ends."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(NumberSequence).values(region_code=region_code, category=category, year=year,
                                                     last_value=0).on_conflict_do_nothing())
    sequence = db.session.execute(
        update(NumberSequence)
        .where(NumberSequence.region_code == region_code, NumberSequence.category == category,
               NumberSequence.year == year)
        .values(last_value=NumberSequence.last_value + 1).returning(NumberSequence.last_value)).scalar_one()
    return format_number(region_code, category, year, sequence)
