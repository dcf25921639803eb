"""BatchStore, the way capture stores a batch, leaves exactly the rows and records that storing
the same messages one at a time leaves."""
from __future__ import annotations

import json
import random
from pathlib import Path

import mail_samples as samples
from test_outbox_replay import replay, snapshot

from models import db, settings, stages
from models.mail import BatchStore, DbKnown, Item, store_verdict
from models.tables import database
from sync.mail.classify import classify

SENT = "Sent"


def mixed(seed: int = 3, count: int = 60) -> list[tuple[str, bytes]]:
    """(folder, raw): inquiries (some from one contact twice), replies in their threads, our answers in Sent."""
    rng = random.Random(seed)
    inbox, sent, inquiries = [], [], []
    for n in range(count):
        roll = rng.random()
        if roll < 0.5 or not inquiries:
            who = rng.randrange(max(1, n // 2) + 1)  # repeats: a second inquiry from the same person
            raw = rng.choice([samples.wpforms, samples.contact_form_7, samples.formspree])(
                name=f"Person {who}", email=f"person{who}@example.com")
            inbox.append(raw)
            inquiries.append((f"person{who}@example.com", samples.mid_of(raw)))
        elif roll < 0.7:
            inbox.append(samples.reply_from(*rng.choice(inquiries)))
        elif roll < 0.9:
            email, thread = rng.choice(inquiries)
            sent.append(samples.owner_reply(email, thread))
        else:
            inbox.append(rng.choice([samples.newsletter, samples.personal, samples.direct_en])())
    return [("INBOX", r) for r in inbox] + [(SENT, r) for r in sent]


def _open(folder: Path) -> None:
    db.open_database(folder)
    stages.ensure_defaults()
    settings.put("phone_region", "US")


def one_at_a_time(messages: list[tuple[str, bytes]]) -> None:
    known = DbKnown()
    for uid, (folder, raw) in enumerate(messages):
        verdict = classify(raw, me=[samples.OWNER], known=known, sent_folder=folder == SENT)
        store_verdict(verdict, None, folder, uid, raw=raw)


def as_capture_does(messages: list[tuple[str, bytes]], look_up: bool = False) -> None:
    """A folder at a time, every message judged (and expected) first, then all stored in one transaction.
    With look_up, the batch first reads at once what it will ask (BatchStore.look_up), as capture does
    with the judgements of its second process."""
    for folder in ("INBOX", SENT):
        batch = BatchStore(DbKnown())
        mine = [(uid, raw) for uid, (where, raw) in enumerate(messages) if where == folder]
        if look_up:
            first = [classify(raw, me=[samples.OWNER], sent_folder=folder == SENT) for _, raw in mine]
            batch.look_up([v.mail.message_id for v in first], [v.fields.email for v in first if v.fields.email],
                          [v.fields for v in first if v.verdict == "lead"],
                          [((v.mail.in_reply_to,) if v.mail.in_reply_to else ()) + v.mail.references for v in first])
        for uid, raw in mine:
            verdict = classify(raw, me=[samples.OWNER], known=batch, sent_folder=folder == SENT)
            batch.expect(Item(verdict, None, folder, uid, raw))
        with database.atomic("IMMEDIATE"), batch.storing():
            while batch.waiting:
                batch.store_next()


def stable() -> dict[str, list[tuple]]:
    """What must match: every row without the stamps of the moment it was written (and of ticking off a step:
    last activity) and random ids."""
    def rows(sql: str) -> list[tuple]:
        return sorted(database.execute_sql(sql).fetchall(), key=repr)

    return {
        "lead": rows("SELECT lead.id, lead.name, email, phone, company, source, service, message, stage.name, "
                     "status, relay, created_at, first_response_at, awaiting_since FROM lead "
                     "JOIN stage ON stage.id = lead.stage_id"),
        "activity": rows("SELECT lead_id, kind, summary, body, author, message_id, "
                         "CASE kind WHEN 'followup' THEN NULL ELSE at END FROM activity"),
        "follow_up": rows("SELECT lead_id, title, due, outcome, done_at IS NULL FROM follow_up"),
        "mail_message": rows("SELECT id, verdict, reason, lead_id, body, fields FROM mail_message"),
        # a transaction writes each lead's changes once (writes.gathered): fewer updates, the same rows
        "records": rows("SELECT tbl, op, count(*) FROM outbox WHERE tbl != 'lead' OR op != 'update' GROUP BY tbl, op"),
        "search": rows("SELECT lead.id, s.name, s.company, s.email FROM lead_search AS s "
                       "JOIN lead ON lead.rowid = s.rowid"),
        "insights": rows("SELECT lead.id, i.created_at, i.owner_id, i.source, i.status, i.reason, stage.name, i.value, "
                         "i.secs, i.band, i.no_contact FROM insight_lead AS i JOIN lead ON lead.rowid = i.lead "
                         "JOIN stage ON stage.id = i.stage_id"),
        "stays": rows("SELECT * FROM stage_stay"),
    }


def test_a_batch_stores_what_one_at_a_time_stores(tmp_path):
    """Same leads, twins, replies, answers, steps and messages, and the same number of records per table (but
    for the leads' updates: one a lead and transaction)."""
    messages = mixed()
    results = []
    for name, store in (("one", one_at_a_time), ("batch", as_capture_does)):
        _open(tmp_path / name)
        try:
            store(messages)
            results.append(stable())
        finally:
            db.close_database()
    one, batch = results
    assert {v for (v, *_rest) in [r[1:] for r in one["mail_message"]]} >= {"lead", "reply", "outgoing"}
    assert any(kind == "email_in" and summary.startswith("Another inquiry") for _l, kind, summary, *_r
               in one["activity"])
    assert batch == one and len(one["search"]) == len(one["insights"]) == len(one["lead"]) and one["stays"]


def test_the_records_of_a_batch_rebuild_its_rows(tmp_path):
    """Replaying the outbox a batch wrote onto an empty database gives the very same synced rows."""
    _open(tmp_path / "a")
    as_capture_does(mixed(seed=5))
    expected = snapshot()
    records = database.execute_sql(
        "SELECT tbl, row_id, op, data FROM outbox WHERE op != 'baseline' ORDER BY seq").fetchall()
    db.open_database(tmp_path / "b")
    try:
        replay(records)
        assert snapshot() == expected and json.dumps(expected, default=str).count("Person") > 0
    finally:
        db.close_database()


def test_a_batch_that_looks_up_at_once_stores_the_same(tmp_path):
    """Stored messages, leads with a message's id, threads (through a stored answer of ours too), addresses
    (of a merged lead, of a closed one and an open one) and open twins read for a whole batch at once give
    the same rows as asking message by message."""
    from models import leads
    from models.tables import Lead
    from sync.mail.parse import parse

    messages = mixed(seed=7, count=80)
    ours = [parse(raw) for folder, raw in messages[:30] if folder == SENT]  # stored with the first part
    messages += [("INBOX", samples.reply_from(mail.to[0], mail.message_id)) for mail in ours]
    results = []
    for look_up in (False, True):
        _open(tmp_path / str(look_up))
        try:
            as_capture_does(messages[:30])  # some stored before, some leads there before
            older = sorted(Lead.select(), key=lambda lead: lead.created_at)
            leads.merge_leads(older[0], older[1])
            for lead in older[2:5]:  # their later mail finds the open lead with their address, not the won one
                leads.move_lead(lead, stages.closing_stage("won"), value=100)
                leads.add_lead(f"{lead.name} again", email=lead.email)
            as_capture_does(messages, look_up)
            results.append(_decided())
        finally:
            db.close_database()
    plain, looked_up = results
    assert looked_up == plain and len(plain["lead"]) > 10
    assert any(status == "won" for (*_m, status) in plain["mail_message"])  # the setup made its point
    assert any(name.endswith("again") for (*_m, name, _e, _s) in plain["mail_message"] if name)


def _decided() -> dict[str, list[tuple]]:
    """Each message's verdict and the lead it went to, by the lead's name (the setup's leads have random ids)."""
    def rows(sql: str) -> list[tuple]:
        return sorted(database.execute_sql(sql).fetchall(), key=repr)

    return {"mail_message": rows("SELECT m.id, m.verdict, m.reason, l.name, l.email, l.status FROM mail_message AS m "
                                 "LEFT JOIN lead AS l ON l.id = m.lead_id"),
            "lead": rows("SELECT name, email, phone, status, merged_into IS NULL FROM lead"),
            "activity": rows("SELECT l.name, a.kind, a.summary FROM activity AS a JOIN lead AS l ON l.id = a.lead_id")}


def test_entries_gathered_in_a_transaction_count_as_stored(tmp_path):
    """One transaction holding our answer and, after it, the lead's replies (a folder with both, as Gmail's All
    Mail): a reply older than our answer leaves the lead answered, a newer one makes it wait, as when each is
    stored on its own."""
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) - timedelta(hours=5)
    inquiry = samples.wpforms(name="Nina Berg", email="nina.berg@example.com", when=start)
    thread = samples.mid_of(inquiry)
    late = samples.reply_from("nina.berg@example.com", thread, when=start + timedelta(hours=3))
    messages = [("INBOX", inquiry),
                ("INBOX", samples.owner_reply("nina.berg@example.com", thread, when=start + timedelta(hours=2))),
                ("INBOX", samples.reply_from("nina.berg@example.com", thread, when=start + timedelta(hours=1))),
                ("INBOX", late)]
    results = []
    for name, store in (("one", one_at_a_time), ("batch", as_capture_does)):
        _open(tmp_path / name)
        try:
            store(messages)
            results.append((stable(), database.execute_sql("SELECT awaiting_since FROM lead").fetchall()))
        finally:
            db.close_database()
    (one, awaiting), (batch, awaiting_batch) = results
    assert batch == one and awaiting_batch == awaiting
    assert str(awaiting[0][0])[:16] == str(start + timedelta(hours=3))[:16]
    assert [kind for _l, kind, *_r in one["activity"]].count("email_in") == 2


def test_an_answer_ticks_off_the_step_due_first_when_sync_left_two(tmp_path):
    """A lead with two pending steps (team sync can leave that): our answer ticks off "Respond to inquiry",
    due first, read ahead with the batch or alone, and a later "Call back" stays pending."""
    from datetime import timedelta

    from models import writes
    from models.clock import now
    from models.tables import FollowUp, Lead

    inquiry = samples.wpforms(name="Ann Lee", email="ann.lee@example.com")
    answer = [(SENT, samples.owner_reply("ann.lee@example.com", samples.mid_of(inquiry)))]
    for name, store in (("one", one_at_a_time), ("batch", as_capture_does)):
        _open(tmp_path / name)
        try:
            as_capture_does([("INBOX", inquiry)])
            lead = Lead.get()
            writes.insert(FollowUp, lead=lead, title="Call back", due=now() + timedelta(days=9), created_at=now())
            store(answer)
            pending = {f.title for f in FollowUp.select().where(FollowUp.done_at.is_null())}
            done = {f.title for f in FollowUp.select().where(FollowUp.done_at.is_null(False))}
            assert done == {"Respond to inquiry"} and pending == {"Call back", "Follow up"}, name
        finally:
            db.close_database()
