"""Judging batches in a second process (sync.mail.ahead): the same verdicts as judging them in capture's
own process, a real child process over real pipes, and capture carrying on alone when it fails."""
from __future__ import annotations

import subprocess
import sys

import mail_samples as samples
import pytest
from imap_server import Mailbox

from models import settings
from models.known import DbKnown
from models.tables import Activity, Lead, MailAccount, MailMessage
from sync.mail import accounts, ahead, imap
from sync.mail import capture as capture_mod
from sync.mail.classify import NoKnown, classify


def account_for(mb: Mailbox) -> MailAccount:
    info = accounts.add_account("Work", mb.server.host, port=mb.server.port, security="none", username=mb.user,
                                password=mb.password)
    return MailAccount.get_by_id(info.id)


def a_busy_inbox() -> tuple[list[bytes], list[bytes]]:
    """(inbox, sent) spread over batches of 3: replies and second inquiries to leads of earlier batches
    (stored, or not yet when the next batch is judged), noise, and our answers in Sent."""
    inbox, sent = [], []
    for n in range(6):
        form = samples.wpforms(name=f"Lead {n}", email=f"lead{n}@example.com", phone=f"+1 415 555 03{n}0")
        inbox += [form, samples.newsletter()]
        if n:
            earlier = inbox[4 * (n - 1)]
            inbox += [samples.reply_from(f"lead{n - 1}@example.com", samples.mid_of(earlier)),
                      samples.wpforms(name=f"Lead {n - 1}", email=f"lead{n - 1}@example.com")]
        sent.append(samples.owner_reply(f"lead{n}@example.com", samples.mid_of(form)))
    return inbox, sent


def stored() -> list[tuple]:
    """What a pass left behind, in a form two data folders can compare."""
    leads = {lead.id: lead.email for lead in Lead.select()}
    rows = sorted((m.message_id, m.verdict, m.reason, m.source, leads.get(m.lead_id), m.body, m.fields)
                  for m in MailMessage.select())
    kinds = sorted((leads[a.lead_id], a.kind, a.summary) for a in Activity.select())
    return [rows, kinds, sorted((lead.email, lead.phone, lead.awaiting_since is None) for lead in Lead.select())]


@pytest.fixture(autouse=True)
def _owner(store, keyring_tmp):
    settings.put("my_addresses", samples.OWNER)
    settings.put("phone_region", "US")


@pytest.mark.imap
@pytest.mark.parametrize("part", [1.0, 0.5])
def test_a_pass_judged_ahead_stores_what_a_pass_judged_here_stores(imap_server, store, tmp_path, monkeypatch, part):
    """The same mailbox captured with and without the second process leaves the same rows; the second
    process judged most batches (all of each, or half while capture judges the other half the same way
    meanwhile), and capture judged again what later batches' data changed."""
    from imap_server import new_mailbox

    from models import db, stages

    inbox, sent = a_busy_inbox()
    taken, judged_here = [], {True: 0, False: 0}
    real_take, real_classify, real_start = ahead.Ahead.take, capture_mod.safe_classify, ahead.Ahead.start
    monkeypatch.setattr(ahead.Ahead, "take", lambda self, *args: taken.append(real_take(self, *args)) or taken[-1])
    # a pass this short would be over before the process has started: wait for it
    monkeypatch.setattr(ahead.Ahead, "start", lambda self: real_start(self) or self._ready.wait(30))
    monkeypatch.setattr(ahead.Ahead, "_part", part, raising=False)  # and hand over this part of each batch
    monkeypatch.setattr(ahead.Ahead, "balance", lambda self, *args: None)
    results = {}
    for judge_ahead in (True, False):
        def judge_here(*args, judge_ahead=judge_ahead):
            judged_here[judge_ahead] += 1
            return real_classify(*args)

        monkeypatch.setattr(capture_mod, "safe_classify", judge_here)
        db.open_database(tmp_path / f"ahead-{judge_ahead}")
        stages.ensure_defaults()
        settings.put("my_addresses", samples.OWNER)
        settings.put("phone_region", "US")
        mb = new_mailbox(imap_server)
        mb.append_many("INBOX", inbox)
        mb.append_many("Sent", sent)
        account = account_for(mb)
        client = imap.connect(account, mb.password)
        try:
            result = capture_mod.run_pass(client, account, batch=3, ahead=judge_ahead)
        finally:
            imap.disconnect(client)
        assert result.ok, result.errors
        results[judge_ahead] = (dict(result.counts), stored())
    assert results[True] == results[False]
    assert results[True][0] == {"lead": 6, "reply": 10, "ignored": 6, "outgoing": 6}
    assert len([batch for batch in taken if batch is not None]) >= 3  # once started, it judged the batches
    assert judged_here[False] == len(inbox) + len(sent) > judged_here[True]


