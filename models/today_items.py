"""What Today shows, as plain data: its sections and items.

Apart from the query (models.today) so the window can show a Today read in another process
before it loads the ORM: the first paint waits for nothing it does not draw.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

# A checklist, not a report: the first 50 of a section (oldest, most urgent first); the counts
# give the true totals and the next items move up as these are ticked off.
PER_SECTION = 50
SECTIONS = ("respond_now", "replied", "overdue", "due_today", "stale", "upcoming", "done_today")
TITLES = {
    "respond_now": "Respond now", "replied": "Replied — your turn", "overdue": "Overdue",
    "due_today": "Due today", "stale": "Stale", "upcoming": "Upcoming", "done_today": "Done today",
}
URGENCIES = ("calm", "amber", "red")


class TodayItem(NamedTuple):  # immutable plain data, several times cheaper to build than a dataclass
    section: str
    lead_id: str
    name: str
    company: str | None
    email: str | None
    phone: str | None
    reason: str
    since: datetime  # when the reason began: received, replied, due, last activity, done
    followup_id: str | None
    followup_title: str | None
    urgency: str = "calm"  # one of URGENCIES: how the reason is coloured


@dataclass
class Today:
    sections: dict[str, list[TodayItem]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    has_leads: bool = True  # False only for an empty database: Today then says how to get leads in
    contacts: dict[str, str] = field(default_factory=dict)  # lead id -> contact line, when read with them

    def total_due(self) -> int:
        """Items that need doing now (not those put off till later, not those done): the tray badge."""
        return sum(n for name, n in self.counts.items() if name not in ("upcoming", "done_today"))
