"""Dates of the regulations: working days, notice periods, validity in months.

Working days are China's: the State Council's public holidays and its 调休 working weekends, as the
maintained ``chinese-calendar`` package knows them, plus the days the administrator enters (企业规则)
for years the package does not know yet. Every date is Beijing's (``types.china_today``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from .errors import Invalid
from .types import china_today

#: 安装告知 / 拆卸告知 are filed at least this many working days before the work starts [regulation].
NOTICE_WORKING_DAYS = 2


@dataclass(frozen=True)
class WorkingCalendar:
    #: the administrator's additions: public holidays and working weekends (调休) the package lacks
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the package does not know yet: weekends, and what was entered
            return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start``."""
        current = start
        while days > 0:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                days -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``: how long something took (same day: 0)."""
        days, current = 0, start
        while current < end:
            current += dt.timedelta(days=1)
            days += self.is_workday(current)
        return days

    def require_notice(self, planned: dt.date | None, work: str) -> None:
        """The planned date leaves the bureau its working days of notice."""
        earliest = self.add_working_days(china_today(), NOTICE_WORKING_DAYS)
        if planned and planned < earliest:
            raise Invalid.field("planned_date", f"{work}告知须在施工前至少{NOTICE_WORKING_DAYS}个工作日提交，"
                                                f"计划{work}日期最早为 {earliest:%Y-%m-%d}")


#: the national calendar with nothing added
NATIONAL = WorkingCalendar()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The national calendar's ``days``-th working day after ``start``."""
    return NATIONAL.add_working_days(start, days)


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` on, or the month's last day when it has no such day
    (31 January + 1 month → 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
