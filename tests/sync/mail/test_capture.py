"""Mail capture end to end: a real Dovecot on loopback, a real database, a real keyring file."""
from __future__ import annotations

import json
import sqlite3
import ssl
from datetime import UTC, datetime, timedelta
from unittest import mock

import mail_samples as samples
import pytest
from imap_server import Mailbox, new_mailbox

from models import settings, today
from models.errors import InvalidInput
from models.leads import RESPOND, pending_followup
from models.mail import message_key
from models.tables import Activity, FollowUp, Lead, MailAccount, MailCursor, MailMessage
from sync import credentials
from sync.mail import accounts, imap
from sync.mail import capture as capture_mod
from sync.mail.capture import capture_account, capture_all
from sync.mail.classify import classify

pytestmark = pytest.mark.imap


@pytest.fixture(autouse=True)
def _owner(store, keyring_tmp):
    settings.put("my_addresses", samples.OWNER)
    settings.put("phone_region", "US")


def account_for(mb: Mailbox, name: str = "Work", **kw) -> MailAccount:
    info = accounts.add_account(name, mb.server.host, port=mb.server.port, security="none", username=mb.user,
                                password=mb.password, **kw)
    return MailAccount.get_by_id(info.id)


def lead_by_email(email: str) -> Lead:
    return Lead.get(Lead.email == email)


def test_form_notifications_become_leads_with_fields(mailbox):
    """Each form/marketplace format and a direct inquiry becomes a lead with name, address, phone and message."""
    raws = [f() for f in samples.FORMS.values()] + [samples.newsletter(), samples.auto_reply(), samples.bounce()]
    mailbox.append_many("INBOX", raws)
    result = capture_account(account_for(mailbox))
    assert result.ok, result.errors
    assert result.counts["lead"] == len(samples.FORMS) and result.counts["ignored"] == 3

    maria = lead_by_email("maria.gonzalez@example.org")  # Contact Form 7: Reply-To, not wordpress@
    assert maria.name == "Maria Gonzalez" and maria.source == "Contact Form 7"
    assert "garage roof leaks" in maria.message
    tom = lead_by_email("tom.becker@example.net")  # WPForms sent from the owner's own address
    assert tom.name == "Tom Becker" and tom.phone == "+14155550134" and "gutters" in tom.message
    jana = lead_by_email("jana.novak@example.com")  # Elementor, German labels
    assert jana.phone == "+49301234567" and jana.company == "Novak Bau GmbH"
    assert lead_by_email("olivia.smith@example.org").phone == "+14155550178"
    assert lead_by_email("ahmed.khan@example.com").name == "Ahmed Khan"
    assert lead_by_email("peter.wilson@example.com").phone == "+14155550121"  # CallRail "Label:: value"
    lena = lead_by_email("lena.fischer@example.de")
    assert lena.name == "Lena Fischer" and lena.source == "email"
    yelp = Lead.get(Lead.source == "Yelp")  # no address at all: reachable through the relay only
    assert yelp.email is None and yelp.relay.endswith("@messaging.yelp.com") and yelp.service == "Roof repair"
    for lead in Lead.select():
        assert pending_followup(lead).title == RESPOND  # "respond" due now
        assert lead.id == MailMessage.get(MailMessage.lead_id == lead.id).id  # id derived from the Message-ID
        [inquiry] = Activity.select().where((Activity.lead == lead.id) & (Activity.kind << ("created", "email_in")))
        assert inquiry.kind == "created"  # one timeline entry for the inquiry, tied to its mail
        assert inquiry.message_id == MailMessage.get_by_id(lead.id).message_id
    ignored = MailMessage.select().where(MailMessage.verdict == "ignored")
    assert all(m.reason for m in ignored)


def test_second_pass_creates_no_duplicates(mailbox):
    """A second pass over the same mail reads nothing new and creates nothing."""
    mailbox.append_many("INBOX", [samples.direct(), samples.wpforms(), samples.newsletter()])
    account = account_for(mailbox)
    first = capture_account(account)
    assert first.counts["lead"] == 2
    second = capture_account(account)
    assert second.ok and sum(second.counts.values()) == 0 and second.seen == 0
    assert Lead.select().count() == 2 and MailMessage.select().count() == 3


