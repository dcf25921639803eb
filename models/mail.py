"""Mail storage rules: what a classified message does to the database. No network.

Every message seen becomes one MailMessage row whose id is derived from its Message-ID,
so storing is idempotent across passes, UIDVALIDITY rescans and accounts that see the
same message. A lead created from a message gets that same id, and activities logged
from mail get ids derived from it too: two machines reading one shared inbox create the
same lead, and when team sync has already brought that lead in, the message is recorded
here but applied only once.

The verdict passed in is duck-typed (a sync.mail.classify.Verdict): the models package
never imports the sync package.
"""
from __future__ import annotations

import functools
import hashlib
import json
import operator
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from . import insights, leads, search, settings, stages, writes
from .clock import now, to_utc
from .contacts import normalise_email, normalise_phone
from .errors import InvalidInput, NotFound, RuleError
from .known import NAMESPACE, DbKnown, domain_of, hit_lead, in_parts, live_lead, marks, message_key, one_value, rows_of
from .tables import Activity, FollowUp, Lead, MailAccount, MailMessage, SenderRule, Stage, database

FREEMAIL = frozenset("""
gmail.com googlemail.com outlook.com hotmail.com hotmail.de hotmail.co.uk hotmail.fr live.com live.de msn.com
yahoo.com yahoo.de yahoo.co.uk yahoo.fr ymail.com aol.com icloud.com me.com mac.com web.de gmx.de gmx.net gmx.at
gmx.ch gmx.com t-online.de freenet.de mail.de posteo.de mailbox.org protonmail.com proton.me pm.me zoho.com
yandex.ru yandex.com mail.ru orange.fr free.fr laposte.net wanadoo.fr libero.it virgilio.it seznam.cz wp.pl
o2.pl interia.pl bluewin.ch comcast.net verizon.net att.net sbcglobal.net qq.com 163.com
""".split())
# Fixed forever too: two devices deciding on one pattern make one row (one id), not two.
RULES = uuid.UUID("0b8e2f47-61d3-4c1a-a5e9-3f7d2c8b6e10")
BODY_LIMIT = 20_000  # characters of cleaned text kept per message


def raw_key(raw: bytes) -> str:
    """A stable stand-in Message-ID for bytes that could not even be parsed."""
    return f"<{hashlib.sha256(raw).hexdigest()}@leadbook.unparsed>"


