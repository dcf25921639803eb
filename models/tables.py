"""The peewee models. Synced rows have UUID text keys and an updated_at stamp.

Synced rows are written only through models.writes, which records every change in the
outbox in the same transaction. Two guards make that the only way: the model methods
that write raise, and the connection's authorizer refuses any other SQL that writes a
synced table. These classes only describe the schema; models.migrations creates it.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import peewee as pw

SYNCED_TABLES = frozenset({"member", "stage", "lost_reason", "lead", "activity", "follow_up", "sender_rule"})
_WRITES = (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE)
_write_path = threading.local()  # set while models.writes runs its own statements


class WritePathError(RuntimeError):
    """A synced row was written around models.writes: team sync would never hear of it."""


@contextmanager
def write_path() -> Iterator[None]:
    """The one door through the authorizer (used by models.writes only)."""
    _write_path.open = True
    try:
        yield
    finally:
        _write_path.open = False


def _authorize(action: int, table: str | None, *_: Any) -> int:
    if action in _WRITES and table in SYNCED_TABLES and not getattr(_write_path, "open", False):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


class Store(pw.SqliteDatabase):
    """SQLite with the write-path guard on every connection (each thread has its own)."""

    on_rollback: list[Callable[[], None]] = []  # peewee has after_commit; this is its twin

    def _add_conn_hooks(self, conn: sqlite3.Connection) -> None:
        super()._add_conn_hooks(conn)
        conn.set_authorizer(_authorize)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            for hook in self.on_rollback:
                hook()


database = Store(None)  # initialised by models.db.open_database


def new_id() -> str:
    return str(uuid.uuid4())


def uuid5_text(namespace: bytes, name: bytes) -> str:
    """str(uuid.uuid5(uuid.UUID(bytes=namespace), name)) without uuid.UUID objects: a fifth of the time (an import
    of 50,000 rows makes 150,000 such ids)."""
    digest = bytearray(hashlib.sha1(namespace + name).digest())
    digest[6], digest[8] = digest[6] & 0x0F | 0x50, digest[8] & 0x3F | 0x80  # version 5, RFC 4122 variant
    x = digest[:16].hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


def _refuse(model: Any, *_: Any, **__: Any) -> NoReturn:
    name = model.__name__ if isinstance(model, type) else type(model).__name__
    raise WritePathError(f"{name} rows are written only through models.writes (the change would go unrecorded).")


class Synced(BaseModel):
    """A row that team sync replicates: UUID key, last-change stamp; written only through models.writes."""

    id = pw.TextField(primary_key=True, default=new_id)
    updated_at = pw.DateTimeField(null=True)

    # Every peewee door that writes is shut (reads stay open).
    create = insert = insert_many = insert_from = replace = replace_many = classmethod(_refuse)
    update = delete = bulk_create = bulk_update = get_or_create = classmethod(_refuse)
    save = delete_instance = _refuse


class Member(Synced):
    name = pw.TextField()
    email = pw.TextField(null=True)


class Stage(Synced):
    name = pw.TextField(unique=True)
    position = pw.IntegerField()
    definition = pw.TextField(default="")
    kind = pw.TextField(default="open")  # open | won | lost
    followup_days = pw.IntegerField(default=2)  # default next-step interval
    stale_days = pw.IntegerField(default=14)  # no activity for longer: stale
    requires = pw.TextField(default="")  # "" | "value" | "reason"


class LostReason(Synced):
    text = pw.TextField(unique=True)
    position = pw.IntegerField(default=0)


class Lead(Synced):
    name = pw.TextField()
    email = pw.TextField(null=True)  # lower-cased
    phone = pw.TextField(null=True)  # E.164
    company = pw.TextField(null=True)
    source = pw.TextField(null=True)
    service = pw.TextField(null=True)
    message = pw.TextField(null=True)  # the first inquiry's text
    stage = pw.ForeignKeyField(Stage, column_name="stage_id")
    status = pw.TextField(default="open")  # open | won | lost
    owner = pw.ForeignKeyField(Member, null=True, column_name="owner_id")
    value = pw.FloatField(null=True)
    lost_reason = pw.TextField(null=True)
    relay = pw.TextField(null=True)  # marketplace relay address: the reply path
    created_at = pw.DateTimeField()
    stage_changed_at = pw.DateTimeField()
    first_response_at = pw.DateTimeField(null=True)
    last_activity_at = pw.DateTimeField()
    awaiting_since = pw.DateTimeField(null=True)  # the lead wrote back; our turn
    closed_at = pw.DateTimeField(null=True)
    merged_into = pw.TextField(null=True)  # id of the lead this one was merged into
    # when an import brought it in: its first_response_at is that moment, not a measured answer
    imported_at = pw.DateTimeField(null=True)


class Activity(Synced):
    lead = pw.ForeignKeyField(Lead, column_name="lead_id", backref="activities")
    kind = pw.TextField()  # created email_in email_out call note meeting stage edit followup merge
    at = pw.DateTimeField()
    author = pw.TextField(default="")
    summary = pw.TextField(default="")
    body = pw.TextField(null=True)
    message_id = pw.TextField(null=True)  # for mail: thread matching


class FollowUp(Synced):
    lead = pw.ForeignKeyField(Lead, column_name="lead_id", backref="followups")
    title = pw.TextField()
    due = pw.DateTimeField()
    done_at = pw.DateTimeField(null=True)
    outcome = pw.TextField(null=True)
    created_at = pw.DateTimeField()


class Setting(BaseModel):
    """Per-machine settings (not synced): name, phone region, window state."""

    key = pw.TextField(primary_key=True)
    value = pw.TextField()


class SenderRule(Synced):
    """A review decision turned rule: an address or '@domain' -> lead | ignored. Synced, so a pattern
    may have several rows (devices that decided before syncing): the newest updated_at wins."""

    pattern = pw.TextField(index=True)
    action = pw.TextField()
    created_at = pw.DateTimeField()


SYNCED = (Member, Stage, LostReason, Lead, Activity, FollowUp, SenderRule)


class MailAccount(BaseModel):
    """An IMAP inbox to capture from. Its password or OAuth refresh token is in the OS keyring, never here."""

    id = pw.TextField(primary_key=True, default=new_id)
    name = pw.TextField(unique=True)
    host = pw.TextField()
    port = pw.IntegerField()
    security = pw.TextField(default="ssl")  # ssl | starttls | none (loopback only)
    username = pw.TextField()
    folders = pw.TextField(default='["INBOX"]')  # JSON list of folders to read
    sent_folder = pw.TextField(null=True)  # found automatically when empty
    since = pw.DateTimeField()  # mail older than this is never read
    created_at = pw.DateTimeField()
    last_check_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(null=True)
    oauth = pw.TextField(null=True)  # google | microsoft | an issuer URL; NULL: signs in with a password
    oauth_client_id = pw.TextField(null=True)


class MailCursor(BaseModel):
    """How far a folder has been read: saved only after its leads are committed."""

    account = pw.ForeignKeyField(MailAccount, column_name="account_id", on_delete="CASCADE")
    folder = pw.TextField()
    uidvalidity = pw.IntegerField()
    last_uid = pw.IntegerField(default=0)

    class Meta:
        primary_key = pw.CompositeKey("account", "folder")


class MailMessage(BaseModel):
    """Every message seen, once, with its verdict and why: makes fetching idempotent."""

    id = pw.TextField(primary_key=True)  # uuid5 of the Message-ID (or its synthetic key)
    message_id = pw.TextField()
    account = pw.ForeignKeyField(MailAccount, null=True, column_name="account_id", on_delete="SET NULL")
    folder = pw.TextField(default="")
    uid = pw.IntegerField(null=True)
    received_at = pw.DateTimeField(null=True)
    from_addr = pw.TextField(default="")
    from_name = pw.TextField(default="")
    subject = pw.TextField(default="")
    verdict = pw.TextField()  # lead reply outgoing review ignored error
    reason = pw.TextField(default="")
    source = pw.TextField(null=True)
    fields = pw.TextField(default="{}")  # JSON of the extracted fields
    body = pw.TextField(default="")  # cleaned text (quotes and signature stripped)
    lead_id = pw.TextField(null=True)
    created_at = pw.DateTimeField()
    decided_at = pw.DateTimeField(null=True)  # when the owner accepted/rejected a review