def test_uidvalidity_change_rescans_without_duplicates(mailbox):
    """After the server renumbers a folder, the rescan stores only what is really new."""
    mailbox.append_many("INBOX", [samples.direct(), samples.formspree(), samples.callrail()])
    account = account_for(mailbox)
    assert capture_account(account).counts["lead"] == 3
    old = MailCursor.get(MailCursor.folder == "INBOX").uidvalidity
    mailbox.server.renew_uidvalidity("INBOX", user=mailbox.user)
    mailbox.append("INBOX", samples.squarespace())
    result = capture_account(account)
    assert result.ok, result.errors
    assert result.seen == 4 and dict(result.counts) == {"lead": 1}
    assert Lead.select().count() == 4
    assert MailCursor.get(MailCursor.folder == "INBOX").uidvalidity != old


def test_two_accounts_seeing_one_message_make_one_lead(imap_server):
    """The same message in two inboxes (a shared info@ and a personal copy) is one lead."""
    one, two = new_mailbox(imap_server), new_mailbox(imap_server)
    raw = samples.elementor()
    one.append("INBOX", raw)
    two.append("INBOX", raw)
    account_for(one, "Info")
    account_for(two, "Personal")
    results = capture_all()
    assert [r.ok for r in results] == [True, True]
    assert sum(r.counts["lead"] for r in results) == 1 and sum(r.seen for r in results) == 2
    assert Lead.select().count() == 1 and MailMessage.select().count() == 1
    assert Lead.get().id == message_key(samples.mid_of(raw))


def test_unread_flags_are_untouched(mailbox):
    """Capture reads with BODY.PEEK on read-only folders: unread mail stays unread, read mail read."""
    mailbox.append("INBOX", samples.direct())
    mailbox.append("INBOX", samples.newsletter(), flags=[b"\\Seen"])
    capture_account(account_for(mailbox))
    flags = mailbox.server.flags("INBOX", user=mailbox.user)
    assert [b"\\Seen" in f for _, f in sorted(flags.items())] == [False, True]


def test_owner_reply_in_sent_moves_the_lead(mailbox):
    """The owner's reply in Sent: logged, first response time, New → Contacted, next step by the stage rule."""
    inquiry = samples.direct_en(when=datetime.now(UTC) - timedelta(hours=3))
    answered_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    mailbox.append("INBOX", inquiry)
    mailbox.append("Sent", samples.owner_reply("sam.taylor@example.com", samples.mid_of(inquiry), when=answered_at))
    result = capture_account(account_for(mailbox))
    assert result.ok and result.counts["outgoing"] == 1
    lead = lead_by_email("sam.taylor@example.com")
    assert lead.first_response_at == answered_at.replace(tzinfo=None)
    assert lead.stage.name == "Contacted"
    respond = FollowUp.get((FollowUp.lead == lead.id) & (FollowUp.title == RESPOND))
    assert respond.done_at is not None
    following = pending_followup(lead)
    assert following.title != RESPOND and following.due == answered_at.replace(tzinfo=None) + timedelta(days=2)
    assert Activity.get((Activity.lead == lead.id) & (Activity.kind == "email_out")).message_id
    assert lead.id not in [i.lead_id for i in today.today().sections["respond_now"]]


