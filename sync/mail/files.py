"""Mail from .eml files instead of a server: classified and stored exactly as capture would."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from models.mail import DbKnown, store_verdict

from .capture import _clean_body, my_addresses
from .classify import classify


def store_files(paths: Iterable[Path], skip: Collection[str] = ()) -> int:
    """Store the messages of these files (missing files are passed over), except verdicts in `skip`.

    Returns how many were new. Run it as one transaction (controller.write, db.transaction).
    """
    known, me, stored = DbKnown(), my_addresses(), 0
    for path in paths:
        if not path.exists():
            continue
        raw = path.read_bytes()
        verdict = classify(raw, me=me, known=known)
        if verdict.verdict in skip:
            continue
        if store_verdict(verdict, None, "INBOX", None, raw=raw, body=_clean_body(verdict)) is not None:
            stored += 1
    return stored
