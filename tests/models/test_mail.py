"""Mail storage rules without a server: deterministic ids, known leads, review decisions."""
from __future__ import annotations

import mail_samples as samples  # noqa: E402
import pytest

from models import leads, settings, writes  # noqa: E402
from models.clock import now
from models.errors import RuleError  # noqa: E402
from models.known import rules  # noqa: E402
from models.mail import (  # noqa: E402
    DbKnown,
    _set_rule,
    accept_review,
    ignored_mail,
    inquiry_notice,
    load_review,
    message_key,
    message_text,
    reject_review,
    review_queue,
    store_verdict,
)
from models.tables import Lead, MailAccount, MailMessage, SenderRule, database  # noqa: E402
from sync.mail.classify import classify  # noqa: E402


def keep(raw: bytes, sent: bool = False):
    verdict = classify(raw, me=[samples.OWNER], known=DbKnown(), sent_folder=sent)
    return store_verdict(verdict, None, "Sent" if sent else "INBOX", 1)


def test_message_key_is_deterministic_and_bracket_blind():
    """The same Message-ID gives the same id on every machine, with or without angle brackets."""
    assert message_key("<abc@x.example>") == message_key("abc@x.example") == message_key(" <abc@x.example> ")
    assert message_key("<abc@x.example>") != message_key("<abd@x.example>")


def test_storing_twice_is_a_no_op(store):
    """A message already stored is skipped entirely: one row, one lead."""
    raw = samples.direct_en()
    assert keep(raw).verdict == "lead"
    assert keep(raw) is None
    assert Lead.select().count() == 1 and MailMessage.select().count() == 1


def test_lead_already_synced_from_a_teammate_is_not_created_again(store):
    """If team sync brought in the lead born from this message, storing it links to that lead."""
    raw = samples.formspree()
    lead, _ = leads.add_lead("Ahmed Khan", email="ahmed.khan@example.com", lead_id=message_key(samples.mid_of(raw)))
    row = keep(raw)
    assert row.lead_id == lead.id and Lead.select().count() == 1


def test_known_lead_lookups_follow_merges(store):
    """Thread and address lookups land on the lead a merged one was joined into."""
    raw = samples.direct_en()
    first = Lead.get_by_id(keep(raw).lead_id)
    keeper, _ = leads.add_lead("Keeper", email="keeper@example.com")
    leads.merge_leads(keeper, first)
    known = DbKnown()
    assert known.lead_for_thread([samples.mid_of(raw)]) == keeper.id
    assert known.lead_for_address("sam.taylor@example.com") == keeper.id
    assert known.lead_for_address("nobody@example.com") is None


def test_accept_creates_the_lead_and_trusts_the_sender(store):
    """Accepting a review item makes it a lead and adds a sender rule that classify then follows."""
    row = keep(samples.personal())
    assert row.verdict == "review" and [s.id for s in review_queue()] == [row.id]
    accepted = accept_review(row.id[:8])
    lead = Lead.get_by_id(accepted.id)
    assert lead.email == "chris.park@partner-firm.example" and lead.name == accepted.name == "Chris Park"
    assert SenderRule.get(SenderRule.pattern == "chris.park@partner-firm.example").action == "lead"
    assert review_queue() == []
    with pytest.raises(RuleError):
        accept_review(row.id)
    assert DbKnown().rule_for("chris.park@partner-firm.example") == "lead"


def test_of_several_rows_for_one_pattern_the_newest_decides_until_a_new_decision(store):
    """Rows two devices made for one pattern before syncing: the most recently updated wins; deciding
    again sets every row of the pattern."""
    for action, updated in (("lead", "2026-03-02 10:00:00"), ("ignored", "2026-03-01 10:00:00")):
        writes.insert(SenderRule, pattern="@partner-firm.example", action=action, created_at=now(),
                      updated_at=updated)
    assert rules() == {"@partner-firm.example": "lead"}
    assert keep(samples.personal()).verdict == "lead"
    other = keep(samples.personal(name="Dana Kim", email="dana.kim@other-firm.example"))
    assert reject_review(other.id) == "@other-firm.example"
    assert set(rules()) == {"@partner-firm.example", "@other-firm.example"}
    with database.atomic():
        _set_rule("@partner-firm.example", "ignored")
    assert {r.action for r in SenderRule.select().where(SenderRule.pattern == "@partner-firm.example")} == {"ignored"}
    assert DbKnown().rule_for("x@partner-firm.example") == "ignored"


