"""Import benchmark: a Google Contacts export of 50,000 rows, planned and imported into a fresh data folder.

Times plan_import (read, map, clean, find duplicates) and apply_import (write in batches) in a child
process of its own, so its peak memory (max RSS) is the import's, and the longest transaction (how long
the window's writes may wait for the lock). The plan cleans half the rows in a forked child of that
process, and apply makes each batch's rows in another ahead of the batch it writes (models.forked): their
largest max RSS is shown beside, most of it pages they share with the import.
Targets: whole import <= 5 s, peak <= 150 MB, the write lock held <= 0.5 s at a time.
Undo of the whole import is timed after the peak is taken (shown, no target).

    python tests/benchmarks/import_bench.py [ROWS]
"""
from __future__ import annotations

import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_S, TARGET_MB, TARGET_BATCH_S = 5.0, 150.0, 0.5  # the whole import, its peak, the write lock held at a time
HEADER = ("First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,"
          "Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,"
          "Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
          "Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,"
          "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
          "Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value").split(",")
FIRST = ["Anna", "Jürgen", "Zoë", "Ben", "Chloé", "Luis", "Ines", "Mateo", "Priya", "李", "Søren", "Olivia"]
LAST = ["Schmidt", "Weiß", "García", "Rossi", "Dubois", "Nowak", "Ørsted", "Silva", "Kumar", "Brown", "小龙"]
CITIES = [("Berlin", "10115", "DE"), ("München", "80331", "DE"), ("Hamburg", "20095", "DE")]


def google_contacts(path: Path, rows: int, seed: int = 11) -> None:
    """A Google Contacts export: most rows with an email, many with a mobile, some with two values in a cell."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            row = dict.fromkeys(HEADER, "")
            row |= {"First Name": first, "Last Name": f"{last} {i}", "Labels": "* myContacts ::: Kunden"}
            if rng.random() < 0.85:
                email = f"{first.lower()}.{i}@example.com"
                row |= {"E-mail 1 - Label": "* Work",
                        "E-mail 1 - Value": email + (f" ::: private{i}@example.org" if rng.random() < 0.2 else "")}
            if rng.random() < 0.6:
                number = f"+49 171 {1000000 + i}" if rng.random() < 0.5 else f"030 {2000000 + i}"
                row |= {"Phone 1 - Label": "Mobile", "Phone 1 - Value": number}
            if rng.random() < 0.4:
                row |= {"Organization Name": f"{last} GmbH", "Organization Title": "Inhaber"}
            if rng.random() < 0.3:
                city, code, country = rng.choice(CITIES)
                row |= {"Address 1 - Label": "Work", "Address 1 - Street": f"Hauptstr. {i}", "Address 1 - City": city,
                        "Address 1 - Formatted": f"Hauptstr. {i}\n{code} {city}\n{country}",
                        "Address 1 - Postal Code": code, "Address 1 - Country": country}
            if rng.random() < 0.2:
                row["Notes"] = "Met at the fair, wants a quote"
            writer.writerow(row.values())


def child(path: str, data: str) -> None:
    """Runs in its own process: the import alone, timed, with its peak memory."""
    from models import db, import_apply, importing, stages
    from models.tables import database

    db.open_database(Path(data))
    stages.ensure_defaults()
    locks = _timed_transactions(database)
    batches: list[float] = []
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        moment = time.perf_counter()
        batches.append(moment - last[0])
        last[0] = moment

    start = time.perf_counter()
    plan = importing.plan_import(Path(path))
    planned = time.perf_counter()
    last[0] = planned
    result = importing.apply_import(plan, progress=progress)
    done = time.perf_counter()
    apply_locks, locks[:] = list(locks), []
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helper_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the forked children, if any
    undo_start = last[0] = time.perf_counter()
    apply_batches, batches[:] = list(batches), []
    importing.undo_import(result.undo, progress=progress)
    undo_s = time.perf_counter() - undo_start
    print(json.dumps({"plan_s": planned - start, "apply_s": done - planned, "total_s": done - start,
                      "peak_mb": peak_mb, "helper_mb": helper_mb, "added": result.added, "skipped": result.skipped,
                      "undo_s": undo_s,
                      "batch_max_s": max(apply_batches, default=0.0), "lock_max_s": max(apply_locks, default=0.0),
                      "undo_batch_max_s": max(batches, default=0.0), "undo_lock_max_s": max(locks, default=0.0),
                      "batch_rows": import_apply.BATCH}))


def _timed_transactions(database: Any) -> list[float]:
    """How long each transaction held the database (from BEGIN to its end), in seconds: the window waits that long
    at most for the write lock."""
    held: list[float] = []
    atomic = database.atomic

    class Timed:
        def __init__(self, *args: Any) -> None:
            self.inner = atomic(*args)

        def __enter__(self) -> Any:
            self.started = time.perf_counter()
            return self.inner.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            try:
                return self.inner.__exit__(*exc)
            finally:
                held.append(time.perf_counter() - self.started)

    database.atomic = Timed
    return held


def run(rows: int = 50_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="leadbook-import-bench-") as tmp:
        source = Path(tmp) / "contacts.csv"
        google_contacts(source, rows)
        size_mb = source.stat().st_size / 1e6
        out = subprocess.run([sys.executable, __file__, "--child", str(source), str(Path(tmp) / "data")],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    ok = {"time": figures["total_s"] <= TARGET_S, "memory": figures["peak_mb"] <= TARGET_MB,
          "batch": figures["lock_max_s"] <= TARGET_BATCH_S}
    print(f"{rows:,} Google Contacts rows ({size_mb:.1f} MB CSV): added {figures['added']:,}, "
          f"skipped {figures['skipped']:,} as duplicates")
    print(f"  plan   {figures['plan_s']:6.2f} s")
    print(f"  apply  {figures['apply_s']:6.2f} s  ({figures['batch_rows']} rows a transaction holding the write lock "
          f"{figures['lock_max_s'] * 1000:.0f} ms at most, target <= {TARGET_BATCH_S * 1000:.0f} ms "
          f"{'ok' if ok['batch'] else 'MISSED'}; {figures['batch_max_s'] * 1000:.0f} ms between batches at most)")
    print(f"  total  {figures['total_s']:6.2f} s  (target <= {TARGET_S:.0f} s) {'ok' if ok['time'] else 'MISSED'}")
    print(f"  peak   {figures['peak_mb']:6.0f} MB (target <= {TARGET_MB:.0f} MB) {'ok' if ok['memory'] else 'MISSED'}; "
          f"the forked children {figures['helper_mb']:.0f} MB (max RSS, most of it pages shared with the import)")
    print(f"  undo   {figures['undo_s']:6.2f} s  (the whole import, batch by batch, the write lock held "
          f"{figures['undo_lock_max_s'] * 1000:.0f} ms at most; no target)")
    return figures | {"ok": ok}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