def test_lead_reply_shows_as_replied_in_today(mailbox):
    """A reply from the lead in INBOX is logged and puts the lead in Today's "replied — your turn"."""
    inquiry = samples.direct_en(when=datetime.now(UTC) - timedelta(hours=5))
    ours = samples.owner_reply("sam.taylor@example.com", samples.mid_of(inquiry),
                               when=datetime.now(UTC) - timedelta(hours=4))
    mailbox.append("INBOX", inquiry)
    mailbox.append("Sent", ours)
    account = account_for(mailbox)
    capture_account(account)
    mailbox.append("INBOX", samples.reply_from("sam.taylor@example.com", samples.mid_of(ours), name="Sam Taylor",
                                               when=datetime.now(UTC) - timedelta(minutes=10)))
    result = capture_account(account)
    assert dict(result.counts) == {"reply": 1}
    lead = lead_by_email("sam.taylor@example.com")
    assert lead.awaiting_since is not None
    replied = today.today().sections["replied"]
    assert [i.lead_id for i in replied] == [lead.id]
    entry = Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "email_in")).order_by(
        Activity.at.desc()).first()
    assert "Thursday at 10 works" in entry.body and "Could we come by" not in entry.body  # quote stripped


def test_new_account_reads_only_mail_since_its_date(mailbox):
    """A new account reads the last 30 days, not the mailbox's history; old mail appended later stays out too."""
    old = datetime.now(UTC) - timedelta(days=90)
    mailbox.append("INBOX", samples.direct(), when=old)
    mailbox.append("INBOX", samples.formspree())
    account = account_for(mailbox)
    assert capture_account(account).seen == 1
    mailbox.append("INBOX", samples.callrail(), when=old)
    mailbox.append("INBOX", samples.wpforms())
    second = capture_account(account)
    assert second.seen == 1 and Lead.select().count() == 2
    assert not Lead.select().where(Lead.email == "lena.fischer@example.de").exists()


def test_since_option_reads_older_mail(mailbox):
    """--since moves the start back: a 90-day-old inquiry is read when the account starts 100 days ago."""
    mailbox.append("INBOX", samples.direct(), when=datetime.now(UTC) - timedelta(days=90))
    account = account_for(mailbox, since=datetime.now() - timedelta(days=100))
    assert capture_account(account).counts["lead"] == 1


def test_huge_message_is_not_downloaded_whole(mailbox):
    """A mail with a 5 MB attachment becomes a lead from its header and first 256 KB only."""
    raw = samples.huge(5)
    assert len(raw) > 5_000_000
    mailbox.append("INBOX", raw)
    account = account_for(mailbox)
    client = imap.connect(account, mailbox.password)
    try:
        batches = list(imap.fetch_folder(client, "INBOX", None, None))
    finally:
        imap.disconnect(client)
    assert batches[0].truncated == (batches[0].messages[0][0],)
    assert batches[0].fetched_bytes < imap.TEXT_PART + 10_000
    result = capture_account(account)
    assert result.counts["lead"] == 1 and result.fetched_bytes < 300_000
    assert lead_by_email("chris.young@example.com").name == "Chris Young"


def test_dropped_connection_resumes_without_loss_or_duplicates(private_server):
    """The server dies mid-pass: the error is recorded, the next pass picks up exactly where the last commit was.
    The batches read ahead before it died are stored too: the next one always, the one after if its read was done."""
    mb = new_mailbox(private_server)
    raws = [samples.direct_en(name=f"Person {i}", email=f"person{i}@example.com") for i in range(10)]
    mb.append_many("INBOX", raws)
    account = account_for(mb)
    batches = []

    def kill_after_first_batch(result):
        batches.append(result.seen)
        if len(batches) == 1:
            private_server.stop()

    first = capture_account(account, on_progress=kill_after_first_batch, batch=3)
    assert not first.ok and "Work" in first.error
    assert MailAccount.get_by_id(account.id).last_error == first.error
    stored = Lead.select().count()
    assert stored in (6, 9) and MailCursor.get(MailCursor.folder == "INBOX").last_uid == stored  # committed only
    private_server.start()
    second = capture_account(MailAccount.get_by_id(account.id), batch=3)
    assert second.ok, second.errors
    assert second.counts["lead"] == 10 - stored and Lead.select().count() == 10
    assert MailMessage.select().count() == 10
    assert MailAccount.get_by_id(account.id).last_error is None


