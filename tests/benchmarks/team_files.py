"""Team files benchmark: writing and reading .lbk segments, and their size, plain and encrypted.

Prints, for a team without and with a passphrase:
  segment   write + read of one segment of 100,000 ops (ms), and its size
  leads     bytes per 1,000 leads, each lead shipped as its insert ops (one per field)
Targets (issue 8): applying 100,000 remote ops <= 3 s in all, so reading the segment is a small part of it.

    python tests/benchmarks/team_files.py [OPS]
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project

from sync.team.folder import Folder, create_team  # noqa: E402

DEVICE = str(uuid.UUID(int=7, version=4))
FIRST = ["Anna", "Ben", "Carla", "David", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Klara", "Luis"]
LAST = ["Schmidt", "Meyer", "Garcia", "Rossi", "Dubois", "Nowak", "Jensen", "Silva", "Brown", "Kim"]
RUNS = 3  # the best of: the first run pays for warming caches
STAGES = ["New", "Contacted", "Quoted", "Won", "Lost"]


def lead_ops(count: int, seed: int = 7) -> list[list]:
    """Insert ops of `count` leads (12 fields each), stamped as models/hlc.py stamps them."""
    rng = random.Random(seed)
    wall = 1_764_480_000_000
    ops: list[list] = []
    for n in range(count):
        lead = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        fields = {
            "name": name, "email": f"{name.lower().replace(' ', '.')}{n}@example.com",
            "phone": f"+4915{rng.randrange(10**8, 10**9)}", "company": f"{rng.choice(LAST)} GmbH",
            "source": rng.choice(["web form", "email", "phone", "referral"]), "stage": rng.choice(STAGES),
            "status": "open", "owner": None, "value": rng.randrange(100, 20_000),
            "created_at": f"2026-11-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00",
            "last_activity_at": None, "lost_reason": None,
        }
        for counter, (field, value) in enumerate(fields.items()):
            ops.append([f"{wall + n:013d}-{counter:04x}-{DEVICE}", "lead", lead, field, value, None])
    return ops


def measure(team: Path, key: bytes | None, ops: list[list], leads: list[list]) -> tuple[float, int, int]:
    """(best ms for write + read of the segment, its bytes, bytes per 1,000 leads)."""
    folder = Folder(team, DEVICE, key)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        folder.write_segment(1, ops)
        assert folder.read_segment(DEVICE, 1) == ops
        times.append((time.perf_counter() - start) * 1000)
    ms = min(times)
    own = team / "devices" / DEVICE
    segment = os.path.getsize(own / "ops-00000001.lbk")
    folder.write_segment(2, leads)
    return ms, segment, os.path.getsize(own / "ops-00000002.lbk")


def main(count: int = 100_000) -> None:
    ops = lead_ops(count // 12 + 1)[:count]
    leads = lead_ops(1_000, seed=11)
    print(f"{'team':<10} {'write+read ms':>14} {'segment bytes':>14} {'bytes / 1,000 leads':>20}")
    with tempfile.TemporaryDirectory(prefix="leadbook-bench-") as tmp:
        for label, passphrase in (("plain", None), ("encrypted", "correct horse battery")):
            team = Path(tmp) / label
            _info, key = create_team(team, passphrase)
            ms, segment, per_thousand = measure(team, key, ops, leads)
            print(f"{label:<10} {ms:>14.0f} {segment:>14,} {per_thousand:>20,}")
    print(f"({count:,} ops in the segment; a lead is {len(leads) // 1000} insert ops)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