def test_the_second_process_answers_as_classify_does_here(store):
    """A real child process judges over its pipes: the verdicts (without headers and HTML), the cleaned
    text, and the questions with the answers the database gave it; a reply finds a stored lead there."""
    first = samples.wpforms(name="Nina Berg", email="nina.berg@example.com")
    from models.mail import store_verdict
    store_verdict(classify(first, me=[samples.OWNER]), None, "INBOX", 1)
    raws = [samples.reply_from("nina.berg@example.com", samples.mid_of(first)), samples.newsletter(),
            samples.direct_en(), b"\xff\xfe not mail at all"]
    helper = ahead.Ahead(str(store / "leadbook.sqlite3"))
    helper.start()
    try:
        helper._ready.wait(30)
        assert helper.submit(raws, [samples.OWNER], False)
        answers = helper.take(len(raws))
    finally:
        helper.close()
    assert answers is not None and all(a is not None for a in answers)
    here = [classify(raw, me=[samples.OWNER], known=DbKnown()) for raw in raws]
    for judged, verdict in zip(answers, here, strict=True):
        assert judged.verdict.verdict == verdict.verdict and judged.verdict.reason == verdict.reason
        assert judged.verdict.fields == verdict.fields and judged.verdict.lead_id == verdict.lead_id
        if verdict.mail is not None:
            assert judged.verdict.mail.message_id == verdict.mail.message_id
            assert judged.verdict.mail.date == verdict.mail.date and judged.verdict.mail.text == verdict.mail.text
            assert judged.body == ahead.clean_body(verdict)
        assert judged.holds(DbKnown())
    reply = answers[0]
    assert reply.verdict.verdict == "reply" and reply.verdict.lead_id == Lead.get().id
    assert reply.questions[0] == ("lead_for_thread", (samples.mid_of(first),) * 2, Lead.get().id)


def test_a_judgement_stands_only_where_every_answer_is_the_same():
    """holds(): the verdict is capture's own only while its Known answers each question as the second did."""
    asked = ahead._Asked(None)
    verdict = classify(samples.direct_en(), me=[samples.OWNER], known=asked)
    judged = ahead.Judged(verdict, tuple(asked.questions), None)
    assert asked.questions and all(answer is None for _, _, answer in asked.questions)
    assert judged.holds(NoKnown())

    class KnowsTheSender(NoKnown):
        def lead_for_address(self, address):
            return "a-lead-of-the-last-batch"

    assert not judged.holds(KnowsTheSender())


def test_a_lookup_that_fails_there_is_judged_here():
    """classify turns a failing lookup into an "error" verdict; from the second process that is no answer."""
    class Broken(NoKnown):
        def lead_for_address(self, address):
            raise RuntimeError("the database went away")

    assert ahead.judge_batch([samples.direct_en()], [samples.OWNER], False, Broken()) == [None]
    assert ahead.judge_batch([samples.direct_en()], [samples.OWNER], False, None)[0] is not None


@pytest.mark.imap
@pytest.mark.parametrize("child", [
    "import sys; sys.exit(3)",  # never starts
    "import sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read(1)",  # starts, then dies
])
def test_capture_judges_alone_when_the_second_process_fails(mailbox, monkeypatch, child):
    """A second process that never starts or dies mid-pass: capture judges every batch itself, nothing is lost."""
    real = subprocess.Popen
    monkeypatch.setattr(ahead.subprocess, "Popen",
                        lambda args, **kw: real([sys.executable, "-c", child], **kw))
    mailbox.append_many("INBOX", [samples.wpforms(name=f"Lead {n}", email=f"lead{n}@example.com",
                                                  phone=f"+1 415 555 04{n}0") for n in range(8)])
    result = capture_mod.capture_account(account_for(mailbox), batch=2)
    assert result.ok, result.errors
    assert result.counts == {"lead": 8} and Lead.select().count() == 8


def test_the_part_handed_over_makes_both_sides_take_as_long_per_batch():
    """balance(): from what each side measured, the second process gets as much of a batch as makes its
    judging take as long as capture's storing and judging the rest; at least a tenth, at most all of it."""
    helper = ahead.Ahead()
    for _ in range(30):  # it moves halfway each batch: one slow batch is noise
        helper.balance((100, 0.3), (100, 0.1), 0.05 + 0.1)  # there 3 ms a message, here 1 ms, storing 50 ms
    handed = 200 * helper._part
    assert handed * 0.003 == pytest.approx(0.05 + (200 - handed) * 0.001, rel=1e-3)
    for _ in range(30):
        helper.balance((100, 10.0), (100, 0.1), 0.15)  # another program took the second core
    assert helper._part == ahead.SMALLEST_PART
    for _ in range(30):
        helper.balance((100, 0.01), (100, 0.1), 0.15)  # there it is ten times as fast
    assert helper._part == 1.0


@pytest.mark.imap
def test_a_first_pass_starts_the_second_process_before_it_connects(mailbox, monkeypatch):
    """An account's first pass reads all its mail: the process starts before connecting, to be ready by the
    first batch; a later pass starts it only for a folder with a batch or more to read."""
    events = []
    real_start, real_connect = ahead.Ahead.start, imap.connect
    monkeypatch.setattr(ahead.Ahead, "start", lambda self: events.append("start") or real_start(self))
    monkeypatch.setattr(imap, "connect", lambda *args, **kw: events.append("connect") or real_connect(*args, **kw))
    account = account_for(mailbox)
    for new, expected in ((3, ["start", "connect", "start"]), (1, ["connect"]), (2, ["connect", "start"])):
        mailbox.append_many("INBOX", [samples.newsletter() for _ in range(new)])
        events.clear()
        result = capture_mod.capture_account(account, batch=2)
        assert result.ok and result.counts == {"ignored": new} and events == expected
