"""The window's start, as `leadbook` runs it: Today painted from the child's read before the ORM loads,
the store opened right after."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
PROBE = r"""
import sys
from desktop import app

def report():
    print("ORM loaded before the paint:", "peewee" in sys.modules, flush=True)
    app.QApplication.quit()

app.report_painted = report
from desktop.cli import main

code = main(["--data-dir", sys.argv[1]])
from models import db, leads
from models.tables import Lead

print("store open after:", not db.database.is_closed(), flush=True)
db.transaction(leads.add_lead, "Written after the start", email="after@example.com")
print("leads:", Lead.select().count(), flush=True)
sys.exit(code)
"""


@pytest.mark.parametrize(("setup", "leads"), [(("demo", "--leads", "20", "--seed", "1"), 20),
                                              (("config", "user_name", "Dana"), 0)], ids=["leads", "no leads yet"])
def test_the_window_paints_today_before_the_orm_loads_and_opens_the_store_after(tmp_path, setup, leads):
    """A folder with leads, or set up without any (Today says how to get some): the first paint needs no
    peewee (the child read Today), and once it is on screen the store is open for writes."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LEADBOOK_EXIT_AFTER_PAINT="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-m", "desktop", "--data-dir", str(tmp_path), *setup], env=env, cwd=ROOT,
                   check=True, capture_output=True, timeout=120)
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["ORM loaded before the paint: False", "store open after: True",
                                        f"leads: {leads + 1}"]


def test_housekeeping_runs_again_while_the_window_stays_open(window, monkeypatch, qtbot):
    """A window left open for days still makes its daily backup and counts each day: housekeeping repeats."""
    from desktop import app

    kept = []
    monkeypatch.setattr(app, "HOUSEKEEPING_EVERY_MS", 50)
    monkeypatch.setattr(app, "housekeeping", kept.append)
    monkeypatch.setattr(app, "start_mail_watch", lambda controller, window: None)
    monkeypatch.setattr(app, "start_team_watch", lambda controller, window: None)
    app.start_background(window.controller, window)
    qtbot.waitUntil(lambda: len(kept) >= 3, timeout=2000)
    assert set(kept) == {window.controller.data_dir}
    window.housekeeping.stop()


def test_a_window_that_opens_hidden_still_opens_its_store(demo, qtbot, monkeypatch):
    """Started hidden (another desktop, minimised), Today never paints: the store opens anyway, once."""
    from desktop import app
    from models import members

    started = []
    monkeypatch.setattr(app, "OPEN_AT_THE_LATEST_MS", 100)
    monkeypatch.setattr(app, "start_background", lambda controller, window: started.append(window))
    controller, window = app.build(demo, members.my_today(contacts=True))
    qtbot.add_widget(window)
    assert not controller.store_open
    app.open_store_when_shown(controller, window)
    qtbot.waitUntil(lambda: controller.store_open, timeout=2000)
    window.show()
    qtbot.wait(200)  # its first paint asks again
    assert started == [window]
