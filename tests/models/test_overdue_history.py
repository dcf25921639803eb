"""Follow-up discipline over time: the overdue count recorded once a day, and the report's series."""
from __future__ import annotations

from datetime import date, timedelta

from models import insights, leads, overdue_history
from models.clock import now


def test_a_day_is_recorded_once_with_the_report_s_counts(store):
    """The recorded overdue and open counts are the report's for that day; a second run changes nothing."""
    late, _ = leads.add_lead("Late", email="late@example.com")
    leads.complete_followup(late, next_due=now() - timedelta(days=3))
    leads.add_lead("Fresh", email="fresh@example.com")
    assert overdue_history.record_day() is True
    report = insights.report(insights.last_days(30))
    assert overdue_history.series(None, None) == [(date.today(), report.followup.overdue, report.followup.open)]
    assert (report.followup.overdue, report.followup.open) == (1, 2)
    leads.add_lead("Later", email="later@example.com")
    assert overdue_history.record_day() is False
    assert overdue_history.series(None, None)[0][2] == 2  # the first run of the day counted


def test_the_report_lists_the_recorded_days_of_its_period(store):
    """Days outside the period are left out; the JSON carries them as overdue_by_day."""
    today = date.today()
    for days_ago in (40, 10, 0):
        overdue_history.record_day(today - timedelta(days=days_ago))
    report = insights.report(insights.last_days(30))
    assert [day for day, _overdue, _open in report.followup.by_day] == [today - timedelta(days=10), today]
    record = insights.report_record(report)
    assert [row["day"] for row in record["followup"]["overdue_by_day"]] == [
        (today - timedelta(days=10)).isoformat(), today.isoformat()]
