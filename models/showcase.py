"""Which leads the README screenshots show: one with a recent history, a name to search for."""
from __future__ import annotations

from .leads import live
from .tables import Lead


def latest_open_lead() -> str | None:
    """The id of the open lead with the most recent activity (None when there is none)."""
    return (live().select(Lead.id).where(Lead.status == "open")
            .order_by(Lead.last_activity_at.desc()).limit(1).scalar())


def some_lead_name() -> str:
    """The name of a live lead ("" when there are none)."""
    return live().select(Lead.name).limit(1).scalar() or ""
