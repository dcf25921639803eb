"""Changing a mail account against a real Dovecot: tested first, cursors kept for the same mailbox."""
from __future__ import annotations

import mail_samples as samples
import pytest
from imap_server import new_mailbox

from models.clock import now
from models.errors import InvalidInput
from models.tables import MailAccount, MailCursor, MailMessage
from sync import credentials
from sync.mail import accounts, imap
from sync.mail.capture import capture_account

pytestmark = pytest.mark.imap


@pytest.fixture(autouse=True)
def _store(store, keyring_tmp):
    return store


def add(mb, name: str = "Shop") -> accounts.AccountInfo:
    return accounts.add_account(name, mb.server.host, port=mb.server.port, security="none", username=mb.user,
                                password=mb.password)


def change(info: accounts.AccountInfo, **kw) -> accounts.AccountInfo:
    values = dict(new_name=info.name, host=info.host, port=info.port, security=info.security,
                  username=info.username, folders=info.folders, sent_folder=info.sent_folder, since=info.since)
    return accounts.update_account(info.name, **(values | kw))


def test_renaming_keeps_cursors_and_the_password(mailbox):
    """A renamed account of the same mailbox reads nothing twice; its password stays with its id."""
    mailbox.append("INBOX", samples.wpforms())
    info = add(mailbox)
    capture_account(MailAccount.get_by_id(info.id))
    cursors = [(c.folder, c.last_uid) for c in MailCursor.select()]
    renamed = change(info, new_name="Shop inbox")
    assert renamed.id == info.id and renamed.name == "Shop inbox"
    assert [(c.folder, c.last_uid) for c in MailCursor.select()] == cursors
    assert credentials.get_password(info.id) == mailbox.password
    result = capture_account(MailAccount.get_by_id(info.id))
    assert result.seen == 0 and MailMessage.select().count() == 1


def test_another_mailbox_starts_afresh(imap_server, mailbox):
    """Pointing an account at another user forgets the old cursors (their UIDs mean nothing there)."""
    mailbox.append("INBOX", samples.wpforms())
    info = add(mailbox)
    capture_account(MailAccount.get_by_id(info.id))
    other = new_mailbox(imap_server)
    other.append("INBOX", samples.squarespace())
    change(info, username=other.user, password=other.password)
    assert MailCursor.select().count() == 0
    assert capture_account(MailAccount.get_by_id(info.id)).counts["lead"] == 1


def test_a_failed_test_changes_nothing(private_server):
    """Settings that cannot log in are refused with the reason; the account and its password stay as they were."""
    mb = new_mailbox(private_server)
    info = add(mb)
    with pytest.raises(imap.MailError) as error:
        change(info, new_name="Renamed", password="not-the-Passw0rd")
    assert "not-the-Passw0rd" not in str(error.value)
    assert accounts.list_accounts() == [info]
    assert credentials.get_password(info.id) == mb.password


def form(mb, name: str = "Shop", folders: tuple[str, ...] = ("INBOX",)) -> accounts.AccountForm:
    return accounts.AccountForm(name, mb.server.host, mb.server.port, "none", mb.user, folders, None, now())


def test_checking_the_form_stores_nothing(mailbox):
    """Test connection with the typed password logs in and says so; no account and no password are kept."""
    text = accounts.check_settings(form(mailbox), mailbox.password)
    assert text.startswith("OK: logged in") and mailbox.user in text
    assert accounts.list_accounts() == []


def test_checking_without_a_password_uses_the_stored_one_or_asks(mailbox):
    """No password typed: an existing account's stored one is used; a new form asks for one."""
    with pytest.raises(InvalidInput, match="Type the password"):
        accounts.check_settings(form(mailbox), None)
    add(mailbox)
    assert accounts.check_settings(form(mailbox), None, existing="Shop").startswith("OK: logged in")


def test_an_unencrypted_form_to_another_computer_is_refused(mailbox):
    """Security none is only for this computer: refused before any connection."""
    remote = accounts.AccountForm("Shop", "imap.example.com", 143, "none", "u", ("INBOX",), None, now())
    with pytest.raises(InvalidInput, match="only allowed to this computer"):
        accounts.check_settings(remote, "secret")


def test_saving_the_form_adds_then_changes_the_account(mailbox):
    """A new account needs its password; a change without one keeps the stored password."""
    mailbox.server.create_folder("Sent", user=mailbox.user)
    with pytest.raises(InvalidInput, match="password"):
        accounts.save_account(form(mailbox), None)
    assert accounts.list_accounts() == []
    added = accounts.save_account(form(mailbox), mailbox.password)
    assert credentials.get_password(added.id) == mailbox.password
    changed = accounts.save_account(form(mailbox, folders=("INBOX", "Sent")), None, existing="Shop")
    assert changed.id == added.id and accounts.list_accounts() == [changed]
    assert changed.folders == ("INBOX", "Sent")
    assert credentials.get_password(added.id) == mailbox.password