def test_auth_failure_is_clear_and_other_accounts_continue(private_server):
    """A wrong password: one clear sentence without the password; the next account is captured anyway."""
    # a server of its own: Dovecot slows every later login from an address that failed one
    bad, good = new_mailbox(private_server), new_mailbox(private_server)
    good.append("INBOX", samples.formspree())
    accounts.add_account("Broken", private_server.host, port=private_server.port, security="none", username=bad.user,
                         password="Wr0ng-Passw0rd!", test=False)
    account_for(good, "Good")
    broken, fine = capture_all()
    assert "refused the login" in broken.error and bad.user in broken.error
    assert "Wr0ng-Passw0rd!" not in broken.error
    assert fine.ok and fine.counts["lead"] == 1
    assert "Wr0ng" not in (MailAccount.get(MailAccount.name == "Broken").last_error or "")


def test_vanished_folder_is_reported_and_the_rest_is_read(mailbox):
    """A configured folder that was deleted: a clear error for it, the other folders are still read."""
    mailbox.server.create_folder("Projects", user=mailbox.user)
    account = account_for(mailbox, folders=["INBOX", "Projects"])
    mailbox.server.delete_folder("Projects", user=mailbox.user)
    mailbox.append("INBOX", samples.callrail())
    result = capture_account(account)
    assert "Projects" in result.error and result.counts["lead"] == 1


def test_tls_verified_with_custom_ca_and_refused_without(mailbox):
    """IMAPS with a self-signed certificate works when its CA is trusted, fails with a certificate error if not."""
    server = mailbox.server
    mailbox.append("INBOX", samples.squarespace())
    info = accounts.add_account("Secure", "localhost", port=server.ssl_port, security="ssl", username=mailbox.user,
                                password=mailbox.password, ssl_context=server.ssl_context())
    account = MailAccount.get_by_id(info.id)
    untrusted = capture_account(account)
    assert "certificate could not be verified" in untrusted.error
    trusted = capture_account(account, ssl_context=server.ssl_context())
    assert trusted.ok and trusted.counts["lead"] == 1
    with pytest.raises(imap.MailConnectionError, match="certificate"):
        accounts.add_account("Again", "localhost", port=server.ssl_port, security="ssl", username=mailbox.user,
                             password=mailbox.password)
    assert [a.name for a in accounts.list_accounts()] == ["Secure"]  # nothing kept after a failed test


def test_starttls_upgrades_the_connection(mailbox):
    """STARTTLS on the plain port, verified against the test CA."""
    server = mailbox.server
    account = MailAccount(name="StartTLS", host="localhost", port=server.port, security="starttls",
                          username=mailbox.user)
    client = imap.connect(account, mailbox.password, ssl_context=server.ssl_context())
    try:
        assert isinstance(client._imap.sock, ssl.SSLSocket)
    finally:
        imap.disconnect(client)


def test_a_plain_loopback_connection_loads_no_certificates(mailbox, monkeypatch):
    """Unencrypted (allowed to this computer only) is a plain socket: the system's CAs (20-40 ms) stay unread."""
    monkeypatch.setattr(imap.ssl, "create_default_context", lambda: pytest.fail("a TLS context for plain IMAP"))
    client = imap.connect(account_for(mailbox), mailbox.password)
    try:
        assert not isinstance(client._imap.sock, ssl.SSLSocket)
    finally:
        imap.disconnect(client)


def test_account_management(private_server):
    """add (tested; password only in the keychain), list, test and remove (messages stay)."""
    mailbox = new_mailbox(private_server)  # its failed login must not slow the shared server
    mailbox.append("INBOX", samples.direct())
    mailbox.server.create_folder("Sent", user=mailbox.user)
    with pytest.raises(imap.MailAuthError):
        accounts.add_account("Work", mailbox.server.host, port=mailbox.server.port, security="none",
                             username=mailbox.user, password="nope")
    assert not MailAccount.select().exists()
    account = account_for(mailbox)
    with pytest.raises(InvalidInput, match="already"):
        account_for(mailbox)
    assert account.since < datetime.now() - timedelta(days=29) and json.loads(account.folders) == ["INBOX"]
    assert [a.name for a in accounts.list_accounts()] == ["Work"]
    line = accounts.test_account("Work")
    assert line.startswith("OK") and "Sent folder: Sent" in line and "\n" not in line
    capture_account(account)
    accounts.remove_account("Work")
    assert credentials.get_password(account.id) is None
    assert not MailCursor.select().exists() and MailMessage.select().count() == 1


