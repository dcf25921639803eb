"""Mail passwords live in the keychain only (keyed by the account's id): not in the database, a log or an
error message."""
from __future__ import annotations

import logging
from pathlib import Path

import keyring
import mail_samples as samples
import pytest
from imap_server import new_mailbox
from keyring.backends.fail import Keyring as NoKeyring

from models import db
from models.tables import MailAccount
from sync import credentials
from sync.mail import accounts, imap, oauth
from sync.mail.capture import capture_account

SECRET = "Sup3r-Secret-Passw0rd"


@pytest.mark.imap
def test_password_goes_to_the_keychain_and_nowhere_else(store, keyring_tmp, private_server, caplog):
    """After add, a pass and a failed login, the password is in the keyring file only."""
    mailbox = new_mailbox(private_server)  # failed logins slow a shared server's later logins
    caplog.set_level(logging.DEBUG)
    info = accounts.add_account("Work", mailbox.server.host, port=mailbox.server.port, security="none",
                                username=mailbox.user, password=mailbox.password)
    mailbox.append("INBOX", samples.direct())
    assert capture_account(MailAccount.get_by_id(info.id)).ok
    assert credentials.get_password(info.id) == mailbox.password
    typo = accounts.add_account("Typo", mailbox.server.host, port=mailbox.server.port, security="none",
                         username=mailbox.user, password=SECRET, test=False)
    failed = capture_account(MailAccount.get(MailAccount.name == "Typo"))
    with pytest.raises(imap.MailAuthError) as refused:
        accounts.add_account("Again", mailbox.server.host, port=mailbox.server.port, security="none",
                             username=mailbox.user, password=SECRET)
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    files = [p for p in Path(store).iterdir() if p.name.startswith(db.DB_NAME)]
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data and mailbox.password.encode() not in data, path
    assert keyring_tmp.get_password(credentials.SERVICE, f"account:{typo.id}") == SECRET  # the keyring file
    for text in (caplog.text, failed.error, str(refused.value), MailAccount.get(MailAccount.name == "Typo").last_error):
        assert SECRET not in text and mailbox.password not in text


def test_no_keychain_gives_one_clear_sentence(store):
    """Without any keychain backend the user is told so, and nothing is stored elsewhere."""
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        with pytest.raises(credentials.KeychainError, match="No system keychain is available") as error:
            credentials.set_password("some-account-id", SECRET)
        assert "does not store passwords anywhere else" in str(error.value) and SECRET not in str(error.value)
        with pytest.raises(credentials.KeychainError):
            accounts.add_account("Work", "127.0.0.1", port=1, security="none", username="u", password=SECRET,
                                 test=False)
        assert not MailAccount.select().exists()
    finally:
        keyring.set_keyring(previous)


def test_delete_forgets_and_tolerates_a_missing_entry(keyring_tmp):
    """delete_password removes the entry; deleting again is not an error."""
    credentials.set_password("id-1", SECRET)
    credentials.delete_password("id-1")
    assert credentials.get_password("id-1") is None
    credentials.delete_password("id-1")


def _add_in(folder: Path, password: str) -> str:
    """Open `folder` as the data folder and add an account named Shop for the same user; its id."""
    db.open_database(folder)
    try:
        return accounts.add_account("Shop", "127.0.0.1", port=1, security="none", username="me@example.com",
                                    password=password, test=False).id
    finally:
        db.close_database()


def test_two_data_folders_with_the_same_account_keep_their_own_passwords(tmp_path, keyring_tmp):
    """Same account name and user in two data folders: separate secrets; removing one leaves the other."""
    first, second = _add_in(tmp_path / "a", SECRET), _add_in(tmp_path / "b", "Other-Passw0rd")
    assert credentials.get_password(first) == SECRET and credentials.get_password(second) == "Other-Passw0rd"
    db.open_database(tmp_path / "b")
    try:
        accounts.remove_account("Shop")
    finally:
        db.close_database()
    assert credentials.get_password(second) is None and credentials.get_password(first) == SECRET


def test_an_entry_under_the_old_name_key_is_moved_to_the_id(store, keyring_tmp):
    """A password stored by older versions under name:user is read once, then kept under the id only."""
    info = accounts.add_account("Shop", "127.0.0.1", port=1, security="none", username="me@example.com",
                                test=False)
    keyring_tmp.set_password(credentials.SERVICE, "Shop:me@example.com", SECRET)
    assert oauth.account_credential(MailAccount.get_by_id(info.id)) == SECRET
    assert keyring_tmp.get_password(credentials.SERVICE, f"account:{info.id}") == SECRET
    assert keyring_tmp.get_password(credentials.SERVICE, "Shop:me@example.com") is None
    assert credentials.get_password(info.id) == SECRET


def test_refresh_tokens_are_kept_apart_from_passwords(keyring_tmp):
    """An OAuth refresh token has its own entry per account id; deleting it leaves a password alone."""
    credentials.set_password("id-1", SECRET)
    credentials.set_refresh_token("id-1", "refresh-1")
    assert credentials.get_refresh_token("id-1") == "refresh-1"
    credentials.delete_refresh_token("id-1")
    assert credentials.get_refresh_token("id-1") is None and credentials.get_password("id-1") == SECRET
