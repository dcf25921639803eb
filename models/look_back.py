"""Last week in one line on Today, from the first start of a week until the owner closes it."""
from __future__ import annotations

from datetime import date

from . import insights, settings

DISMISSED = "look_back_dismissed"  # the ISO week ("2026-W49") whose look back was closed


def _week(today: date | None) -> str:
    return f"{today or date.today():%G-W%V}"


def weekly_look_back(today: date | None = None) -> insights.LookBack | None:
    """Last week's look back, unless it was closed this week or last week brought nothing to tell."""
    if settings.get(DISMISSED) == _week(today):
        return None
    result = insights.look_back(today)
    return result if result.received or result.won else None


def dismiss_look_back(today: date | None = None) -> None:
    settings.put(DISMISSED, _week(today))
