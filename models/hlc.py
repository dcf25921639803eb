"""Hybrid logical clocks for team sync: wall time, a counter, the device.

A clock is text that sorts correctly: f"{wall_ms:013d}-{counter:04x}-{device_id}". A new clock is
later than every clock this device handed out or observed, even when the wall clock steps back,
so last-writer-wins by clock text respects what each device saw before it wrote.
"""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from .tables import database

_state: dict[str, tuple[int, int]] = {}  # database path -> the last (wall_ms, counter) handed out or seen


def _now_ms() -> int:
    return time.time_ns() // 1_000_000  # tests replace this to put a device's clock off


def _get(key: str) -> str | None:
    found = database.execute_sql("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
    return found[0] if found else None


def _put(key: str, value: str) -> None:
    database.execute_sql("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", [key, value])


def device_id() -> str:
    """This data folder's device id (made once; a copied data folder must not keep it: see DESIGN)."""
    found = _get("sync_device_id")
    if found is None:
        found = str(uuid.uuid4())
        _put("sync_device_id", found)
    return found


def _last() -> tuple[int, int]:
    stored = _get("sync_hlc")
    wall, counter = (int(stored.split("-")[0]), int(stored.split("-")[1], 16)) if stored else (0, 0)
    return max((wall, counter), _state.get(database.database, (0, 0)))


def _save(wall: int, counter: int) -> None:
    _state[database.database] = (wall, counter)
    _put("sync_hlc", f"{wall:013d}-{counter:04x}")


def tick() -> str:
    """A new clock for a local change: persisted, later than any clock seen here."""
    wall, counter = _last()
    ms = _now_ms()
    wall, counter = (ms, 0) if ms > wall else (wall, counter + 1)
    if counter > 0xFFFF:  # the counter would no longer sort as four hex digits
        wall, counter = wall + 1, 0
    _save(wall, counter)
    return f"{wall:013d}-{counter:04x}-{device_id()}"


def latest() -> str:
    """The newest clock handed out or observed here (no tick: safe in a read)."""
    wall, counter = _last()
    return f"{wall:013d}-{counter:04x}-{device_id()}"


def parse(hlc: str) -> tuple[int, int, str]:
    wall, counter, device = hlc.split("-", 2)
    return int(wall), int(counter, 16), device


def observe(remote: str) -> None:
    """After applying remote ops: never hand out a clock smaller than the newest applied."""
    wall, counter, _device = parse(remote)
    if (wall, counter) > _last():
        _save(wall, counter)


def wall(hlc: str) -> datetime:
    """The clock's wall time as naive UTC (the form stored times take)."""
    return datetime.fromtimestamp(parse(hlc)[0] / 1000, UTC).replace(tzinfo=None)


def device(hlc: str) -> str:
    """The device that made the change."""
    return parse(hlc)[2]
