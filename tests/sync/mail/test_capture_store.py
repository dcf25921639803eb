"""Capture's storing without a server: a message the batch cannot decide on, or cannot store, ends as an
"error" row while the rest of its batch is stored and the cursor moves past all of it."""
from __future__ import annotations

import dataclasses

import mail_samples as samples
import pytest

from models import settings
from models.clock import now
from models.mail import BatchStore, DbKnown, Item, StoreContext
from models.tables import Lead, MailAccount, MailCursor, MailMessage
from sync.mail import capture, imap
from sync.mail.classify import Fields, classify


@pytest.fixture
def account(store):
    settings.put("my_addresses", samples.OWNER)
    settings.put("phone_region", "US")
    return MailAccount.create(name="Work", host="localhost", port=143, security="none", username="u",
                              since=now(), created_at=now())


def judged(batch: BatchStore, account: MailAccount, raws: list[bytes]) -> list[Item]:
    items = []
    for uid, raw in enumerate(raws, 1):
        verdict = classify(raw, me=[samples.OWNER], known=batch)
        if b"Nameless" in raw:  # a lead whose name is only spaces: add_lead's rules refuse it
            verdict = dataclasses.replace(verdict, fields=Fields(name="   "))
        items.append(capture._expect(batch, Item(verdict, account.id, "INBOX", uid, raw, None)))
    return items


def store(account: MailAccount, raws: list[bytes]) -> capture.PassResult:
    batch, result = BatchStore(DbKnown(), StoreContext()), capture.PassResult(account.name)
    items = judged(batch, account, raws)
    capture.store_batch(batch, items, imap.Batch("INBOX", 7, False, [], last_uid=len(raws) + 5), account, result)
    return result


def test_a_message_the_batch_cannot_decide_on_is_stored_as_an_error(account):
    """Deciding fails for one inquiry: it becomes an error row; the others are leads; the cursor moves on."""
    raws = [samples.direct_en(), samples.direct_en(name="Nameless One", email="nameless@example.com"),
            samples.wpforms()]
    result = store(account, raws)
    assert result.counts == {"lead": 2, "error": 1} and Lead.select().count() == 2
    error = MailMessage.get(MailMessage.verdict == "error")
    assert error.from_addr == "nameless@example.com" and "could not be stored" in error.reason
    assert MailCursor.get().last_uid == 8


def test_a_batch_that_fails_to_store_is_stored_a_message_at_a_time(account, monkeypatch):
    """A rule failing on one reply rolls its transaction back; the batch is then stored message by message."""
    first = samples.wpforms(name="Nina Berg", email="nina.berg@example.com")
    reply = samples.reply_from("nina.berg@example.com", samples.mid_of(first))

    def broken(lead, row, store):
        raise RuntimeError("a bug in a rule")

    monkeypatch.setattr("models.mail._apply_reply", broken)
    result = store(account, [first, reply, samples.direct_en()])
    assert result.counts == {"lead": 2, "error": 1}
    assert MailMessage.get(MailMessage.verdict == "error").reason == "could not be stored: a bug in a rule"
    assert Lead.select().count() == 2 and MailCursor.get().last_uid == 8
