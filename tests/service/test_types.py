"""``service.types``: the clocks (UTC for timestamps, Beijing for dates) and the UTC column type."""

import datetime as dt

import pytest
from freezegun import freeze_time

from service.types import CHINA, UTCDateTime, china_today, iso, utcnow


@pytest.mark.parametrize(("instant", "today"), [
    ("2026-12-31 17:00:00", dt.date(2027, 1, 1)),  # 01:00 on New Year's Day in Beijing
    ("2026-12-31 15:59:59", dt.date(2026, 12, 31)),  # 23:59:59 in Beijing
    ("2026-12-31 16:00:00", dt.date(2027, 1, 1)),  # midnight in Beijing (UTC+8, no summer time)
    ("2026-06-30 20:00:00", dt.date(2026, 7, 1)),
])
def test_china_today_is_beijings_date(instant, today):
    with freeze_time(instant):
        assert china_today() == today


def test_new_year_comes_to_beijing_eight_hours_before_utc():
    with freeze_time("2026-12-31 17:00:00"):
        assert utcnow().date() == dt.date(2026, 12, 31)
        assert china_today() == dt.date(2027, 1, 1)


def test_utcnow_is_aware_utc():
    with freeze_time("2026-12-31 17:00:00"):
        now = utcnow()
    assert now == dt.datetime(2026, 12, 31, 17, tzinfo=dt.UTC)
    assert now.utcoffset() == dt.timedelta(0)
    assert now.astimezone(CHINA) == dt.datetime(2027, 1, 1, 1, tzinfo=CHINA)


def test_utc_column_stores_naive_utc_and_hands_back_aware_utc():
    column = UTCDateTime()
    beijing_morning = dt.datetime(2027, 1, 1, 8, 30, tzinfo=CHINA)
    stored = column.process_bind_param(beijing_morning, None)
    assert stored == dt.datetime(2027, 1, 1, 0, 30) and stored.tzinfo is None
    loaded = column.process_result_value(stored, None)
    assert loaded == beijing_morning and loaded.tzinfo is dt.UTC
    assert loaded.isoformat() == "2027-01-01T00:30:00+00:00"
    assert column.process_bind_param(None, None) is None and column.process_result_value(None, None) is None
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(dt.datetime(2027, 1, 1, 8, 30), None)


def test_iso():
    assert iso(dt.datetime(2026, 12, 31, 17, tzinfo=dt.UTC)) == "2026-12-31T17:00:00+00:00"
    assert iso(None) is None
