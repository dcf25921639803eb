"""The peewee models. Synced rows have UUID text keys and an updated_at stamp.

Rows are written only through models.writes (see there); these classes only
describe the schema. The schema itself is created by models.migrations.
"""
from __future__ import annotations

import uuid

import peewee as pw

database = pw.SqliteDatabase(None)  # initialised by models.db.open_database


def new_id() -> str:
    return str(uuid.uuid4())


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Synced(BaseModel):
    """A row that team sync will replicate: UUID key, last-change stamp."""

    id = pw.TextField(primary_key=True, default=new_id)
    updated_at = pw.DateTimeField(null=True)


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


SYNCED = (Member, Stage, LostReason, Lead, Activity, FollowUp)


class MailAccount(BaseModel):
    """An IMAP inbox to capture from. The password is in the OS keyring, never here."""

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


class SenderRule(BaseModel):
    """A review decision turned rule: an address or '@domain' -> lead | ignored."""

    pattern = pw.TextField(primary_key=True)
    action = pw.TextField()
    created_at = pw.DateTimeField()
