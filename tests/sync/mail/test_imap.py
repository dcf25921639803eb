"""IMAP connections: plain text only to this computer."""
from __future__ import annotations

import pytest

from models.errors import InvalidInput
from models.tables import MailAccount
from sync.mail import accounts, imap


def test_unencrypted_connection_refused_to_remote_host(store, keyring_tmp):
    """--security none is only for loopback: refused for a remote host before any connection is made."""
    with pytest.raises(InvalidInput, match="only allowed to this computer"):
        accounts.add_account("Remote", "mail.example.com", security="none", username="u", password="p")
    remote = MailAccount(name="Remote", host="203.0.113.5", port=143, security="none", username="u")
    with pytest.raises(imap.MailError, match="only allowed"):
        imap.connect(remote, "p")
    assert imap.is_loopback("127.0.0.2") and imap.is_loopback("::1") and imap.is_loopback("localhost")
