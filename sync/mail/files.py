"""Mail from .eml files instead of a server: classified and stored exactly as capture would."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from models.mail import BatchStore, Item

from .ahead import clean_body
from .capture import my_addresses
from .classify import classify


def store_files(paths: Iterable[Path], skip: Collection[str] = ()) -> int:
    """Store the messages of these files (missing files are passed over), except verdicts in `skip`.

    Returns how many were new. Run it as one transaction (controller.write, db.transaction).
    """
    batch, me, waiting = BatchStore(), my_addresses(), 0
    for path in paths:
        if not path.exists():
            continue
        raw = path.read_bytes()
        verdict = classify(raw, me=me, known=batch)  # the files before it count as stored
        if verdict.verdict in skip:
            continue
        # the bytes only key a message that could not be parsed: no file is kept in memory
        batch.expect(Item(verdict, None, "INBOX", None, raw if verdict.mail is None else None, clean_body(verdict)))
        waiting += 1
    with batch.storing():
        return sum(batch.store_next() is not None for _ in range(waiting))