def test_judging_a_slow_message_leaves_the_database_writable(mailbox, store):
    """While capture judges a message (a form with a 200 KB "Email:" value), another connection writes at once."""
    hostile = samples.message({"From": "Roofing Example <wordpress@roofing.example>", "To": samples.OWNER,
                               "Subject": "New form entry"}, "Name: Eve\nEmail: " + "a" * 200_000 + "\n")
    mailbox.append_many("INBOX", [samples.wpforms(), hostile, samples.direct()])
    account = account_for(mailbox)
    writes_seen = []

    def judge(raw, **kw):
        if len(raw) > 100_000:  # as the slow message is judged, the window writes from its own connection
            other = sqlite3.connect(store / "leadbook.sqlite3", timeout=0)
            try:
                with other:
                    other.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('from_the_window', 'yes')")
                writes_seen.append("written")
            finally:
                other.close()
        return classify(raw, **kw)

    with mock.patch("sync.mail.capture.classify", judge):
        result = capture_account(account)
    assert result.ok, result.errors
    assert writes_seen == ["written"] and settings.get("from_the_window") == "yes"
    assert result.counts["lead"] == 2 and result.longest_write > 0


def test_a_batch_sees_its_own_earlier_messages(mailbox):
    """Judged before any is stored, a batch still threads: a reply and a second form find the first one's lead."""
    first = samples.wpforms(name="Nina Berg", email="nina.berg@example.com")
    mailbox.append_many("INBOX", [first, samples.reply_from("nina.berg@example.com", samples.mid_of(first)),
                                  samples.wpforms(name="Nina Berg", email="nina.berg@example.com")])
    result = capture_account(account_for(mailbox))
    assert result.ok and result.counts == {"lead": 1, "reply": 2}
    nina = lead_by_email("nina.berg@example.com")
    assert Lead.select().count() == 1 and nina.awaiting_since is not None
    kinds = sorted(a.kind for a in Activity.select().where(Activity.lead == nina.id))
    assert kinds == ["created", "email_in", "email_in"]


def test_a_long_batch_is_stored_in_short_transactions(mailbox, monkeypatch):
    """Storing stops taking messages after STORE_SECONDS: a batch spans several commits, the cursor moves with each."""
    mailbox.append_many("INBOX", [samples.wpforms(name=f"Lead {n}", email=f"lead{n}@example.com",
                                                  phone=f"+1 415 555 01{n}0") for n in range(6)])
    monkeypatch.setattr("sync.mail.capture.STORE_SECONDS", 0)  # one message per transaction
    cursors = []
    real = capture_mod._move_cursor
    monkeypatch.setattr("sync.mail.capture._move_cursor", lambda *a: (cursors.append(a[-1]), real(*a)))
    result = capture_account(account_for(mailbox))
    assert result.ok and result.counts["lead"] == 6 and Lead.select().count() == 6
    assert len(cursors) == 6 and cursors == sorted(cursors)


def test_a_pass_past_its_time_limit_stops_between_batches_and_the_next_goes_on(mailbox):
    """With its time limit reached, a pass stops after a committed batch and says so; the next pass reads the rest."""
    mailbox.append_many("INBOX", [samples.wpforms(name=f"Lead {n}", email=f"lead{n}@example.com",
                                                  phone=f"+1 415 555 02{n}0") for n in range(5)])
    account = account_for(mailbox)
    client = imap.connect(account, mailbox.password)
    try:
        first = capture_mod.run_pass(client, account, batch=2, limit=0)
        assert first.unfinished and first.counts["lead"] == 2 and first.as_dict()["unfinished"]
        second = capture_mod.run_pass(client, account, batch=2)
    finally:
        imap.disconnect(client)
    assert not second.unfinished and second.counts["lead"] == 3 and Lead.select().count() == 5
