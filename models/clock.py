"""UTC time helpers: stored times are naive UTC datetimes, shown in local time."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from .errors import InvalidInput


def now() -> datetime:
    """The current time as naive UTC (the form stored in the database)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc(value: datetime) -> datetime:
    """Naive UTC from an aware datetime; naive values are taken as local time."""
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC time as an aware local time, for showing."""
    return value.replace(tzinfo=UTC).astimezone()


def local_day_bounds(day: date | None = None) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar day (today by default): from its local midnight to the
    next one, so a day that changes to or from daylight saving time is 23 or 25 hours long."""
    day = day or datetime.now().date()
    start = datetime.combine(day, time.min).astimezone()
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return to_utc(start), to_utc(end)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with a Z suffix for a stored UTC time."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


_RELATIVE = re.compile(r"^\+?(\d+)\s*([dhw])$")


def parse_when(text: str) -> datetime:
    """Parse a user's date: ISO date/time, 'today', 'tomorrow', '+3d', '+2w', '+4h'.

    A bare date means 09:00 local time that day, when a working day starts.
    """
    raw = text.strip().lower()
    base = datetime.now().astimezone()
    if raw in ("now",):
        return now()
    if raw in ("today", "tomorrow"):
        day = base.date() + timedelta(days=1 if raw == "tomorrow" else 0)
        return to_utc(datetime.combine(day, time(9)).astimezone())
    match = _RELATIVE.match(raw)
    if match:
        amount, unit = int(match[1]), match[2]
        delta = {"d": timedelta(days=amount), "w": timedelta(weeks=amount), "h": timedelta(hours=amount)}[unit]
        return to_utc(base + delta)
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"'{text}' is not a date: use YYYY-MM-DD, YYYY-MM-DD HH:MM, today, tomorrow or +3d."
        ) from None
    if len(text.strip()) == 10:  # a date without a time
        parsed = datetime.combine(parsed.date(), time(9))
    return to_utc(parsed)
