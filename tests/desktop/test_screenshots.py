"""Every view renders to a real, non-blank PNG (the README screenshots)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop.screenshots import flat, render_all
from models import demo
from models.tables import MailMessage

pytestmark = pytest.mark.gui
EXPECTED = ("today", "board", "leads", "review", "insights", "import", "lead", "settings", "first_run",
            "quick_switcher", "today-dark")


def test_render_all_writes_every_view(store, qapp, tmp_path):
    """render_all saves a PNG per view (demo data and review mail in), each non-trivial and not one flat colour."""
    demo.generate(300, seed=7)
    out = tmp_path / "shots"
    written = render_all(store, out)
    assert sorted(p.stem for p in written) == sorted(EXPECTED)
    for name in EXPECTED:
        path = out / f"{name}.png"
        assert path.exists(), name
        assert path.stat().st_size > 10_000, (name, path.stat().st_size)
        assert not flat(path), name
    assert MailMessage.select().where(MailMessage.verdict == "review").count() >= 2
    assert MailMessage.select().where(MailMessage.verdict == "ignored").count() >= 5


def test_the_command_never_touches_the_data_folder(tmp_path):
    """`leadbook screenshots` renders from a temporary demo folder: the user's database is not even created."""
    data, out = tmp_path / "data", tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LEADBOOK_DATA_DIR=str(data))
    proc = subprocess.run([sys.executable, "-m", "desktop", "screenshots", str(out)], capture_output=True,
                          text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(EXPECTED)
    assert not data.exists()
