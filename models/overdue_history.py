"""Follow-up discipline over time: each day the app runs, the number of open leads and of those whose
next step fell due before that day. Recorded as it happens, because it cannot be worked out afterwards
(closing a lead deletes its pending step); a day is recorded once, by the first run of that day."""
from __future__ import annotations

from datetime import date

from .clock import local_day_bounds
from .tables import database

_COUNT = """
SELECT count(*), coalesce(sum(f.due < ?), 0)
FROM lead AS l LEFT JOIN follow_up AS f INDEXED BY follow_up_pending_lead ON f.lead_id = l.id AND f.done_at IS NULL
WHERE l.status = 'open' AND l.merged_into IS NULL
"""


def record_day(day: date | None = None) -> bool:
    """Record the day's counts (today by default) unless it already has them; True when it recorded."""
    day = day or date.today()
    start = local_day_bounds(day)[0].isoformat(" ")
    with database.atomic():
        if database.execute_sql("SELECT 1 FROM overdue_day WHERE day = ?", [day.isoformat()]).fetchone():
            return False
        open_count, overdue = database.execute_sql(_COUNT, [start]).fetchone()
        database.execute_sql("INSERT INTO overdue_day (day, overdue, open) VALUES (?, ?, ?)",
                             [day.isoformat(), overdue, open_count])
    return True


def series(first: date | None, last: date | None) -> list[tuple[date, int, int]]:
    """(day, overdue, open) for the recorded days from first to last, both included (None: no bound)."""
    rows = database.execute_sql("SELECT day, overdue, open FROM overdue_day WHERE day BETWEEN ? AND ? ORDER BY day",
                                [(first or date.min).isoformat(), (last or date.max).isoformat()])
    return [(date.fromisoformat(day), overdue, open_count) for day, overdue, open_count in rows]