def _form_pitch(verdict: str) -> MailMessage:
    """A Contact Form 7 notification from the site's wordpress@ whose visitor is an SEO agency, stored
    with the given verdict."""
    import dataclasses

    body = ("From: Rick Seo <rick@rank-agency.example>\nSubject: Your website\n\nMessage Body:\nHi, I noticed your "
            "website is not on the first page of Google. We offer SEO packages. Reply for a free quote.\n\n-- \n"
            "This is a notification that a contact form was submitted on your website (Bakery https://bakery.example).")
    raw = samples.message({"From": "Bakery <wordpress@bakery.example>", "To": samples.OWNER,
                           "Reply-To": "rick@rank-agency.example", "Subject": 'Bakery "Your website"'}, body)
    judged = classify(raw, me=[samples.OWNER], known=DbKnown())
    assert judged.source == "Contact Form 7"
    return store_verdict(dataclasses.replace(judged, verdict=verdict), None, "INBOX", 1)


def test_a_decision_on_a_form_submission_is_about_its_visitor_not_the_site(store):
    """Rejecting a form submission ignores the visitor's domain, never the site's own sender (that would
    ignore every later submission); accepting one makes the visitor the lead and trusts the visitor."""
    assert reject_review(_form_pitch("review").id) == "@rank-agency.example"
    assert DbKnown().rule_for("wordpress@bakery.example") is None
    accepted = accept_review(_form_pitch("ignored").id)
    lead = Lead.get_by_id(accepted.id)
    assert (lead.name, lead.email) == ("Rick Seo", "rick@rank-agency.example")
    assert DbKnown().rule_for("rick@rank-agency.example") == "lead"
    assert DbKnown().rule_for("wordpress@bakery.example") is None


def test_reject_ignores_the_domain_but_freemail_only_by_address(store):
    """Rejecting ignores the sender's domain; a freemail sender is ignored by address only."""
    work = keep(samples.personal(email="a@partner-firm.example"))
    other = keep(samples.personal(name="B", email="b@partner-firm.example"))
    free = keep(samples.personal(name="C", email="c.someone@gmail.com"))
    assert reject_review(work.id) == "@partner-firm.example"
    assert MailMessage.get_by_id(other.id).verdict == "ignored"  # the queue follows the new rule at once
    assert reject_review(free.id) == "c.someone@gmail.com"
    assert DbKnown().rule_for("x@partner-firm.example") == "ignored"
    assert DbKnown().rule_for("someone.else@gmail.com") is None
    assert {m.id for m in ignored_mail()} == {work.id, other.id, free.id}


def test_outgoing_before_the_reply_keeps_our_turn(store):
    """A lead's reply newer than our answer still shows as their turn, whatever order the folders are read."""
    from datetime import UTC, datetime, timedelta

    inquiry = samples.direct_en(when=datetime.now(UTC) - timedelta(hours=5))
    lead = Lead.get_by_id(keep(inquiry).lead_id)
    ours = samples.owner_reply(lead.email, samples.mid_of(inquiry), when=datetime.now(UTC) - timedelta(hours=3))
    theirs = samples.reply_from(lead.email, samples.mid_of(ours), when=datetime.now(UTC) - timedelta(hours=1))
    assert keep(ours, sent=True).verdict == "outgoing"
    assert keep(theirs).verdict == "reply"
    lead = Lead.get_by_id(lead.id)
    assert lead.first_response_at is not None and lead.awaiting_since is not None


def test_load_review_lists_the_queue_the_ignored_mail_and_whether_an_inbox_exists(store):
    """The Review view's lists come from the database; has_accounts follows the accounts table."""
    waiting = keep(samples.personal())
    ignored = keep(samples.newsletter())
    lists = load_review()
    assert [s.id for s in lists.queue] == [waiting.id] and [s.id for s in lists.ignored] == [ignored.id]
    assert not lists.has_accounts
    MailAccount.create(name="Shop", host="localhost", port=143, security="none", username="u", since=now(),
                       created_at=now())
    assert load_review().has_accounts


def test_message_text_is_the_stored_body(store):
    """The full cleaned text of a stored message; "" for one that is gone."""
    row = keep(samples.personal())
    assert message_text(row.id) == row.body and "barbecue on Saturday" in message_text(row.id)
    assert message_text("no-such-message") == ""


def test_inquiry_notice_names_the_leads_unless_switched_off(store):
    """A notification names the new leads; with notifications off there is none."""
    first, _ = leads.add_lead("Olivia Smith", email="olivia@example.org")
    second, _ = leads.add_lead("Sam Taylor", email="sam@example.org")
    assert sorted(inquiry_notice([first.id, second.id])) == ["Olivia Smith", "Sam Taylor"]
    assert inquiry_notice([second.id], most=1) == ["Sam Taylor"]
    settings.put("notify_new", "0")
    assert inquiry_notice([first.id]) is None
