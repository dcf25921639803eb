"""Insights at 100,000 leads: the full report (models.insights.report) beside the same figures computed by
hand-written SQL, for the report's default period (the last 30 days), 90 days, a year and all of it.

    python tests/benchmarks/insights.py [--copy-of FOLDER] [--leads 100000] [--runs 10]
    python tests/benchmarks/run.py --only insights [--data-dir FOLDER_WITH_DEMO_LEADS]

--copy-of copies a data folder (e.g. /tmp/bench100k) into a temporary one first, since opening a database
upgrades its schema (the time an upgrade took is printed: the insights' derived rows are filled then); without
it demo leads are generated (about 40 s). Each run is timed after warm-up; the median is judged. The report
reads rows derived by triggers (insight_lead, stage_stay); the hand-written SQL reads lead and activity
themselves, so "same" checks those rows too. Not collected by pytest (no test_ names).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project, when run on its own

from timing import times  # noqa: E402

from models import db, demo, insights, stages  # noqa: E402
from models.clock import local_day_bounds, now, to_local  # noqa: E402

REPORT_BUDGET_MS = 200.0
RATIO_BUDGET = 2.0
PERIODS = (("last 30 days (default)", 30), ("last 90 days", 90), ("last 365 days", 365), ("all", None))


# -- the same figures by hand: one plain query per figure, straight through sqlite3 -----------------------

_LEADS = "FROM lead WHERE merged_into IS NULL AND created_at >= :start AND created_at < :end"
_SECS = "max(0, unixepoch(first_response_at) - unixepoch(created_at))"
_BUCKET = (f"CASE WHEN first_response_at IS NULL THEN 'never' WHEN {_SECS} <= 3600 THEN 'within_1h' "
           f"WHEN {_SECS} <= 86400 THEN '1h_to_24h' ELSE 'later' END")


def _middle(con: sqlite3.Connection, values: str, params: dict, n: int) -> float | None:
    """The median of a query's column x: the middle value, or the mean of the two middle ones."""
    if not n:
        return None
    rows = con.execute(f"SELECT x FROM ({values}) ORDER BY x LIMIT :k OFFSET :o",
                       {**params, "k": 2 - n % 2, "o": (n - 1) // 2}).fetchall()
    return sum(r[0] for r in rows) / len(rows)


def hand_sql(con: sqlite3.Connection, start: datetime, end: datetime, at: datetime) -> dict:
    """Every figure of the report, each by its own plain query."""
    p = {"start": start.isoformat(" "), "end": end.isoformat(" "), "at": at.isoformat(" "),
         "today": local_day_bounds(to_local(at).date())[0].isoformat(" ")}
    one = lambda sql: con.execute(sql, p).fetchone()[0]  # noqa: E731
    answered = f"SELECT {_SECS} AS x {_LEADS} AND first_response_at IS NOT NULL"
    n = one(f"SELECT count(*) FROM ({answered})")
    out: dict = {"received": one(f"SELECT count(*) {_LEADS}")}
    out["response"] = {
        "median": _middle(con, answered, p, n),
        "p90": con.execute(f"SELECT x FROM ({answered}) ORDER BY x LIMIT 1 OFFSET :o",
                           {**p, "o": (9 * n + 9) // 10 - 1}).fetchone()[0] if n else None,
        **{name: one(f"SELECT count(*) {_LEADS} AND {_SECS} <= {limit}")
           for name, limit in (("within_5m", 300), ("within_1h", 3600), ("within_24h", 86400))},
        "never": one(f"SELECT count(*) {_LEADS} AND first_response_at IS NULL")}
    out["sources"] = {}
    for source, received, won, lost, opened, value, answered_n in con.execute(
            f"SELECT coalesce(source, ''), count(*), sum(status = 'won'), sum(status = 'lost'), sum(status = 'open'), "
            f"total(CASE WHEN status = 'won' THEN value END), count(first_response_at) {_LEADS} GROUP BY 1", p):
        median = _middle(con, f"SELECT {_SECS} AS x {_LEADS} AND first_response_at IS NOT NULL "
                              "AND coalesce(source, '') = :source", {**p, "source": source}, answered_n)
        out["sources"][source] = (received, won, lost, opened, value, median)
    out["lost_reasons"] = dict(con.execute(f"SELECT coalesce(lost_reason, ''), count(*) {_LEADS} AND status = 'lost' "
                                           "GROUP BY 1", p).fetchall())
    out["speed"] = {b: (n, w) for b, n, w in con.execute(
        f"SELECT {_BUCKET}, sum(status != 'open'), sum(status = 'won') {_LEADS} GROUP BY 1", p)}
    out["stuck"] = dict(con.execute(
        f"SELECT s.name, count(*) FROM lead AS l JOIN stage AS s ON s.id = l.stage_id "
        f"WHERE l.id IN (SELECT id {_LEADS}) "
        "AND l.status = 'open' AND s.stale_days > 0 AND julianday(:at) - julianday(l.stage_changed_at) > s.stale_days "
        "GROUP BY 1", p).fetchall())
    stays = (f"SELECT substr(a.summary, 1, instr(a.summary, ' → ') - 1) AS stage, max(0, julianday(a.at) - julianday("
             f"coalesce(lag(a.at) OVER (PARTITION BY a.lead_id ORDER BY a.at, a.rowid), l.created_at))) AS x "
             f"FROM lead AS l JOIN activity AS a INDEXED BY activity_stage ON a.lead_id = l.id WHERE l.id IN "
             f"(SELECT id {_LEADS}) AND a.kind = 'stage' AND instr(a.summary, ' → ') > 0")
    out["stage_days"] = {}
    for stage, count in con.execute(f"SELECT stage, count(*) FROM ({stays}) GROUP BY 1", p).fetchall():
        out["stage_days"][stage] = _middle(con, f"SELECT x FROM ({stays}) WHERE stage = :stage", {**p, "stage": stage},
                                           count)
    pending = "(SELECT min(due) FROM follow_up AS f WHERE f.lead_id = l.id AND f.done_at IS NULL)"
    open_leads = f"FROM lead AS l WHERE l.id IN (SELECT id {_LEADS}) AND l.status = 'open'"
    out["followup"] = (one(f"SELECT count(*) {open_leads}"),
                       one(f"SELECT count(*) {open_leads} AND {pending} < :today"),
                       one(f"SELECT count(*) {open_leads} AND {pending} IS NOT NULL"))
    twin = ("SELECT 1 FROM lead AS o WHERE o.{0} = l.{0} AND o.id != l.id AND o.status = 'open' "
            "AND o.merged_into IS NULL")
    out["health"] = (one(f"SELECT count(*) {_LEADS} AND coalesce(email, '') = '' AND coalesce(phone, '') = ''"),
                     one(f"SELECT count(*) {open_leads} AND (EXISTS ({twin.format('email')}) "
                         f"OR EXISTS ({twin.format('phone')}))"),
                     one(f"SELECT count(*) {open_leads} AND {pending} IS NULL"))
    return out


def _same(r: insights.Report, h: dict) -> bool:
    """The report's figures are the hand-written SQL's."""
    def close(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-6)

    resp = r.response
    checks = {
        "received": r.received == h["received"],
        "response": (resp.within_5m, resp.within_1h, resp.within_24h, resp.never) == tuple(
            h["response"][k] for k in ("within_5m", "within_1h", "within_24h", "never"))
        and close(resp.median_minutes, h["response"]["median"] and h["response"]["median"] / 60)
        and close(resp.p90_minutes, h["response"]["p90"] and h["response"]["p90"] / 60),
        "sources": {s.source: (s.received, s.won, s.lost, s.open) for s in r.sources}
        == {k: v[:4] for k, v in h["sources"].items()}
        and all(close(s.won_value, h["sources"][s.source][4]) and close(
            s.median_response_minutes, h["sources"][s.source][5] and h["sources"][s.source][5] / 60)
            for s in r.sources),
        "lost_reasons": {x.reason: x.count for x in r.lost_reasons} == h["lost_reasons"],
        "speed": {s.bucket: (s.leads, s.won) for s in r.speed_to_result if s.leads or s.won}
        == {k: v for k, v in h["speed"].items() if any(v)},
        "stages": {s.stage: s.stuck for s in r.stages if s.stuck} == h["stuck"]
        and all(close(s.median_days, h["stage_days"].get(s.stage)) for s in r.stages),
        "followup": (r.followup.open, r.followup.overdue, r.followup.with_next_step) == h["followup"],
        "health": (r.health.missing_contact, r.health.duplicate_candidates, r.health.open_without_next_step)
        == h["health"],
    }
    for name, ok in checks.items():
        if not ok:
            print(f"  {name}: the report and the hand-written SQL DIFFER")
    return all(checks.values())


def _version(path: Path) -> int:
    """The schema version of an existing database (0: none yet)."""
    if not path.exists():
        return 0
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()


def measure(folder: Path, runs: int) -> list[tuple]:
    """(period, leads counted, report ms, hand SQL ms, same figures) for each of PERIODS."""
    version = _version(folder / db.DB_NAME)
    started = time.perf_counter()
    path = db.open_database(folder)
    if version and version < db.schema_version():
        print(f"schema upgrade {version} -> {db.schema_version()} on opening: {time.perf_counter() - started:.1f} s")
    stages.ensure_defaults()
    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -32000")
    rows = []
    try:
        at = now()
        for label, days in PERIODS:
            filters = insights.last_days(days) if days else insights.Filters()
            start, end = filters.start or datetime.min, filters.end or datetime.max
            mine = times(lambda f=filters: insights.report(f, at=at), runs)
            peer = times(lambda s=start, e=end: hand_sql(con, s, e, at), runs)
            result = insights.report(filters, at=at)
            rows.append((label, result.received, statistics.median(mine), statistics.median(peer),
                         _same(result, hand_sql(con, start, end, at))))
    finally:
        con.close()
        db.close_database()
    return rows


def run(leads: int = 100_000, data_dir: Path | None = None, copy_of: Path | None = None, runs: int = 10) -> bool:
    """Print the table; True when every period meets the budget and agrees with the hand-written SQL."""
    with tempfile.TemporaryDirectory(prefix="leadbook-insights-") as tmp:
        folder = data_dir or Path(tmp)
        if copy_of:
            print(f"copying {copy_of} ...", flush=True)
            shutil.copy2(copy_of / db.DB_NAME, folder / db.DB_NAME)
        elif data_dir is None:
            print(f"generating {leads:,} demo leads in {folder} ...", flush=True)
            db.open_database(folder)
            stages.ensure_defaults()
            demo.generate(leads)
            db.close_database()
        rows = measure(folder, runs)
    ok = True
    print(f"load average (1 min) while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'period':24} | {'leads':>7} | {'report':>9} | {'hand SQL':>9} | {'ratio':>6} | same  | target")
    for label, count, mine, peer, same in rows:
        met = mine <= REPORT_BUDGET_MS and mine / peer <= RATIO_BUDGET and same
        ok = ok and met
        print(f"{label:24} | {count:>7,} | {mine:>6.0f} ms | {peer:>6.0f} ms | {mine / peer:>5.2f}x | "
              f"{'yes' if same else 'NO':5} | <= {REPORT_BUDGET_MS:g} ms, <= {RATIO_BUDGET:g}x: "
              f"{'ok' if met else 'MISSED'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--leads", type=int, default=100_000, help="demo leads to generate (default 100000)")
    parser.add_argument("--copy-of", type=Path, help="copy this data folder's database instead of generating")
    parser.add_argument("--data-dir", type=Path, help="use (and upgrade) this data folder as it is")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per period (default 10)")
    args = parser.parse_args(argv)
    return 0 if run(args.leads, args.data_dir, args.copy_of, args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
