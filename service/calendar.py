"""Dates of the regulations: working days, notice periods, validity in months.

Working days count weekends only (public holidays are not modelled yet); every date is Beijing's.
"""

from __future__ import annotations

import calendar
import datetime as dt

from .errors import Invalid
from .types import china_today

#: 安装告知 / 拆卸告知 are filed at least this many working days before the work starts [regulation].
NOTICE_WORKING_DAYS = 2


def add_working_days(start: dt.date, days: int) -> dt.date:
    current = start
    while days > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def require_notice(planned: dt.date | None, work: str) -> None:
    """The planned date leaves the bureau its working days of notice."""
    earliest = add_working_days(china_today(), NOTICE_WORKING_DAYS)
    if planned and planned < earliest:
        raise Invalid.field("planned_date", f"{work}告知须在施工前至少{NOTICE_WORKING_DAYS}个工作日提交，"
                                            f"计划{work}日期最早为 {earliest:%Y-%m-%d}")


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` on, or the month's last day when it has no such day
    (31 January + 1 month → 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
