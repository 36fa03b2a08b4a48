"""Working days for the regulations' deadlines (weekends only: public holidays are not modelled yet)."""

from __future__ import annotations

import datetime as dt

from ..errors import Invalid

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
    earliest = add_working_days(dt.date.today(), NOTICE_WORKING_DAYS)
    if planned and planned < earliest:
        raise Invalid.field("planned_date", f"{work}告知须在施工前至少{NOTICE_WORKING_DAYS}个工作日提交，"
                                            f"计划{work}日期最早为 {earliest:%Y-%m-%d}")
