"""Several devices in one test process: each is a data folder of its own, opened in turn."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models import db, stages


@contextmanager
def as_device(folder: Path) -> Iterator[None]:
    """Work as the device whose data folder this is, then give the database back to the one open before."""
    previous = db.database.database
    db.open_database(folder)
    try:
        stages.ensure_defaults()
        yield
    finally:
        db.close_database()
        if previous:
            db.open_database(Path(previous).parent)
