"""Cleaning a big file's rows on both cores gives the very plan one process gives, and falls back to one process
when the other half's child fails, hangs, or fork is missing."""
from __future__ import annotations

import os
import time

import pytest

from models import forked, import_cleaning, importing

ROWS = "".join(
    f"Person {i},p{i}@example.com,{'call me' if i % 5 == 0 else f'+49 171 {1000000 + i}'},"
    f"{['Neu', 'Won', 'Kaputt', 'Lost', 'Erledigt'][i % 5]}\n" for i in range(40))


@pytest.fixture
def messy(store, tmp_path):
    """A file with rows rejected (neither name, email nor phone), cells left blank and unknown status words in
    both halves."""
    path = tmp_path / "messy.csv"
    path.write_text("Name,Email,Phone,Status\n" + ROWS + ",,,Neu\n" + ROWS.replace("Person", "Other")
                    + ",,,Kaputt\n", encoding="utf-8")
    return path


def plan_of(path):
    plan = importing.plan_import(path)
    return plan.rows, plan.rejected, plan.warnings, plan.unknown


def serial(path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(import_cleaning, "PARALLEL_ROWS", 10**9)
        return plan_of(path)


def test_both_halves_give_the_plan_of_one_process(messy, monkeypatch):
    """Rows, rejected rows, warnings and unknown status words (counted over both halves), all in file order."""
    one = serial(messy, monkeypatch)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(import_cleaning, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(forked.os, "fork", lambda: forks.append(1) or real_fork())
    both = plan_of(messy)
    assert forks == [1] and both == one
    assert len(one[0]) == 80 and len(one[1]) == 2 and one[2] and one[3]["Status"]["Kaputt"] == 16


def test_a_failed_child_leaves_its_half_to_this_process(messy, monkeypatch):
    """A child that dies before answering: its rows are cleaned here, nothing lost or counted twice."""
    one = serial(messy, monkeypatch)
    monkeypatch.setattr(import_cleaning, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(forked.pickle, "dumps", lambda *_: 1 / 0)  # runs only in the child
    assert plan_of(messy) == one


def test_a_child_that_hangs_is_not_waited_for(messy, monkeypatch):
    """Past its deadline the child is killed and its half cleaned here."""
    one = serial(messy, monkeypatch)
    monkeypatch.setattr(import_cleaning, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(import_cleaning, "SLACK", 0.3)
    monkeypatch.setattr(forked.pickle, "dumps", lambda *_: time.sleep(60))
    started = time.monotonic()
    assert plan_of(messy) == one
    assert time.monotonic() - started < 10


def test_without_fork_one_process_cleans_it_all(messy, monkeypatch):
    """Where the system cannot fork (Windows) the plan is made here, the same."""
    one = serial(messy, monkeypatch)
    monkeypatch.setattr(import_cleaning, "PARALLEL_ROWS", 2)
    monkeypatch.delattr(forked.os, "fork")
    assert plan_of(messy) == one


def test_a_fork_that_fails_leaves_it_all_to_this_process(messy, monkeypatch):
    """No process to spare (a limit reached, no memory): the plan is made here, the same, no pipe left open."""
    one = serial(messy, monkeypatch)
    monkeypatch.setattr(import_cleaning, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(forked.os, "fork", lambda: (_ for _ in ()).throw(BlockingIOError(11, "no")))
    before = len(os.listdir("/proc/self/fd"))
    assert plan_of(messy) == one
    assert len(os.listdir("/proc/self/fd")) == before
