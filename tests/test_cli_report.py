"""`leadbook report`: its JSON against the leads `leadbook leads --json` lists, and every count against the
ids behind it."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

import pytest
from test_cli import as_json, leadbook, ok

from models import db, insights


def _time(stamp: str | None) -> datetime | None:
    return None if stamp is None else datetime.fromisoformat(stamp.replace("Z", ""))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo pipeline of 400 leads (one seed: the same leads each run) with a report of all of it."""
    folder = tmp_path_factory.mktemp("report")
    ok(folder, "demo", "--leads", "400", "--seed", "12")
    return folder, as_json(folder, "report", "--from", "2000-01-01"), as_json(folder, "leads")


def test_report_json_agrees_with_the_leads_listed(demo):
    """received, first-answer counts and medians, sources, lost reasons, speed-to-result and next steps,
    recomputed from `leads --json`, are the report's."""
    _, report, rows = demo
    assert report["received"] == len(rows) == 400
    secs = {r["id"]: (_time(r["first_response_at"]) - _time(r["created_at"])).total_seconds()
            for r in rows if r["first_response_at"]}
    response = report["response"]
    assert response["never"] == len(rows) - len(secs)
    for name, limit in (("within_5m", 300), ("within_1h", 3600), ("within_24h", 86400)):
        assert response[name] == sum(1 for s in secs.values() if s <= limit)
    assert response["median_minutes"] == pytest.approx(statistics.median(secs.values()) / 60)
    ordered = sorted(secs.values())
    assert response["p90_minutes"] == pytest.approx(ordered[-(-9 * len(ordered) // 10) - 1] / 60)

    for source in report["sources"]:
        mine = [r for r in rows if (r["source"] or "") == source["source"]]
        by_status = Counter(r["status"] for r in mine)
        assert (source["received"], source["won"], source["lost"], source["open"]) == (
            len(mine), by_status["won"], by_status["lost"], by_status["open"])
        assert source["won_value"] == pytest.approx(sum(r["value"] or 0 for r in mine if r["status"] == "won"))
    assert sum(s["received"] for s in report["sources"]) == len(rows)
    assert {x["reason"]: x["count"] for x in report["lost_reasons"]} == Counter(
        r["lost_reason"] for r in rows if r["status"] == "lost")

    def bucket(row: dict) -> str:
        s = secs.get(row["id"])
        return "never" if s is None else "within_1h" if s <= 3600 else "1h_to_24h" if s <= 86400 else "later"
    closed = [r for r in rows if r["status"] != "open"]
    assert [(b["bucket"], b["leads"], b["won"]) for b in report["speed_to_result"]] == [
        (name, sum(bucket(r) == name for r in closed), sum(bucket(r) == name and r["status"] == "won" for r in closed))
        for name in insights.BUCKETS]
    open_rows = [r for r in rows if r["status"] == "open"]
    assert report["followup"]["open"] == len(open_rows)
    assert report["health"]["open_without_next_step"] == sum(1 for r in open_rows if not r["next_followup"])
    assert report["health"]["missing_contact"] == sum(1 for r in rows if not r["email"] and not r["phone"])


def test_every_count_equals_the_leads_behind_it(demo):
    """Each count of the JSON is the number of ids leads_behind lists for it (as of the report's time)."""
    folder, report, rows = demo
    filters = insights.Filters(start=_time(report["period"]["from"]), end=_time(report["period"]["to"]))
    at = _time(report["period"]["at"])
    live = {r["id"] for r in rows}
    db.open_database(folder)
    try:
        checked = 0
        for figure, key, count in insights.counts(report):
            ids = insights.leads_behind(filters, figure, key, at=at)
            assert len(ids) == len(set(ids)) == count and set(ids) <= live, (figure, key)
            checked += 1
    finally:
        db.close_database()
    assert checked > 30


def test_text_report_reads_in_a_terminal(demo):
    """The human report: each part titled, the published finding beside the owner's own speed-to-result."""
    folder, _, _ = demo
    text = ok(folder, "report", "--from", "2000-01-01")
    for part in ("First answer", "Source", "Why we lose", "Time in stage", "Follow-up", "Data health",
                 "Speed to result", "Oldroyd, McElheran and Elkington"):
        assert part in text
    assert max(len(line) for line in text.splitlines()) <= 110


def test_period_and_owner(demo):
    """A period with no leads counts none; an owner narrows the count; an unknown owner or a bad date is
    one sentence and exit code 1."""
    folder, report, rows = demo
    empty = as_json(folder, "report", "--from", "2001-01-01", "--to", "2001-01-31")
    assert empty["received"] == 0 and empty["response"]["median_minutes"] is None
    owner = next(r["owner"] for r in rows if r["owner"])
    mine = as_json(folder, "report", "--from", "2000-01-01", "--owner", owner)
    assert mine["received"] == sum(1 for r in rows if r["owner"] == owner) < report["received"]
    for args in (["--owner", "Nobody Here"], ["--from", "2026-13-01"], ["--from", "2026-02-01", "--to", "2026-01-01"]):
        result = leadbook(folder, "report", *args)
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_imported_leads_are_received_but_have_no_answer_time(tmp_path):
    """An imported lead counts as received and as imported, never as answered or unanswered; the text says
    so on the first-answer line."""
    sheet = tmp_path / "old.csv"
    sheet.write_text("Name,Email,Status\nIda,ida@example.org,Qualified\n", encoding="utf-8")
    ok(tmp_path, "add", "--name", "Walk In", "--email", "walk@example.org")
    ok(tmp_path, "import", str(sheet))
    response = as_json(tmp_path, "report")["response"]
    assert (response["imported"], response["never"], response["answered"]) == (1, 1, 0)
    assert "imported 1 (no answer time, left out)" in ok(tmp_path, "report")
