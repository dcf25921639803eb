"""Insights against a hand-built pipeline whose every figure is worked out by hand.

The leads live in Berlin time around the change to summer time (Sunday 29 March 2026, 02:00 → 03:00),
so a local day is 24 or 23 hours long. They are written through the domain rules (models.leads,
models.importing) at times a fake clock sets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from models import import_apply, importing, insights, leads, members, stages
from models.board import UNCLAIMED
from models.clock import local_day_bounds
from models.errors import InvalidInput

AT = datetime(2026, 4, 20, 12, 0)  # when the report is made (UTC); local day 20 April starts at 22:00 UTC
MARCH = (date(2026, 3, 28), date(2026, 3, 29))  # the local days the figures below are for


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def pipeline(store, berlin, monkeypatch, tmp_path):
    """The hand-built leads (times UTC; Berlin is UTC+1 until 29 March 01:00 UTC, then UTC+2), by name."""
    clock = Clock(datetime(2026, 3, 1))
    monkeypatch.setattr(leads, "now", clock)
    monkeypatch.setattr(import_apply, "now", clock)
    won, lost = stages.closing_stage("won"), stages.closing_stage("lost")
    contacted, quoted = stages.find_stage("Contacted"), stages.find_stage("Quoted")
    sam = members.find_member("Sam")

    def add(name: str, received: datetime, **fields) -> leads.Lead:
        clock.at = received
        return leads.add_lead(name, received_at=received, **fields)[0]

    def answer(lead, at: datetime, **kwargs) -> None:
        clock.at = at
        leads.complete_followup(leads.find_lead(lead.id), outcome="Replied", **kwargs)

    def move(lead, stage, at: datetime, **kwargs) -> None:
        clock.at = at
        leads.move_lead(leads.find_lead(lead.id), stage, **kwargs)

    # Ann: answered in 3 minutes, won (1000) five days later; Sam's.
    ann = add("Ann", datetime(2026, 3, 28, 9, 0), email="ann@example.com", source="Website", owner=sam)
    answer(ann, datetime(2026, 3, 28, 9, 3))
    move(ann, won, datetime(2026, 4, 2, 12, 0), value=1000)
    # Ben: 23:30 on the 29th in summer time; answered in 2 hours, lost on price; Sam's.
    ben = add("Ben", datetime(2026, 3, 29, 21, 30), email="ben@example.com", source="Website", owner=sam)
    answer(ben, datetime(2026, 3, 29, 23, 30))
    move(ben, lost, datetime(2026, 3, 31, 23, 30), reason="Price too high")
    # Cat: 00:30 on the 30th in summer time (22:30 UTC on the 29th): after the period. Never answered.
    cat = add("Cat", datetime(2026, 3, 29, 22, 30), phone="+14155550100", source="Referral")
    # Dan: 00:15 on the 28th in winter time (23:15 UTC on the 27th): in the period. No phone, no email.
    # Answered after 30 hours, lost, reopened, quoted, won (500).
    dan = add("Dan", datetime(2026, 3, 27, 23, 15))
    answer(dan, datetime(2026, 3, 29, 5, 15))
    move(dan, lost, datetime(2026, 4, 1, 5, 15), reason="No response")
    move(dan, contacted, datetime(2026, 4, 5, 5, 15))
    move(dan, quoted, datetime(2026, 4, 6, 5, 15), value=500)
    move(dan, won, datetime(2026, 4, 8, 5, 15))
    # Hal: 23:50 on the 27th (22:50 UTC): before the period.
    add("Hal", datetime(2026, 3, 27, 22, 50), email="hal@example.com")
    # Eve, never answered, and Eve Two merged into her: only Eve counts.
    eve = add("Eve", datetime(2026, 3, 28, 11, 0), email="eve@example.com", source="Website")
    two = add("Eve Two", datetime(2026, 3, 28, 12, 0), email="eve.two@example.com", source="Website")
    clock.at = datetime(2026, 3, 30)
    leads.merge_leads(leads.find_lead(eve.id), leads.find_lead(two.id))
    # Gus: answered in 30 minutes, waiting in Contacted ever since (stuck: 7 days allowed); his next step
    # is dated after AT (not overdue); he shares Cat's phone (both open: a duplicate candidate).
    gus = add("Gus", datetime(2026, 3, 28, 8, 30), email="gus@example.com", source="Referral")
    answer(gus, datetime(2026, 3, 28, 9, 0), next_due=datetime(2026, 4, 25, 8, 0))
    clock.at = datetime(2026, 3, 28, 10, 0)
    leads.edit_lead(leads.find_lead(gus.id), phone="+14155550100")
    # Imported from a spreadsheet on 28 March at 15:01 local (so answered then, as far as Today knows, but not
    # measured: had it been, Ivy's 1 minute would be the fastest answer and move every median):
    # Fay, received 28 March 10:00 local, no phone or email, in New with "Follow up" due at the import;
    # Ivy, received 28 March 15:00 local, won (700) from Website, moved New → Won at the import.
    clock.at = datetime(2026, 3, 28, 14, 1)
    sheet = tmp_path / "old.csv"
    sheet.write_text("Name,Email,Source,Status,Value,Created\nFay,,Referral,,,2026-03-28 10:00\n"
                     "Ivy,ivy@example.com,Website,Won,700,2026-03-28 15:00\n", encoding="utf-8")
    importing.apply_import(importing.plan_import(sheet))
    fay, ivy = leads.find_lead("Fay"), leads.find_lead("Ivy")
    assert (fay.created_at, ivy.created_at) == (datetime(2026, 3, 28, 9, 0), datetime(2026, 3, 28, 14, 0))
    assert fay.first_response_at == fay.imported_at == ivy.imported_at == clock.at
    return {lead.name: lead.id for lead in (ann, ben, cat, dan, eve, gus, fay, ivy)} | {"Eve Two": two.id}


def march(**kwargs) -> insights.Filters:
    return insights.period(*MARCH, **kwargs)


def behind(figure: str, key: str | None = None, **kwargs) -> set[str]:
    return set(insights.leads_behind(march(**kwargs), figure, key, at=AT))


def names(pipeline, ids: set[str]) -> set[str]:
    by_id = {v: k for k, v in pipeline.items()}
    return {by_id[i] for i in ids}


def test_period_bounds_are_local_midnights_across_the_change_to_summer_time(berlin):
    """28–29 March in Berlin is 47 hours: from 23:00 UTC on the 27th to 22:00 UTC on the 29th."""
    f = insights.period(*MARCH)
    assert (f.start, f.end) == (datetime(2026, 3, 27, 23, 0), datetime(2026, 3, 29, 22, 0))
    assert local_day_bounds(date(2026, 3, 30))[0] == f.end
    with pytest.raises(InvalidInput):
        insights.period(date(2026, 3, 29), date(2026, 3, 28))


def test_received_counts_live_leads_by_local_received_day(pipeline):
    """Dan (00:15 winter time) counts, Hal (23:50 the day before), Cat (00:30 after the change) and the
    merged Eve Two do not; Fay and Ivy count by the date their spreadsheet gave, not by when they were imported."""
    result = insights.report(march(), at=AT)
    assert result.received == 7
    assert names(pipeline, behind("received")) == {"Ann", "Ben", "Dan", "Eve", "Gus", "Fay", "Ivy"}


def test_first_response_figures(pipeline):
    """3 min, 30 min, 2 h, 30 h answered; Eve never: median 75 min, p90 the 30 hours. Fay and Ivy were imported:
    their first answer (the import, 5 h and 1 min after the file's dates) is in no figure but their own count."""
    r = insights.report(march(), at=AT).response
    assert (r.median_minutes, r.p90_minutes) == (75.0, 1800.0)
    assert (r.within_5m, r.within_1h, r.within_24h, r.answered, r.never, r.imported) == (1, 2, 3, 4, 1, 2)
    assert names(pipeline, behind("response.within_1h")) == {"Ann", "Gus"}
    assert names(pipeline, behind("response.never")) == {"Eve"}
    assert names(pipeline, behind("response.imported")) == {"Fay", "Ivy"}
    assert names(pipeline, behind("response.median_minutes")) == {"Ann", "Ben", "Dan", "Gus"}
    assert insights.report_record(insights.report(march(), at=AT))["response"]["imported"] == 2


def test_sources_with_conversion_and_won_value(pipeline):
    """Website 4 (won 2 for 1000 + Ivy's 700, lost 1, open 1; the median answer Ann's and Ben's, not Ivy's);
    Referral 2 open; the reopened Dan is won for 500 without a source."""
    rows = {s.source: s for s in insights.report(march(), at=AT).sources}
    assert rows["Website"] == insights.SourceRow("Website", 4, 2, 1, 1, 1700.0, 61.5)
    assert rows["Referral"] == insights.SourceRow("Referral", 2, 0, 0, 2, 0.0, 30.0)
    assert rows[insights.NO_SOURCE] == insights.SourceRow(insights.NO_SOURCE, 1, 1, 0, 0, 500.0, 1800.0)
    assert names(pipeline, behind("sources.won", "Website")) == {"Ann", "Ivy"}
    assert names(pipeline, behind("sources.median_response_minutes", "Website")) == {"Ann", "Ben"}
    assert names(pipeline, behind("sources.open", "Referral")) == {"Gus", "Fay"}


def test_lost_reasons_leave_out_a_lead_reopened_and_won(pipeline):
    """Dan was lost for "No response" and then won: only Ben's price counts."""
    result = insights.report(march(), at=AT)
    assert result.lost_reasons == (insights.ReasonRow("Price too high", 1),)
    assert names(pipeline, behind("lost_reasons.count", "Price too high")) == {"Ben"}


def test_time_in_stage_from_the_timeline_and_stuck_leads(pipeline):
    """New: stays of 3 min, 30 min, 2 h, 30 h and Ivy's 1 min (until the import moved her); Contacted: 5 d 2 h
    57 min, 2 d, 3 d and (after reopening) 1 d; Quoted: 2 d. Eve and Fay sit in New past 2 days, Gus in Contacted
    past 7."""
    rows = {s.stage: s for s in insights.report(march(), at=AT).stages}
    assert list(rows) == ["New", "Contacted", "Quoted"]
    assert rows["New"].median_days == pytest.approx(30 / 1440)
    assert rows["Contacted"].median_days == pytest.approx(2.5)
    assert rows["Quoted"].median_days == pytest.approx(2.0)
    assert [rows[s].stuck for s in rows] == [2, 1, 0]
    assert names(pipeline, behind("stages.stuck", "New")) == {"Eve", "Fay"}
    assert names(pipeline, behind("stages.median_days", "Contacted")) == {"Ann", "Ben", "Dan"}


def test_follow_up_discipline_and_data_health(pipeline):
    """Eve's "Respond" and Fay's "Follow up" (due at the import) are overdue, Gus's is ahead; Dan and Fay have no
    phone or email;
    Gus shares Cat's phone (Cat is outside the period, but open: Gus is a duplicate candidate)."""
    result = insights.report(march(), at=AT)
    assert (result.followup.open, result.followup.overdue, result.followup.with_next_step) == (3, 2, 3)
    assert result.followup.share_with_next_step == 1.0
    assert names(pipeline, behind("followup.overdue")) == {"Eve", "Fay"}
    h = result.health
    assert (h.missing_contact, h.duplicate_candidates, h.review_waiting, h.open_without_next_step) == (2, 1, 0, 0)
    assert names(pipeline, behind("health.missing_contact")) == {"Dan", "Fay"}
    assert names(pipeline, behind("health.duplicate_candidates")) == {"Gus"}


def test_speed_to_result_counts_closed_leads_by_first_answer(pipeline):
    """Ann (3 min) won, Ben (2 h) lost, Dan (30 h) won; the never-answered ones are still open; the imported Ivy,
    won, has no answer time: in no row."""
    rows = insights.report(march(), at=AT).speed_to_result
    assert [(r.bucket, r.leads, r.won) for r in rows] == [
        ("within_1h", 1, 1), ("1h_to_24h", 1, 0), ("later", 1, 1), ("never", 0, 0)]
    assert rows[0].win_rate == 1.0 and rows[3].win_rate is None
    assert names(pipeline, behind("speed_to_result.leads", "1h_to_24h")) == {"Ben"}


def test_owner_and_source_filters(pipeline):
    """Sam owns Ann and Ben; the other five are unclaimed; the Website source holds Ann, Ben, Eve and Ivy."""
    assert insights.report(march(owner="sam"), at=AT).received == 2
    assert names(pipeline, behind("received", owner=UNCLAIMED)) == {"Dan", "Eve", "Gus", "Fay", "Ivy"}
    assert names(pipeline, behind("received", source="Website")) == {"Ann", "Ben", "Eve", "Ivy"}
    with pytest.raises(InvalidInput):
        march(owner="Nobody Here")


def test_every_count_is_the_number_of_its_leads(pipeline):
    """For the whole history and for March: each count equals len(leads_behind) of its figure."""
    for filters in (insights.Filters(), march()):
        record = insights.report_record(insights.report(filters, at=AT))
        for path, key, count in insights.counts(record):
            assert len(insights.leads_behind(filters, path, key, at=AT)) == count, (path, key)


def test_unknown_figures_and_review_are_refused(store):
    """A typo names the figures there are; Review's mail is not leads; a list's figure needs its row."""
    with pytest.raises(InvalidInput, match="received"):
        insights.leads_behind(insights.Filters(), "recieved")
    with pytest.raises(InvalidInput, match="Review"):
        insights.leads_behind(insights.Filters(), "health.review_waiting")
    with pytest.raises(InvalidInput):
        insights.leads_behind(insights.Filters(), "sources.won")


def test_last_days_ends_today(berlin):
    """The default period: 30 local days ending with today."""
    f = insights.last_days(30, today=date(2026, 3, 30))
    assert f.start == local_day_bounds(date(2026, 3, 1))[0]
    assert f.end == local_day_bounds(date(2026, 3, 31))[0]
    assert f.end - f.start == timedelta(days=30, hours=-1)


def test_look_back_sums_up_the_week_before(pipeline, monkeypatch):
    """On Thursday 2 April the week before is 23–29 March: March's seven and Hal (never answered); Ann, Dan and
    Ivy won (Dan and Ivy later, as the report counts leads by when they came in)."""
    monkeypatch.setattr(insights, "now", lambda: AT)
    week = insights.look_back(date(2026, 4, 2))
    assert week.filters == insights.period(date(2026, 3, 23), date(2026, 3, 29))
    assert (week.received, week.median_minutes, week.won) == (8, 75.0, 3)
    assert week.text == "8 inquiries, median first answer 75 min, 3 won"


def test_an_answer_exactly_on_a_limit_counts_within_it(store, monkeypatch):
    """Answered after exactly 5 minutes, exactly 1 hour, and 1 hour and 1 second: the limits are inclusive."""
    clock = Clock(datetime(2026, 5, 4, 8, 0))
    monkeypatch.setattr(leads, "now", clock)
    for n, delay in enumerate((300, 3600, 3601)):
        lead, _ = leads.add_lead(f"Lead {n}", email=f"lead{n}@example.com", received_at=clock.at)
        clock.at = lead.created_at + timedelta(seconds=delay)
        leads.complete_followup(leads.find_lead(lead.id))
    result = insights.report(insights.Filters(), at=datetime(2026, 5, 5))
    assert (result.response.within_5m, result.response.within_1h, result.response.within_24h) == (1, 2, 3)
    assert len(insights.leads_behind(insights.Filters(), "response.within_1h", at=datetime(2026, 5, 5))) == 2
