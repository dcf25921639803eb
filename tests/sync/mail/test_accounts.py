"""Changing a mail account against a real Dovecot: tested first, cursors kept for the same mailbox."""
from __future__ import annotations

import mail_samples as samples
import pytest
from imap_server import new_mailbox

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


def test_renaming_keeps_cursors_and_moves_the_password(mailbox):
    """A renamed account of the same mailbox reads nothing twice; its password follows the new name."""
    mailbox.append("INBOX", samples.wpforms())
    info = add(mailbox)
    capture_account(MailAccount.get_by_id(info.id))
    cursors = [(c.folder, c.last_uid) for c in MailCursor.select()]
    renamed = change(info, new_name="Shop inbox")
    assert renamed.id == info.id and renamed.name == "Shop inbox"
    assert [(c.folder, c.last_uid) for c in MailCursor.select()] == cursors
    assert credentials.get_password("Shop inbox", mailbox.user) == mailbox.password
    assert credentials.get_password("Shop", mailbox.user) is None
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
    assert credentials.get_password("Shop", mb.user) == mb.password
