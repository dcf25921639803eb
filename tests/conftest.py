"""Shared fixtures: a real SQLite data folder per test, Qt offscreen before Qt loads."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from models import db, stages  # noqa: E402


@pytest.fixture
def store(tmp_path):
    """A fresh database file in a temporary data folder, with the default stages."""
    db.open_database(tmp_path)
    stages.ensure_defaults()
    yield tmp_path
    db.close_database()
