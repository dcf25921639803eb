"""models.forked: what the child sends comes back in order; a child that fails, hangs or garbles its answer is
stopped and collected; and the child never collects what the parent had (another thread's connection, say)."""
from __future__ import annotations

import gc
import os
import time
import weakref

from models import forked


def test_answers_come_back_in_order_and_the_child_is_collected():
    child = forked.Child.start(lambda: ({"batch": n, "rows": list(range(n * 1000))} for n in range(3)))
    pid = child._pid
    assert [child.receive(5)["batch"] for _ in range(3)] == [0, 1, 2]
    assert child.receive(5) is None  # it ended: no more
    assert collected(pid)


def test_a_child_that_hangs_or_garbles_is_stopped(monkeypatch):
    started, hanging = time.monotonic(), forked.Child.start(lambda: (time.sleep(60), [1]))
    pid = hanging._pid
    assert hanging.receive(0.3) is None and time.monotonic() - started < 5 and collected(pid)
    real = forked.pickle.dumps
    monkeypatch.setattr(forked.pickle, "dumps", lambda obj, *a: real(obj, *a)[:-3])  # a truncated pickle
    garbling = forked.Child.start(lambda: ["answer"])
    pid = garbling._pid
    assert garbling.receive(5) is None and collected(pid)


def test_the_child_collects_nothing_the_parent_had(tmp_path):
    """An object in a reference cycle (as a connection held by another thread can be) is not finalized in the
    child, even by a full collection there."""
    marker = tmp_path / "finalized"

    class Held:
        pass

    held = Held()
    held.cycle = held
    weakref.finalize(held, marker.write_text, "closed in the child")
    del held
    gc.disable()  # the parent keeps the cycle uncollected until the child has run
    try:
        child = forked.Child.start(lambda: [gc.collect()])
        child.receive(5)
        child.stop()
        assert not marker.exists()
    finally:
        gc.enable()


def collected(pid: int) -> bool:
    """The child was stopped and waited for (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_a_child_whose_work_raises_says_why(caplog):
    """The traceback comes back and is logged; the caller gets None and does the work itself."""
    def work():
        yield 1
        raise ValueError("row 7 has no name")

    child = forked.Child.start(work)
    assert child.receive(5) == 1 and child.receive(5) is None
    assert "ValueError: row 7 has no name" in caplog.text
