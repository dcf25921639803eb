"""Leadbook benchmarks against the performance budget in DESIGN.md.

    python tests/benchmarks/run.py [--leads 100000] [--only store|mail|desktop] [--runs 50] [--explain]

Each section is a function in SECTIONS that prints its own table; --only picks some.
Where a peer exists the time is shown beside it as a ratio (Today vs hand-written SQL
on the same file). Not collected by pytest (no test_ names).
"""
from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project
sys.path.insert(1, str(Path(__file__).resolve().parent))  # the other benchmark modules


from timing import times  # noqa: E402

from models import db, demo, stages, today, today_items  # noqa: E402
from models.clock import local_day_bounds, now  # noqa: E402

TODAY_BUDGET_MS = 5.0
TODAY_BUDGET_RATIO = 2.0


def section_store(args: argparse.Namespace) -> bool:
    """Demo generation, database size, and the Today query beside the same query in plain SQL."""
    with tempfile.TemporaryDirectory(prefix="leadbook-bench-") as tmp:
        folder = Path(args.data_dir or tmp)
        path = db.open_database(folder)
        stages.ensure_defaults()
        try:
            existing = db.database.execute_sql("SELECT COUNT(*) FROM lead").fetchone()[0]
            if existing:
                gen = None
                print(f"using the {existing:,} leads already in {folder}")
            else:
                print(f"generating {args.leads:,} demo leads in {folder} ...", flush=True)
                gen = demo.generate(args.leads)
            db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            counts = {t: db.database.execute_sql(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in ("lead", "activity", "follow_up")}
            open_leads = db.database.execute_sql("SELECT COUNT(*) FROM lead WHERE status = 'open'").fetchone()[0]
            size_mb = sum(p.stat().st_size for p in folder.glob(db.DB_NAME + "*")) / 1e6

            moment = now()
            con = sqlite3.connect(path)
            con.execute("PRAGMA cache_size = -32000")
            # The app's own query (today_items.PER_SECTION a section) is judged; a 200-item list is shown too.
            timed = {}
            for limit in (today_items.PER_SECTION, 200):
                orm = lambda limit=limit: today.today(limit=limit, at=moment)  # noqa: E731
                raw = lambda limit=limit: sql_today(con, moment, limit)  # noqa: E731
                warm = max(3, args.runs // 10)  # caches, prepared statements
                timed[limit] = (times(orm, args.runs, warm), times(raw, args.runs, warm), _same(orm(), raw()))
            result = today.today(at=moment)
            if args.explain:
                explain(con, moment)
            con.close()
        finally:
            db.close_database()

    rows = []
    if gen:
        rows.append(("demo generation", f"{gen['seconds']:.1f} s", "", "", "< 60 s (aim 30 s)",
                     gen["seconds"] < 60))
    rows += [
        ("leads / open", f"{counts['lead']:,} / {open_leads:,}", "", "", "", None),
        ("activities", f"{counts['activity']:,}", "", "", "", None),
        ("follow-ups", f"{counts['follow_up']:,}", "", "", "", None),
        ("database size", f"{size_mb:.1f} MB", "", "", "", None),
    ]
    for limit, (orm_ms, sql_ms, same) in timed.items():
        judged = limit == today_items.PER_SECTION
        for label, pick in (("median", statistics.median), ("p95", _p95)):
            a, b = pick(orm_ms), pick(sql_ms)
            rows.append((f"Today {limit}/section, {label}", f"{a:.2f} ms", f"{b:.2f} ms", f"{a / b:.2f}x",
                         f"<= {TODAY_BUDGET_MS:g} ms, <= {TODAY_BUDGET_RATIO:g}x" if judged else "(shown only)",
                         a <= TODAY_BUDGET_MS and a / b <= TODAY_BUDGET_RATIO if judged else None))
        rows.append((f"Today {limit}/section = hand SQL", "same items" if same else "DIFFERENT", "", "",
                     "identical", same))
    _table("store", ("measure", "Leadbook", "hand SQL", "ratio", "target", "ok"), rows)
    shown = ", ".join(f"{name} {result.counts[name]}" for name in today_items.SECTIONS)
    print(f"Today counts ({args.runs} runs after warm-up): {shown}")
    return all(ok for *_, ok in rows if ok is not None)


# -- Today as plain SQL: the peer the ORM query is measured against --------------------------------

_COLUMNS = "l.id, l.name, l.company, l.email, l.phone, {since}, f.id, f.title"
_OPEN = ("FROM lead l LEFT JOIN follow_up f ON f.lead_id = l.id AND f.done_at IS NULL "
         "WHERE l.status = 'open' AND l.merged_into IS NULL ")
_ANSWERED = "AND l.first_response_at IS NOT NULL AND l.awaiting_since IS NULL "
_REPLIED = "AND l.first_response_at IS NOT NULL AND l.awaiting_since IS NOT NULL "
_PUT_OFF = ("f.due > :now AND EXISTS (SELECT 1 FROM activity a WHERE a.lead_id = l.id AND a.kind = 'followup' "
            "AND a.at >= l.awaiting_since AND a.summary LIKE 'Next step: %')")


def _today_sql() -> dict[str, tuple[str, str]]:
    """Section -> (since column, FROM ... ORDER BY) with the rules of models.today (stale, upcoming and
    done today: see sql_today)."""
    return {
        "respond_now": ("l.created_at", _OPEN + "AND l.first_response_at IS NULL AND (f.id IS NULL OR f.due <= :now) "
                                               "ORDER BY l.created_at"),
        "replied": ("l.awaiting_since", _OPEN + _REPLIED + f"AND (f.id IS NULL OR NOT ({_PUT_OFF})) "
                                               "ORDER BY l.awaiting_since"),
        "overdue": ("f.due", _OPEN + _ANSWERED + "AND f.due < :start ORDER BY f.due"),
        "due_today": ("f.due", _OPEN + _ANSWERED + "AND f.due >= :start AND f.due < :end ORDER BY f.due"),
    }


_STALE_PART = (f"SELECT {_COLUMNS.format(since='l.last_activity_at')} " + _OPEN + _ANSWERED
               + "AND l.stage_id = ? AND l.last_activity_at < ? AND NOT EXISTS (SELECT 1 FROM follow_up p "
                 "WHERE p.lead_id = l.id AND p.done_at IS NULL AND p.due < ?)")


def sql_today(con: sqlite3.Connection, moment: datetime,
              limit: int = today_items.PER_SECTION) -> dict[str, tuple[list, int]]:
    """Every Today section with the same limits and count logic, straight through sqlite3."""
    start, end = local_day_bounds()
    out: dict[str, tuple[list, int]] = {}

    def section(name: str, select: str, rest: str, params: list) -> None:
        rows = con.execute(f"{select} {rest} LIMIT ?", params + [limit]).fetchall()
        count = len(rows)
        if count >= limit:
            unordered = rest.rsplit("ORDER BY", 1)[0]
            count = con.execute(f"SELECT COUNT(*) FROM ({select} {unordered})", params).fetchone()[0]
        out[name] = (rows, count)

    bound = {":now": str(moment), ":start": str(start), ":end": str(end)}

    def bind(sql: str) -> tuple[str, list]:
        """Named bounds -> ? with their values in order of appearance."""
        return re.sub(r":now|:start|:end", "?", sql), [bound[part] for part in re.findall(r":now|:start|:end", sql)]

    for name, (since, rest) in _today_sql().items():
        sql, params = bind(rest)
        section(name, f"SELECT {_COLUMNS.format(since=since)}", sql, params)
    stale = con.execute("SELECT id, stale_days FROM stage WHERE kind = 'open' AND stale_days > 0").fetchall()
    if stale:  # one part per stage (each can use an index range), as models.today does
        params = [v for sid, days in stale for v in (sid, str(moment - timedelta(days=days)), str(end))]
        section("stale", " UNION ".join([_STALE_PART] * len(stale)), "ORDER BY 6", params)
    later = (f"SELECT {_COLUMNS.format(since='f.due')} {_OPEN} AND l.first_response_at IS NULL AND f.due > :now "
             f"UNION SELECT {_COLUMNS.format(since='f.due')} {_OPEN} {_REPLIED} AND {_PUT_OFF}")
    sql, params = bind(later)
    section("upcoming", sql, "ORDER BY 6", params)
    done = f"SELECT {_COLUMNS.format(since='f.done_at')} FROM follow_up f JOIN lead l ON l.id = f.lead_id"
    waiting = ("l.status = 'open' AND l.merged_into IS NULL AND (l.first_response_at IS NULL OR l.awaiting_since "
               "IS NOT NULL OR l.last_activity_at < :start OR EXISTS (SELECT 1 FROM follow_up p WHERE "
               "p.lead_id = l.id AND p.done_at IS NULL AND p.due < :end))")
    superseded = ("EXISTS (SELECT 1 FROM follow_up d WHERE d.lead_id = f.lead_id AND (d.done_at > f.done_at "
                  "OR (d.done_at = f.done_at AND d.id > f.id)))")
    section("done_today", done, *bind(f"WHERE f.done_at >= :start AND NOT ({waiting}) AND NOT {superseded} "
                                      "ORDER BY f.done_at DESC"))
    return out


def explain(con: sqlite3.Connection, moment: datetime) -> None:
    """EXPLAIN QUERY PLAN of the ORM's statements, captured from peewee's query log."""
    import logging

    captured: list[tuple[str, tuple]] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if isinstance(record.msg, tuple):
                captured.append(record.msg)

    logger = logging.getLogger("peewee")
    handler, level = Grab(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        today.today(at=moment)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    for sql, params in captured:
        print("\n" + sql)
        for row in con.execute("EXPLAIN QUERY PLAN " + sql, [_plain(p) for p in params]):
            print("   ", row[-1])


def _plain(value: object) -> object:
    return value.isoformat(" ") if isinstance(value, datetime) else value


def _same(result: today_items.Today, raw: dict[str, tuple[list, int]]) -> bool:
    for name in today_items.SECTIONS:
        rows, count = raw[name]
        if result.counts[name] != count or [i.lead_id for i in result.sections[name]] != [r[0] for r in rows]:
            print(f"  {name}: ORM {result.counts[name]} items, SQL {count}")
            return False
    return True


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _table(title: str, header: tuple[str, ...], rows: list[tuple]) -> None:
    cells = [header] + [tuple(c if not isinstance(c, bool) and c is not None else
                              ("" if c is None else "yes" if c else "NO") for c in row) for row in rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    line = "-+-".join("-" * w for w in widths)
    print(f"\n== {title} ==")
    for n, row in enumerate(cells):
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print(line)


def section_mail(args: argparse.Namespace) -> bool:
    """Capture from a local Dovecot beside a plain imapclient fetch of the same messages."""
    import capture

    print("\n== mail ==")
    return capture.run(args.messages)["targets_met"]


def section_desktop(args: argparse.Namespace) -> bool:
    """Cold start to Today painted beside an empty window, the board at ~10k open leads, memory."""
    import gui

    print("\n== desktop ==")
    return all(gui.run(args.leads, data_dir=Path(args.data_dir) if args.data_dir else None)["ok"].values())


def section_team(args: argparse.Namespace) -> bool:
    """Team sync: applying 100,000 remote operations, an idle round, joining a 100k-lead team, folder size."""
    import team_apply
    import team_rounds

    print("\n== team: apply ==")
    applied = team_apply.report()
    return team_rounds.section_team(args) and applied


def section_insights(args: argparse.Namespace) -> bool:
    """The full Insights report at 100,000 leads beside the same figures in hand-written SQL."""
    import insights

    print("\n== insights ==")
    return insights.run(args.leads, data_dir=Path(args.data_dir) if args.data_dir else None)


def section_import(args: argparse.Namespace) -> bool:
    """A 50,000-row Google Contacts export imported into a fresh data folder: time, peak memory, longest batch."""
    import import_bench

    print("\n== import ==")
    return all(import_bench.run(args.import_rows)["ok"].values())


SECTIONS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "store": section_store,
    "mail": section_mail,
    "desktop": section_desktop,
    "team": section_team,
    "insights": section_insights,
    "import": section_import,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--leads", type=int, default=100_000, help="demo leads to generate (default 100000)")
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only this section")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query (default 50)")
    parser.add_argument("--messages", type=int, default=5000, help="mail messages to capture (default 5000)")
    parser.add_argument("--import-rows", type=int, default=50_000, help="rows of the import section (default 50000)")
    parser.add_argument("--explain", action="store_true", help="print the query plans of Today")
    parser.add_argument("--data-dir", help="use (and keep) this data folder instead of a temporary one")
    args = parser.parse_args(argv)
    ok = True
    for name in args.only or list(SECTIONS):
        ok = SECTIONS[name](args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
