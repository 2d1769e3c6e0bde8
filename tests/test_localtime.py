"""Times for people: stored UTC shown in the display zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from stpi.i18n import set_lang
from stpi.localtime import DEFAULT_ZONE, check_zone, local_time, zone, zone_name


def test_utc_is_shown_in_beijing_time() -> None:
    assert DEFAULT_ZONE == "Asia/Shanghai"
    assert local_time(datetime(2025, 12, 31, 17, 30)) == "2026-01-01 01:30"  # naive = UTC, as the store keeps it
    assert local_time("2025-12-31 17:30:05", seconds=True) == "2026-01-01 01:30:05"  # the text a view made of it
    assert local_time("2025-12-31T17:30:05") == "2026-01-01 01:30"
    assert local_time("2025-12-31T17:30:05Z") == "2026-01-01 01:30"
    assert local_time(datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == "2025-06-01 18:00"  # aware: its own zone


def test_other_zones() -> None:
    assert local_time(datetime(2025, 7, 1, 12, 0), "Europe/Berlin") == "2025-07-01 14:00"  # summer time
    assert local_time(datetime(2025, 1, 1, 12, 0), "Europe/Berlin") == "2025-01-01 13:00"
    assert local_time(datetime(2025, 1, 1, 12, 0), "UTC") == "2025-01-01 12:00"


def test_what_is_not_a_time_is_left_alone() -> None:
    assert local_time(None) == "" and local_time("") == ""
    assert local_time("2025-12-31") == "2025-12-31"  # a date has no zone
    assert local_time(date(2025, 12, 31)) == "2025-12-31"
    assert local_time("soon") == "soon"


def test_zone_names_are_checked() -> None:
    check_zone("Asia/Shanghai")
    for bad in ("", "Mars/Base", "../etc/passwd"):
        with pytest.raises(ValueError, match="unknown time zone"):
            check_zone(bad)
    assert zone("Asia/Shanghai").utcoffset(datetime(2025, 1, 1)) == timedelta(hours=8)


def test_zone_names_for_readers() -> None:
    try:
        set_lang("zh")
        assert zone_name("Asia/Shanghai") == "北京时间" and zone_name("Europe/Berlin") == "Europe/Berlin"
        set_lang("en")
        assert zone_name("Asia/Shanghai") == "Beijing time"
    finally:
        set_lang(None)
