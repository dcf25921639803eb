"""Team sync benchmark: apply 100,000 remote operations, beside inserting the same rows with one
executemany in one transaction (plain sqlite3, same schema).

    python tests/benchmarks/team_apply.py [--ops 100000]

Not collected by pytest (no test_ names).
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project

from models import db, hlc, migrations, replica, stages, writes  # noqa: E402
from models.clock import now  # noqa: E402
from models.tables import Lead, database  # noqa: E402

BUDGET_S = 3.0


def lead_rows(count: int) -> list[dict]:
    stage = stages.first_stage().id
    start = now()
    return [dict(name=f"Lead {n}", email=f"lead{n}@example.com", phone=None, company=f"Company {n % 500}",
                 source="Web", service="Roof", message="Please call", stage=stage, status="open", owner=None,
                 value=float(n), lost_reason=None, relay=None, created_at=start - timedelta(minutes=n),
                 stage_changed_at=start, first_response_at=None, last_activity_at=start, awaiting_since=None,
                 closed_at=None, merged_into=None) for n in range(count)]


def team_apply(ops_wanted: int) -> dict[str, float]:
    columns = len(Lead._meta.sorted_fields) - 1  # one op per column but id
    with tempfile.TemporaryDirectory(prefix="leadbook-team-") as tmp:
        folder = Path(tmp)
        db.open_database(folder / "a")
        stages.ensure_defaults()
        replica.reset_outbox()
        snapshot = list(replica.snapshot_records())
        device_a = hlc.device_id()
        writes.insert_many(Lead, lead_rows(ops_wanted // columns))
        started = time.perf_counter()
        with database.atomic():
            ops = replica.drain().ops
        drain_s = time.perf_counter() - started
        core = sqlite3.connect(":memory:")
        core.executescript(migrations.CORE)
        columns_then = ", ".join(f'"{c[1]}"' for c in core.execute("PRAGMA table_info(lead)"))  # the plain peer's
        rows = database.execute_sql(f"SELECT {columns_then} FROM lead").fetchall()

        db.open_database(folder / "b")
        stages.ensure_defaults()
        replica.load_snapshot(snapshot)
        started = time.perf_counter()
        result = replica.apply(device_a, 1, ops)
        apply_s = time.perf_counter() - started
        assert result.applied == len(ops), result
        db.close_database()

        plain = sqlite3.connect(folder / "plain.sqlite3", isolation_level=None)
        plain.executescript(migrations.CORE)
        plain.execute("PRAGMA journal_mode = wal")
        plain.execute("PRAGMA synchronous = normal")
        started = time.perf_counter()
        plain.execute("BEGIN")
        plain.executemany(f"INSERT INTO lead VALUES ({', '.join('?' * len(rows[0]))})", rows)
        plain.execute("COMMIT")
        plain_s = time.perf_counter() - started
        plain.close()
    return {"ops": len(ops), "rows": len(rows), "apply_s": apply_s, "plain_s": plain_s, "drain_s": drain_s}


def report(ops_wanted: int = 100_000) -> bool:
    """Print the figures beside the target; True when the target is met."""
    figures = team_apply(ops_wanted)
    ratio = figures["apply_s"] / figures["plain_s"]
    ok = figures["apply_s"] <= BUDGET_S
    print(f"apply {figures['ops']:,} remote ops ({figures['rows']:,} leads): {figures['apply_s'] * 1000:,.0f} ms "
          f"(target ≤ {BUDGET_S * 1000:,.0f} ms: {'ok' if ok else 'OVER'}); one executemany of the same rows: "
          f"{figures['plain_s'] * 1000:,.0f} ms; ratio {ratio:.1f}×")
    print(f"drain of the same {figures['rows']:,} outbox records into ops: {figures['drain_s'] * 1000:,.0f} ms")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    report(parser.parse_args().ops)


if __name__ == "__main__":
    main()
