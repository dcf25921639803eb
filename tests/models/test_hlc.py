"""Hybrid logical clocks: text that sorts as time, never going back, persisted per data folder."""
from __future__ import annotations

from datetime import datetime

from models import db, hlc


def test_a_device_keeps_its_id(store):
    """The device id is made once and survives reopening the data folder."""
    first = hlc.device_id()
    db.open_database(store)
    assert hlc.device_id() == first and len(first) == 36


def test_clocks_increase_even_when_the_wall_clock_steps_back(store, monkeypatch):
    """A wall clock set back (NTP, a user) does not make a later change look older."""
    monkeypatch.setattr(hlc, "_now_ms", lambda: 2_000_000_000_000)
    first = hlc.tick()
    monkeypatch.setattr(hlc, "_now_ms", lambda: 1_000_000_000_000)
    second, third = hlc.tick(), hlc.tick()
    assert first < second < third
    assert second.startswith("2000000000000-0001-") and hlc.device(second) == hlc.device_id()


def test_the_counter_overflows_into_the_wall_time(store, monkeypatch):
    """More than 65,536 clocks in one millisecond still sort: the wall part moves on."""
    monkeypatch.setattr(hlc, "_now_ms", lambda: 1_000_000_000_000)
    hlc.observe(f"1000000000000-ffff-{hlc.device_id()}")
    assert hlc.tick().startswith("1000000000001-0000-")


def test_observe_never_hands_out_a_smaller_clock(store, monkeypatch):
    """After applying a clock from a device ahead of us, our next change is later than it."""
    monkeypatch.setattr(hlc, "_now_ms", lambda: 1_000_000_000_000)
    remote = "1500000000000-0003-11111111-1111-4111-8111-111111111111"
    hlc.observe(remote)
    assert hlc.tick() > remote
    hlc.observe("0000000000001-0000-x")  # an older clock changes nothing
    assert hlc.tick().startswith("1500000000000-0005-")


def test_the_clock_persists_in_the_data_folder(store, monkeypatch):
    """Reopening (another process) continues after the last clock handed out."""
    monkeypatch.setattr(hlc, "_now_ms", lambda: 1_000_000_000_000)
    hlc.observe("1500000000000-0000-x")
    hlc._state.clear()
    db.open_database(store)
    assert hlc.tick().startswith("1500000000000-0001-")


def test_wall_gives_the_utc_time(store):
    """wall() reads the milliseconds back as naive UTC."""
    assert hlc.wall("1796000000000-0000-x") == datetime(2026, 11, 30, 0, 53, 20)
