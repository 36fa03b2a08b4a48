"""Working days are China's: 国庆 and 春节 are no working days, 调休 Saturdays are; the administrator adds the
years the calendar package does not know yet (企业规则 holidays / workdays), and every deadline uses them."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from service.calendar import NATIONAL, WorkingCalendar
from service.rules import operations as rules
from service.types import CHINA

D = dt.date


@pytest.mark.parametrize(("day", "works"), [
    (D(2026, 9, 30), True),    # Wednesday before 国庆
    (D(2026, 10, 1), False),   # 国庆
    (D(2026, 10, 7), False),   # still the holiday, a Wednesday
    (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),   # a Saturday worked (调休)
    (D(2026, 9, 20), True),    # a Sunday worked (调休)
    (D(2026, 10, 11), False),  # an ordinary Sunday
    (D(2026, 2, 14), True),    # 春节 调休 Saturday
    (D(2026, 2, 16), False),   # 春节
])
def test_the_national_calendar_knows_2026(day, works):
    assert NATIONAL.is_workday(day) is works


def test_working_days_around_national_day_2026():
    # From the last working day before the holiday, two working days on: 8 and 9 October.
    assert NATIONAL.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert NATIONAL.add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)
    assert NATIONAL.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)  # the 调休 Saturday counts
    assert NATIONAL.add_working_days(D(2026, 10, 10), 1) == D(2026, 10, 12)  # Sunday 11th does not


def test_a_year_the_package_does_not_know_counts_weekends_and_what_was_entered():
    assert NATIONAL.is_workday(D(2027, 10, 1))  # unknown: an ordinary Friday
    entered = WorkingCalendar(holidays=frozenset({D(2027, 10, 1), D(2027, 10, 4)}),
                              workdays=frozenset({D(2027, 9, 26)}))
    assert not entered.is_workday(D(2027, 10, 1)) and entered.is_workday(D(2027, 9, 26))  # a Sunday worked
    assert entered.add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 5)  # over 1st (Fri), weekend, 4th (Mon)


def test_the_administrator_enters_2027_and_deadlines_use_it(app, make_api, owner):
    admin = make_api("admin")
    response = admin.patch("/admin/rules", json={"holidays": ["2027-10-01", "2027-10-04", "2027-10-01"],
                                                 "workdays": "2027-09-26"})
    assert response.status_code == 200, response.json
    values = {r["key"]: r["value"] for r in admin.get("/admin/rules").json}
    assert values["holidays"] == ["2027-10-01", "2027-10-04"] and values["workdays"] == ["2027-09-26"]
    calendar = rules.working_calendar()
    assert calendar.add_working_days(D(2027, 9, 30), 2) == D(2027, 10, 6)
    # 办理时限: a review task created on 30 September 2027 with 2 working days is due at the end of 6 October.
    with freeze_time(dt.datetime(2027, 9, 30, 10, tzinfo=CHINA)):
        from service.process.operations import review_due_at

        due = review_due_at("installation_notice")
    assert due == dt.datetime(2027, 10, 7, tzinfo=CHINA)


def test_bad_dates_are_refused_with_the_field_named(make_api):
    admin = make_api("admin")
    response = admin.patch("/admin/rules", json={"holidays": "2027-02-30"})
    assert response.status_code == 422
    assert "2027-02-30" in response.json["errors"]["holidays"][0]
    assert rules.working_calendar().holidays == frozenset()