def _activity_id(kind: str, message_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{message_id.strip().strip('<>').strip()}"))


# --- storing verdicts --------------------------------------------------------------


def _field_dict(fields: Any) -> dict[str, str | None]:
    names = ("name", "email", "phone", "company", "message", "service")
    return {n: getattr(fields, n, None) for n in names} if fields is not None else dict.fromkeys(names)


def _received(mail: Any) -> datetime:
    date = getattr(mail, "date", None)
    if date is None:
        return now()
    return to_utc(date) if date.tzinfo else date


def _body(verdict: Any) -> str:
    text = getattr(verdict.fields, "message", None) if verdict.verdict == "lead" else None
    if not text and verdict.mail is not None:
        text = verdict.mail.text or ""
    return (text or "")[:BODY_LIMIT]


class StoreContext:
    """Per-pass answers that would otherwise cost a query per message (phone region, author, stages), and
    phone numbers normalised once (a batch asks for each inquiry's twice; ~25 µs each)."""

    def __init__(self) -> None:
        self._phones: dict[str | None, str | None] = {}
        self._region: str | None = None
        self._author: str | None = None
        self._first: Stage | None = None
        self._open: list[Stage] | None = None

    @property
    def region(self) -> str:
        if self._region is None:
            self._region = settings.phone_region()
        return self._region

    def phone(self, text: str | None) -> str | None:
        """normalise_phone in the pass's region, or None where it refuses."""
        if text not in self._phones:
            try:
                self._phones[text] = normalise_phone(text, self.region)
            except InvalidInput:
                self._phones[text] = None
        return self._phones[text]

    @property
    def author(self) -> str:
        if self._author is None:
            self._author = settings.user_name()
        return self._author

    @property
    def first(self) -> Stage:
        if self._first is None:
            self._first = stages.first_stage()
        return self._first

    @property
    def open_stages(self) -> list[Stage]:
        if self._open is None:
            self._open = stages.open_stages()
        return self._open


@dataclass(slots=True)
class Stored:
    """A message as stored: the columns of its mail_message row."""

    id: str
    message_id: str
    account_id: str | None
    folder: str
    uid: int | None
    received_at: datetime | None
    from_addr: str
    from_name: str
    subject: str
    verdict: str
    reason: str
    source: str | None
    fields: str
    body: str
    lead_id: str | None
    created_at: datetime
    decided_at: datetime | None = None


class Item(NamedTuple):
    """A classified message to store. `body` is the cleaned text (quotes and signature stripped by
    sync.mail, which models may not import); without it the lead's message or the mail's text is
    kept. `raw` keys a message that could not be parsed at all."""

    verdict: Any
    account_id: str | None
    folder: str
    uid: int | None
    raw: bytes | None = None
    body: str | None = None


_COLUMNS = tuple(Stored.__dataclass_fields__)
_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps with options makes an encoder a call
_INSERT = f"INSERT INTO mail_message ({', '.join(_COLUMNS)}) VALUES ({marks(_COLUMNS)})"


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else str(value)  # the text form peewee stores and reads back


_ROW = operator.attrgetter(*_COLUMNS)
_TIMES = tuple(n for n, f in enumerate(Stored.__dataclass_fields__.values()) if "datetime" in str(f.type))


def _values(row: Stored) -> list[Any]:
    values = list(_ROW(row))
    for n in _TIMES:
        values[n] = _stamp(values[n])
    return values


def _message_id(item: Item) -> str:
    mail = item.verdict.mail
    return mail.message_id if mail is not None else raw_key(item.raw or repr(item.verdict).encode())


def _stored_row(item: Item) -> Stored:
    verdict, mail = item.verdict, item.verdict.mail
    message_id = _message_id(item)
    return Stored(
        id=message_key(message_id), message_id=message_id, account_id=item.account_id, folder=item.folder,
        uid=item.uid, received_at=_received(mail) if mail is not None else None,
        from_addr=(mail.from_addr if mail else "") or "", from_name=(mail.from_name if mail else "") or "",
        subject=(mail.subject if mail else "") or "", verdict=verdict.verdict, reason=verdict.reason or "",
        source=verdict.source, fields=_json(_field_dict(verdict.fields)),
        body=(item.body if item.body is not None else _body(verdict))[:BODY_LIMIT], lead_id=None, created_at=now())


@functools.cache
def _columns(model: type[Any]) -> tuple[str, ...]:
    return tuple(f.column_name for f in model._meta.sorted_fields)


@functools.cache
def _select(model: type[Any]) -> str:
    return f"SELECT {', '.join(_columns(model))} FROM {model._meta.table_name}"


def _model(model: type[Any], found: Sequence[Any]) -> Any:
    """The model object of a row read with _select: what peewee does with the row it reads."""
    row = model(__no_default__=1, **{f.name: f.python_value(v)
                                     for f, v in zip(model._meta.sorted_fields, found, strict=True)})
    row._dirty.clear()
    return row


def _read(model: type[Any], where: str, params: Sequence[Any]) -> Any:
    """model.get_or_none without building a query."""
    found = database.execute_sql(f"{_select(model)} WHERE {where} LIMIT 1", params).fetchone()
    return None if found is None else _model(model, found)


_MERGED = _columns(Lead).index("merged_into")
_STEP_LEAD = _columns(FollowUp).index("lead_id")
# A lead has one pending step (leads.py keeps it so); should team sync leave two, the one due first counts.
_STEP_ORDER = operator.itemgetter(_columns(FollowUp).index("due"), _columns(FollowUp).index("id"))


class _Ahead:
    """What a store transaction's messages will read, read when it begins (BatchStore.storing)."""

    def __init__(self) -> None:
        self.entries: set[str] = set()  # activity ids looked up
        self.logged: set[str] = set()  # of those, the ones stored
        self.leads: dict[str, tuple[Any, ...]] = {}  # lead id -> its row (_select), until the lead is read
        self.steps: dict[str, FollowUp | None] = {}  # lead id -> its pending step (BatchStore.pending_step)


class _Read:
    """The database's answers for a batch, read at once (BatchStore.look_up)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()  # message keys looked up
        self.stored: set[str] = set()  # of those, the ones in mail_message
        self.leads: dict[str, str | None] = {}  # of those, the ones a lead has: its merged_into
        self.addresses: dict[str, tuple[tuple[bool, bool, str], str] | None] = {}  # DbKnown.address_hit
        self.threads: dict[tuple[str, ...], str | None] = {}  # DbKnown.lead_for_thread
        self.emails: dict[str, list[tuple[Any, ...]]] = {}  # normalised email -> open leads (id, email, phone,
        self.phones: dict[str, list[tuple[Any, ...]]] = {}  # created) with it; phone likewise

    def open_twins(self, email: str | None, phone: str | None) -> list[tuple[Any, ...]] | None:
        """The open leads with this email or phone (each once), or None when they were not read."""
        if (email and email not in self.emails) or (phone and phone not in self.phones):
            return None
        rows = {row[0]: row for row in (*self.emails.get(email or "", ()), *self.phones.get(phone or "", ()))}
        return list(rows.values())


class BatchStore:
    """A batch of messages judged with no transaction open, then stored in short transactions.

    Judging comes first: every message is classified with the BatchStore as its Known, and
    expect() then decides what storing it will do, so the batch's later messages find its
    earlier ones as if they were stored already (a reply to an inquiry read a moment ago).
    The decisions are leads.add_lead's rules: a second inquiry from an open lead's email or
    phone goes to that lead, and the contacts it fills in count from then on.

    Storing then follows the decisions in order, store_next() by store_next(), in the
    caller's transaction: a new inquiry's three rows (lead, entry, step) are gathered and
    written together (writes.insert_many) with the message rows, and so are the timeline entries
    of mail in and out (entry()); what changes existing rows (a second inquiry, a reply, our
    answer) runs the usual rules on rows read once per transaction. Store inside storing().
    """

    def __init__(self, known: DbKnown | None = None, context: StoreContext | None = None) -> None:
        self.known = known or DbKnown()
        self.context = context or StoreContext()
        self._plans: list[tuple[Item, Stored | None]] = []  # in order; None: stored before
        self._next = 0
        # message key -> ("new" | "twin" | "existing", the lead's fields, the inquiry's message)
        self._inquiries: dict[str, tuple[str, dict[str, Any], str | None]] = {}
        self._keys: set[str] = set()
        self._threads: dict[str, str] = {}  # message key -> the lead it will belong to
        self._addresses: dict[str, tuple[tuple[bool, bool, str], str]] = {}  # address -> (rank, lead id)
        self._open: dict[tuple[str, str], tuple[str, str]] = {}  # (email|phone, value) -> (created, id), decided
        self._contacts: dict[str, dict[str, Any]] = {}  # lead id -> its email, phone and created as decided
        self._new: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
        self._unwritten: set[str] = set()  # ids of the gathered new leads
        self._messages: list[Stored] = []
        self._entries: list[dict[str, Any]] = []  # timeline entries gathered (entry()), written in _finish()
        self._answered: dict[str, datetime] = {}  # lead id -> the newest "email_out" of them
        self._leads: dict[str, Lead] = {}  # rows read this transaction, shared by every rule that changes them
        self._ahead = _Ahead()  # what the transaction's messages will read, read at once when it begins (storing)
        self._know: Any = None  # hands a lead row read to writes.gathered, while storing
        self._read = _Read()  # the database's answers read for the whole batch (look_up), while judging

    # --- judging (the classify.Known protocol, over the database and the decisions so far)

    def lead_for_thread(self, message_ids: Sequence[str]) -> str | None:
        thread, read = tuple(message_ids), self._read.threads
        hit = read[thread] if thread in read else self.known.lead_for_thread(message_ids)
        if hit is None:
            hit = next((self._threads[k] for k in map(message_key, filter(None, message_ids))
                        if k in self._threads), None)
        return hit

    def lead_for_address(self, address: str) -> str | None:
        address = (address or "").strip().lower()
        read = self._read.addresses
        stored = read[address] if address in read else self.known.address_hit(address)
        decided = self._addresses.get(address)
        if decided and (stored is None or decided[0] < stored[0]):
            return decided[1]  # a lead of this batch, or one that gets this address from it
        return hit_lead(stored)

    def look_up(self, message_ids: Collection[str], addresses: Collection[str], contacts: Collection[Any],
                threads: Collection[Sequence[str]] = ()) -> None:
        """Read at once what judging and expecting the batch would ask message by message (call it before
        judging; the answers hold until the batch is stored): which of these messages are stored, which
        leads have their ids, the leads with these addresses or threads (Message-IDs), the open leads that
        inquiries with these contacts (fields with email and phone) may join. Any other question still
        goes to the database."""
        read, keys = self._read, sorted({message_key(m) for m in message_ids})
        read.keys.update(keys)
        for part in in_parts(keys):
            read.stored.update(k for (k,) in database.execute_sql(
                f"SELECT id FROM mail_message WHERE id IN ({marks(part)})", part))
            read.leads.update(database.execute_sql(f"SELECT id, merged_into FROM lead WHERE id IN ({marks(part)})",
                                                   part).fetchall())
        read.addresses.update(self.known.address_hits(addresses))
        read.threads.update(self.known.thread_hits(threads))
        found = [_usable(_field_dict(c), self.context) for c in contacts]
        for kind, probes in (("email", read.emails), ("phone", read.phones)):
            values = sorted({f[kind] for f in found if f[kind]} - probes.keys())
            for part in in_parts(values):
                for value in part:
                    probes[value] = []
                for row in database.execute_sql(
                        "SELECT id, email, phone, created_at FROM lead WHERE merged_into IS NULL AND status = 'open' "
                        f"AND {kind} IN ({marks(part)})", part):
                    probes[row[1 if kind == "email" else 2]].append(row)

    def rule_for(self, address: str) -> str | None:
        return self.known.rule_for(address)

    def expect(self, item: Item) -> None:
        """Decide what storing this judged message will do (call it in order, right after judging it)."""
        row = _stored_row(item)
        if row.id in self._keys or (row.id in self._read.stored if row.id in self._read.keys
                                    else one_value("SELECT 1 FROM mail_message WHERE id = ?", (row.id,))):
            self._plans.append((item, None))
            return
        verdict = item.verdict
        if verdict.mail is not None:
            if verdict.verdict == "lead":
                row.lead_id = self._decide(verdict, row)  # may raise: then nothing of it is noted
            elif verdict.verdict in ("reply", "outgoing"):
                row.lead_id = verdict.lead_id  # replaced by the live lead when applied
            if row.lead_id:
                self._threads[row.id] = row.lead_id
        self._keys.add(row.id)
        self._plans.append((item, row))

    @property
    def waiting(self) -> int:
        """Messages expected and not stored yet."""
        return len(self._plans) - self._next

    def _decide(self, verdict: Any, row: Stored) -> str:
        """The lead an inquiry goes to: one with the message's id already, an open twin, or a new one."""
        leads = self._read.leads
        existing = (row.id if leads[row.id] is None else live_lead(row.id)) if row.id in leads \
            else None if row.id in self._read.keys else live_lead(row.id)
        if existing:  # team sync brought this lead in from a machine that read the same inbox
            self._inquiries[row.id] = ("existing", {}, None)
            return existing
        fields, message = _plan_fields(verdict, row, self.context)
        twin = self._twin(fields)
        self._inquiries[row.id] = ("new" if twin is None else "twin", fields, message)
        if twin is None:
            created = str(row.received_at or now())
            self._note(row.id, {"email": fields["email"], "phone": fields["phone"], "created": created})
            if verdict.relay:
                self._addresses.setdefault(verdict.relay.strip().lower(), ((False, False, created), row.id))
            return row.id
        known = self._contacts[twin]
        filled = {k: fields[k] for k in ("email", "phone") if fields[k] and not known[k]}
        if filled:
            self._note(twin, known | filled)
        return twin

    def _twin(self, fields: dict[str, Any]) -> str | None:
        """add_lead's twin: of the open leads sharing the email or phone, the oldest."""
        if not fields["email"] and not fields["phone"]:
            return None
        probe = self._read.open_twins(fields["email"], fields["phone"])
        if probe is None:
            probe = database.execute_sql(
                "SELECT id, email, phone, created_at FROM lead WHERE merged_into IS NULL AND status = 'open' "
                "AND (email = ? OR phone = ?)", (fields["email"], fields["phone"])).fetchall()
        hits = []
        for lead_id, email, phone, created in probe:
            self._contacts.setdefault(lead_id, {"email": email, "phone": phone, "created": str(created)})
            hits.append((str(created), lead_id))
        hits += [self._open[(k, fields[k])] for k in ("email", "phone") if (k, fields[k]) in self._open]
        return min(hits)[1] if hits else None

    def _note(self, lead_id: str, contacts: dict[str, Any]) -> None:
        """An open lead's contacts as they will be once the batch is stored."""
        self._contacts[lead_id] = contacts
        rank = (contacts["created"], lead_id)
        for kind in ("email", "phone"):
            value = contacts[kind]
            if value and rank < self._open.get((kind, value), ("\uffff", "")):
                self._open[(kind, value)] = rank
        if contacts["email"]:
            self._addresses.setdefault(contacts["email"], ((False, False, contacts["created"]), lead_id))

    # --- storing (in the caller's transaction) -------------------------------------------------

    @contextmanager
    def storing(self) -> Iterator[None]:
        """Store messages inside (store_next) in the caller's transaction: the rows the waiting messages' rules
        read are read at once first, each lead's changes are written once (writes.gathered), and what is
        gathered is written at the end (_finish)."""
        self._read_ahead()
        try:
            with writes.gathered("lead") as know:
                self._know = know
                yield
        finally:
            self._know, self._ahead = None, _Ahead()
        self._finish()

    def _read_ahead(self) -> None:
        """For the waiting replies, answers and second inquiries: whether their entries are logged, and their
        leads' rows and pending steps, in a few queries instead of four per message."""
        rows = [row for _, row in self._plans[self._next:] if row is not None and row.lead_id]
        ahead, ids = self._ahead, sorted({row.lead_id for row in rows} - self._unwritten - self._leads.keys())
        ahead.entries = {_activity_id("email_in" if row.verdict == "reply" else "email_out", row.message_id)
                         for row in rows if row.verdict in ("reply", "outgoing")}
        ahead.logged = {i for (i,) in rows_of(sorted(ahead.entries), "SELECT id FROM activity WHERE id IN")}
        ahead.leads = {found[0]: found for found in rows_of(ids, f"{_select(Lead)} WHERE id IN")}
        ahead.steps = dict.fromkeys(ahead.leads)
        steps = rows_of(ids, f"{_select(FollowUp)} WHERE done_at IS NULL AND lead_id IN")
        for found in sorted(steps, key=_STEP_ORDER, reverse=True):  # the first in _STEP_ORDER stays
            ahead.steps[found[_STEP_LEAD]] = _model(FollowUp, found)

    def logged(self, activity_id: str) -> bool:
        """Is this entry on a timeline already (a message stored by another device or pass)?"""
        ahead = self._ahead
        if activity_id in ahead.entries:
            return activity_id in ahead.logged
        return one_value("SELECT 1 FROM activity WHERE id = ?", (activity_id,)) is not None

    def pending_step(self, lead: Lead) -> FollowUp | None:
        """The lead's pending step as this transaction has it: read ahead or once, then as set by next_step()
        (only our answers change steps while a batch is stored)."""
        steps = self._ahead.steps
        if lead.id not in steps:
            steps[lead.id] = _read(FollowUp, "lead_id = ? AND done_at IS NULL ORDER BY due, id", (lead.id,))
        return steps[lead.id]

    def next_step(self, lead: Lead, step: FollowUp | None) -> None:
        """The rules replaced the lead's pending step."""
        self._ahead.steps[lead.id] = step

    def store_next(self) -> Stored | None:
        """Store the next expected message as decided; None when it was stored before."""
        item, row = self._plans[self._next]
        self._next += 1
        if row is None:
            return None
        verdict = item.verdict
        if verdict.mail is not None and verdict.verdict == "lead":
            self._inquiry(verdict, row)
        elif verdict.mail is not None and verdict.verdict in ("reply", "outgoing"):
            lead = self.lead(row.lead_id)
            apply = _apply_reply if verdict.verdict == "reply" else _apply_outgoing
            row.lead_id = apply(lead, row, self) if lead is not None else None
        self._messages.append(row)
        return row

    def lead(self, lead_id: str | None) -> Lead | None:
        """The live lead (merges followed), one instance per transaction so every rule sees the others' changes."""
        if lead_id is None or lead_id in self._leads:
            return self._leads.get(lead_id) if lead_id else None
        if lead_id in self._unwritten:  # an inquiry of this batch: the rules read its rows from the database
            self._write_leads()
        found = self._ahead.leads.pop(lead_id, None)
        live = lead_id if found is not None and found[_MERGED] is None else live_lead(lead_id)
        if live is None:
            return None
        if live not in self._leads:
            if found is None or live != lead_id:
                found = database.execute_sql(f"{_select(Lead)} WHERE id = ?", (live,)).fetchone()
                if found is None:
                    raise NotFound(f"There is no lead {live}.")
            self._leads[live] = _model(Lead, found)
            if self._know is not None:  # the rules' changes compare with this row: no second read
                self._know(live, dict(zip(_columns(Lead), found, strict=True)))
        self._leads[lead_id] = self._leads[live]
        return self._leads[live]

    def entry(self, lead: Lead, kind: str, summary: str, *, body: str | None = None, at: datetime | None = None,
              author: str | None = None, message_id: str | None = None, activity_id: str | None = None) -> None:
        """leads.log (the rules' `logger`), gathered: the row is written with the batch's others in _finish(), in one
        statement, in order (the Insights triggers on stage entries see what they would have); the lead's last
        activity moves at once, as with log."""
        at = at or now()
        values = dict(lead=lead.id, kind=kind, at=at, summary=summary, body=body,
                      author=settings.user_name() if author is None else author, message_id=message_id)
        if activity_id:
            values["id"] = activity_id
        if kind == "email_out":
            self._answered[lead.id] = max(at, self._answered.get(lead.id, at))
        self._entries.append(values)
        if at > lead.last_activity_at:
            writes.update(lead, last_activity_at=at)

    def last_answer(self, lead_id: str) -> datetime | None:
        """When we last wrote to the lead (an "email_out" entry stored or gathered), or None."""
        stored = one_value("SELECT max(at) FROM activity WHERE lead_id = ? AND kind = 'email_out'", (lead_id,))
        stored = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
        gathered = self._answered.get(lead_id)
        return gathered if stored is None or (gathered is not None and gathered > stored) else stored

    def _finish(self) -> None:
        """Write what is gathered and forget the rows read: call it before the transaction commits."""
        self._write_leads()
        if self._entries:  # after the leads: an entry may be a new lead's
            writes.insert_many(Activity, self._entries)
            self._entries, self._answered = [], {}
        if self._messages:
            database.cursor().executemany(_INSERT, map(_values, self._messages))
            self._messages = []
        self._leads.clear()

    def _write_leads(self) -> None:
        if self._new:
            new_leads, entries, steps = zip(*self._new, strict=True)
            self._new, self._unwritten = [], set()
            # the derived rows of the batch's new leads made as an import makes them (the guards need a transaction)
            with database.atomic(), insights.rows_made_in_bulk():
                with search.indexed_in_bulk():
                    writes.insert_many(Lead, list(new_leads))
                for model, rows in ((Activity, entries), (FollowUp, steps)):
                    writes.insert_many(model, list(rows))

    def _inquiry(self, verdict: Any, row: Stored) -> None:
        kind, fields, message = self._inquiries.pop(row.id)
        received = row.received_at or now()
        if kind == "new":
            self._new.append(leads.new_lead_rows(
                fields, received=received, first=self.context.first, author=self.context.author, message=message,
                relay=verdict.relay, lead_id=row.id, message_id=row.message_id))
            self._unwritten.add(row.id)
            return
        twin = self.lead(row.lead_id)
        if twin is None:
            raise NotFound(f"The lead {row.lead_id} is gone.")
        row.lead_id = twin.id
        if kind == "existing":
            return
        fill = {k: v for k, v in fields.items() if v and not getattr(twin, k)}
        if fill:
            writes.update(twin, **fill)
        self.entry(twin, "email_in" if message else "note", "Another inquiry from the same contact", body=message,
                   at=received, author=self.context.author, message_id=row.message_id)


def _plan_fields(verdict: Any, row: Stored, context: StoreContext) -> tuple[dict[str, Any], str | None]:
    """The fields leads.add_lead would store (normalised with the pass's region), and the inquiry's message."""
    found = _usable(_field_dict(verdict.fields), context)
    rest = leads.normalised(dict(name=_lead_name(found, row, verdict.source), company=found.get("company"),
                                 source=verdict.source, service=found.get("service")))
    fields = dict(name=rest["name"], email=found["email"], phone=found["phone"], company=rest["company"],
                  source=rest["source"], service=rest["service"])  # add_lead's order: its outbox records'
    return fields, found.get("message") or row.body or row.subject or None


def store_verdict(verdict: Any, account_id: str | None, folder: str, uid: int | None, *,
                  raw: bytes | None = None, body: str | None = None,
                  context: StoreContext | None = None) -> Stored | None:
    """Record one classified message and apply it (lead, reply, outgoing), in one transaction (a savepoint
    inside the caller's). Returns None when the message was already stored (a second pass, a rescan,
    another account seeing it). Capture stores whole batches with BatchStore."""
    batch = BatchStore(context=context)
    with database.atomic():
        batch.expect(Item(verdict, account_id, folder, uid, raw, body))
        with batch.storing():
            row = batch.store_next()
    return row


def _usable(fields: dict[str, str | None], context: StoreContext) -> dict[str, str | None]:
    """Email and phone normalised, or dropped where normalising refuses: a lead with less beats no lead."""
    out = dict(fields)
    try:
        out["email"] = normalise_email(out.get("email"))
    except InvalidInput:
        out["email"] = None
    out["phone"] = context.phone(out.get("phone"))
    return out


def _lead_name(fields: dict[str, str | None], row: Any, source: str | None) -> str:
    return (fields.get("name") or fields.get("email") or fields.get("phone") or fields.get("company")
            or (row.from_name if row.verdict != "lead" or not source else "")
            or (f"{source} inquiry" if source else "") or row.from_addr or "Unknown sender")


def _create_lead(row: MailMessage, fields: dict[str, str | None], source: str | None,
                 relay: str | None, context: StoreContext) -> str:
    """A lead with the message's id (its inquiry entry tied to the message), or the open lead it duplicates."""
    existing = live_lead(row.id)
    if existing:  # team sync brought this lead in from a machine that read the same inbox
        return existing
    fields = _usable(fields, context)
    lead, _created = leads.add_lead(
        _lead_name(fields, row, source), email=fields.get("email"), phone=fields.get("phone"),
        company=fields.get("company"), source=source, service=fields.get("service"),
        message=fields.get("message") or row.body or row.subject or None, received_at=row.received_at or now(),
        lead_id=row.id, relay=relay, author=context.author, message_id=row.message_id)
    return lead.id


def _apply_reply(lead: Lead, row: Stored, store: BatchStore) -> str:
    """The lead wrote back: on the timeline, and their turn becomes ours."""
    activity_id = _activity_id("email_in", row.message_id)
    if store.logged(activity_id):
        return lead.id
    at = row.received_at or now()
    store.entry(lead, "email_in", f"Reply: {row.subject}" if row.subject else "Reply received", body=row.body,
                at=at, author=row.from_name or row.from_addr, message_id=row.message_id, activity_id=activity_id)
    if lead.status == "open" and (lead.awaiting_since is None or at < lead.awaiting_since):
        last_out = store.last_answer(lead.id)  # read only where it decides: a lead with many entries makes it slow
        if last_out is None or at > last_out:
            writes.update(lead, awaiting_since=at)
    return lead.id


def _apply_outgoing(lead: Lead, row: Stored, store: BatchStore) -> str:
    """We answered: logged, first response time, New → Contacted, "respond" done, next step set."""
    activity_id = _activity_id("email_out", row.message_id)
    if store.logged(activity_id):
        return lead.id
    at, context = row.received_at or now(), store.context
    store.entry(lead, "email_out", f"Replied: {row.subject}" if row.subject else "Replied by email",
                body=row.body, at=at, author=context.author, message_id=row.message_id, activity_id=activity_id)
    awaiting = lead.awaiting_since
    leads.record_response(lead, at, author=context.author, open_stages=context.open_stages, logger=store.entry)
    if awaiting is not None and awaiting > at:  # their newer reply (read earlier this pass) still waits
        writes.update(lead, awaiting_since=awaiting)
    pending = store.pending_step(lead)
    if lead.status == "open" and pending is not None and pending.title == leads.RESPOND:
        # the next step counts from our reply, by the stage's interval (Contacted: 2 days)
        due = at + timedelta(days=lead.stage.followup_days)
        store.next_step(lead, leads.complete_followup(lead, outcome="Replied by email", author=context.author,
                                                      next_due=due, open_stages=context.open_stages, pending=pending,
                                                      logger=store.entry))
    return lead.id


# --- review decisions --------------------------------------------------------------


@dataclass(frozen=True)
class MailSummary:
    """A stored message as the review and ignored lists show it."""

    id: str
    received_at: datetime | None
    from_name: str
    from_addr: str
    subject: str
    verdict: str
    reason: str
    source: str | None
    fields: dict[str, str | None]
    excerpt: str
    lead_id: str | None


def _summary(row: MailMessage) -> MailSummary:
    try:
        fields = json.loads(row.fields or "{}")
    except ValueError:
        fields = {}
    excerpt = " ".join((row.body or "").split())[:200]
    return MailSummary(row.id, row.received_at, row.from_name, row.from_addr, row.subject, row.verdict,
                       row.reason, row.source, fields, excerpt, row.lead_id)


def find_message(ref: str) -> MailMessage:
    """A stored message by id or unique id prefix (6+ characters)."""
    ref = ref.strip().lower()
    row = MailMessage.get_or_none(MailMessage.id == ref)
    if row is None and len(ref) >= 6:
        matches = list(MailMessage.select().where(MailMessage.id.startswith(ref)).limit(2))
        if len(matches) > 1:
            raise NotFound(f"'{ref}' matches several messages: give more of the id.")
        row = matches[0] if matches else None
    if row is None:
        raise NotFound(f"There is no stored message '{ref}'.")
    return row


def last_subject(lead_id: str) -> str | None:
    """The subject of the lead's newest real correspondence (not a form service's notification):
    what a reply should be about."""
    return one_value("SELECT subject FROM mail_message WHERE lead_id = ? AND subject != '' "
                "AND (verdict IN ('reply', 'outgoing') OR source = 'email') "
                "ORDER BY received_at DESC LIMIT 1", (lead_id,))


def review_count() -> int:
    """Messages waiting for the owner's decision: the navigation badge."""
    return MailMessage.select().where((MailMessage.verdict == "review") & MailMessage.decided_at.is_null()).count()


def review_queue(limit: int = 500) -> list[MailSummary]:
    rows = (MailMessage.select().where((MailMessage.verdict == "review") & MailMessage.decided_at.is_null())
            .order_by(MailMessage.received_at.desc()).limit(limit))
    return [_summary(r) for r in rows]


def ignored_mail(limit: int = 100) -> list[MailSummary]:
    rows = (MailMessage.select().where(MailMessage.verdict == "ignored")
            .order_by(MailMessage.received_at.desc()).limit(limit))
    return [_summary(r) for r in rows]


class ReviewLists(NamedTuple):
    queue: list[MailSummary]  # waiting for the owner's decision
    ignored: list[MailSummary]
    has_accounts: bool  # without an inbox an empty queue means "connect one", not "all decided"


def load_review(ignored_limit: int = 100) -> ReviewLists:
    """What the Review view shows."""
    return ReviewLists(review_queue(), ignored_mail(ignored_limit), MailAccount.select().exists())


def message_text(message_row_id: str) -> str:
    """A stored message's cleaned text ("" when it is gone)."""
    row = MailMessage.get_or_none(MailMessage.id == message_row_id)
    return row.body if row is not None else ""


def inquiry_notice(lead_ids: Sequence[str], most: int = 20) -> list[str] | None:
    """The names a "new inquiry" notification shows, or None when notifications are off."""
    if not settings.notify_new():
        return None
    wanted = list(lead_ids)[:most]
    return [name for (name,) in Lead.select(Lead.name).where(Lead.id.in_(wanted)).tuples()]


class AcceptedLead(NamedTuple):
    id: str
    name: str


def _set_rule(pattern: str, action: str) -> None:
    """A decision on a pattern: every row it has takes the action; a first one gets the id every device
    would give it, so a teammate's decision on the same pattern is the same row (last writer wins)."""
    existing = list(SenderRule.select().where(SenderRule.pattern == pattern))
    for rule in existing:
        writes.update(rule, action=action)
    if not existing:
        writes.insert(SenderRule, id=str(uuid.uuid5(RULES, pattern)), pattern=pattern, action=action,
                      created_at=now())


def _fields(row: MailMessage) -> dict[str, Any]:
    try:
        return json.loads(row.fields or "{}")
    except ValueError:
        return {}


def _is_form(row: MailMessage) -> bool:
    """A form or marketplace notification: its sender is the site or the service, not the person."""
    return row.source not in (None, "email")


def _rule_address(row: MailMessage, fields: dict[str, Any]) -> str:
    """Whom a decision on this message is about: the visitor of a form (a rule on the site's or the
    service's sender would decide for every submission), else the sender. "" when there is nobody."""
    address = fields.get("email") if _is_form(row) else row.from_addr
    return (address or "").lower()


def accept_review(message_row_id: str) -> AcceptedLead:
    """The owner says "this is a lead": create it, and trust this sender from now on.

    Works for messages waiting in review and for ignored ones the owner rescues.
    """
    row = find_message(message_row_id)
    if row.verdict not in ("review", "ignored"):
        raise RuleError(f"Message {row.id[:8]} cannot become a lead: its verdict is {row.verdict}.")
    fields = _fields(row)
    sender = _rule_address(row, fields)
    if not fields.get("email") and "@" in row.from_addr and not _is_form(row):
        fields["email"] = row.from_addr
    if not fields.get("name") and row.from_name and not _is_form(row):
        fields["name"] = row.from_name
    with database.atomic("IMMEDIATE"):
        lead_id = _create_lead(row, fields, row.source, None, StoreContext())
        if sender:
            _set_rule(sender, "lead")
        row.verdict, row.lead_id, row.decided_at = "lead", lead_id, now()
        row.reason = f"accepted by you (was: {row.reason})"
        row.save()
    lead = Lead.get_by_id(lead_id)
    return AcceptedLead(lead.id, lead.name)


def reject_review(message_row_id: str, scope: str = "domain") -> str:
    """The owner says "not a lead": ignore this sender (or domain) from now on. Returns the rule's pattern.

    Freemail domains are shared by millions, so their rule is always per address. Other
    messages still waiting for review from the same sender follow the new rule at once.
    """
    if scope not in ("domain", "address"):
        raise InvalidInput(f"'{scope}' is not a scope: use domain or address.")
    row = find_message(message_row_id)
    if row.verdict != "review" or row.decided_at is not None:
        raise RuleError(f"Message {row.id[:8]} is not waiting for review (its verdict is {row.verdict}).")
    address = _rule_address(row, _fields(row))
    domain = domain_of(address)
    by_domain = scope == "domain" and domain and domain not in FREEMAIL
    pattern = "@" + domain if by_domain else address
    with database.atomic("IMMEDIATE"):
        if pattern:
            _set_rule(pattern, "ignored")
        row.verdict, row.decided_at, row.reason = "ignored", now(), f"rejected by you (was: {row.reason})"
        row.save()
        if pattern:
            match = (MailMessage.from_addr.endswith(pattern) if by_domain
                     else MailMessage.from_addr == address)
            (MailMessage.update(verdict="ignored", decided_at=now(), reason=f"sender rule {pattern}: not a lead")
             .where((MailMessage.verdict == "review") & MailMessage.decided_at.is_null() & match).execute())
    return pattern
