"""``service.calendar``: working days (in a stretch with no public holiday: weekends; around holidays see
tests/service/rules/test_working_calendar.py), the notice period, validity in months."""

import datetime as dt

import pytest
from freezegun import freeze_time

from service.calendar import NATIONAL, NOTICE_WORKING_DAYS, add_working_days, months_after
from service.errors import Invalid

FRIDAY, SATURDAY, SUNDAY, MONDAY = (dt.date(2026, 1, d) for d in (9, 10, 11, 12))
WEDNESDAY = dt.date(2026, 1, 14)


def test_the_sample_days_are_what_their_names_say():
    assert [d.strftime("%a") for d in (FRIDAY, SATURDAY, SUNDAY, MONDAY, WEDNESDAY)] == [
        "Fri", "Sat", "Sun", "Mon", "Wed"]


@pytest.mark.parametrize(("start", "days", "expected"), [
    (FRIDAY, 1, MONDAY),  # the weekend is skipped
    (SATURDAY, 1, MONDAY),
    (SUNDAY, 1, MONDAY),
    (MONDAY, 1, dt.date(2026, 1, 13)),
    (MONDAY, 5, dt.date(2026, 1, 19)),  # a whole working week: the next Monday
    (WEDNESDAY, 3, dt.date(2026, 1, 19)),
    (WEDNESDAY, 10, dt.date(2026, 1, 28)),
    (FRIDAY, 2, dt.date(2026, 1, 13)),
    (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 1)),  # 2027 is not known yet: a Friday counts until entered
])
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected
    assert expected.weekday() < 5


@pytest.mark.parametrize("start", [FRIDAY, SATURDAY, SUNDAY, MONDAY])
def test_zero_working_days_is_the_day_itself(start):
    assert add_working_days(start, 0) == start  # even on a weekend


def test_notice_needs_two_working_days_counted_from_beijings_date():
    assert NOTICE_WORKING_DAYS == 2
    with freeze_time("2026-01-08 04:00:00"):  # Thursday noon in Beijing: the earliest day is Monday
        NATIONAL.require_notice(MONDAY, "安装")
        NATIONAL.require_notice(None, "安装")  # not filled in yet: the form's required check says so
        with pytest.raises(Invalid) as refused:
            NATIONAL.require_notice(FRIDAY, "安装")
        assert refused.value.errors == {"planned_date": [
            "安装告知须在施工前至少2个工作日提交，计划安装日期最早为 2026-01-12"]}
    with freeze_time("2026-01-08 17:00:00"):  # already Friday 01:00 in Beijing: Monday is too soon
        with pytest.raises(Invalid) as refused:
            NATIONAL.require_notice(MONDAY, "拆卸")
        assert "计划拆卸日期最早为 2026-01-13" in refused.value.errors["planned_date"][0]
        NATIONAL.require_notice(dt.date(2026, 1, 13), "拆卸")


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)), (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
    (dt.date(2026, 11, 24), 14, dt.date(2028, 1, 24)), (dt.date(2026, 3, 15), 12, dt.date(2027, 3, 15)),
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # a leap year's February has its 29th
    (dt.date(2027, 1, 29), 1, dt.date(2027, 2, 28)),
    (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),  # a 30-day month
    (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),  # December rolls over into the next year
    (dt.date(2026, 12, 31), 2, dt.date(2027, 2, 28)),
    (dt.date(2026, 1, 15), 12, dt.date(2027, 1, 15)),
    (dt.date(2026, 1, 15), 24, dt.date(2028, 1, 15)),
    (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),  # leap day to leap day
    (dt.date(2026, 5, 20), 0, dt.date(2026, 5, 20)),
])
def test_months_after(day, months, expected):
    assert months_after(day, months) == expected
