"""Times for people: the store keeps naive UTC; people read them in the display zone (Beijing time by default)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stpi.i18n import add_messages, tr

__all__ = ["DEFAULT_ZONE", "check_zone", "local_time", "zone", "zone_name"]

DEFAULT_ZONE = "Asia/Shanghai"
_BEIJING = timezone(timedelta(hours=8), "CST")  # China has kept UTC+8 without daylight saving since 1991

add_messages({
    "time.zone.Asia/Shanghai": ("北京时间", "Beijing time"),
    "time.zone.UTC": ("UTC", "UTC"),
})


def check_zone(name: str) -> None:
    """ValueError unless ``name`` is an IANA time zone (Asia/Shanghai, UTC …)."""
    zone(name)


@lru_cache(maxsize=16)
def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; Beijing time stays available where the system has no zone database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_ZONE:
            return _BEIJING
        raise ValueError(f"未知时区(应为 IANA 时区名,如 Asia/Shanghai) unknown time zone (an IANA name such as Asia/Shanghai): {name}") from None


def zone_name(name: str) -> str:
    """The zone as a reader names it: 北京时间 / Beijing time for Asia/Shanghai, else its IANA name."""
    key = f"time.zone.{name}"
    try:
        return tr(key)
    except KeyError:
        return name


def local_time(value: object, name: str = DEFAULT_ZONE, *, seconds: bool = False) -> str:
    """A stored UTC time (a naive ``datetime`` or its ISO text) as ``YYYY-MM-DD HH:MM`` in zone ``name``.

    An aware datetime is converted from its own zone; a date, an empty value or text that is not
    a time is shown as it is (a date has no zone to convert).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 10:  # a date alone: no time of day to move
            return text
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if not isinstance(value, datetime):
        return value.isoformat() if isinstance(value, date) else str(value)
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    return aware.astimezone(zone(name)).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
