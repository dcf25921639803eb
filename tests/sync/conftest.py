"""Fixtures for sync tests: a real Dovecot on loopback, a keyring in a temporary file.

The `store` fixture (a fresh database in tmp_path) comes from tests/conftest.py.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: imap_server, mail_samples

from imap_server import ImapServer  # noqa: E402


@pytest.fixture(scope="session")
def imap_server():
    """One Dovecot (plain IMAP and IMAPS with a self-signed certificate) for the whole session."""
    reason = ImapServer.unavailable()
    if reason:
        pytest.skip(reason)
    server = ImapServer(tls=True).start()
    yield server
    server.cleanup()


@pytest.fixture
def private_server():
    """A Dovecot of this test's own, for tests that stop and restart the server."""
    reason = ImapServer.unavailable()
    if reason:
        pytest.skip(reason)
    server = ImapServer().start()
    yield server
    server.cleanup()


@dataclass
class Mailbox:
    server: ImapServer
    user: str
    password: str

    def append(self, folder: str, raw: bytes, **kw) -> int | None:
        return self.server.append(folder, raw, user=self.user, **kw)

    def append_many(self, folder: str, raws, **kw) -> list[int | None]:
        return self.server.append_many(folder, raws, user=self.user, **kw)


def new_mailbox(server: ImapServer) -> Mailbox:
    """A fresh, empty user on a running server: tests never see each other's mail."""
    user, password = server.new_user()
    return Mailbox(server, user, password)


@pytest.fixture
def mailbox(imap_server) -> Mailbox:
    return new_mailbox(imap_server)


@pytest.fixture
def keyring_tmp(tmp_path):
    """A real keyring backend (plaintext file) in the test's temporary folder."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
