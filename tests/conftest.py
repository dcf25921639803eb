"""Shared fixtures: a real SQLite data folder per test, a real Dovecot on loopback, a keyring
in a temporary file; Qt offscreen before Qt loads."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyrings.alt.file import PlaintextKeyring  # noqa: E402

from models import db, stages  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/: imap_server, mail_samples

from imap_server import ImapServer, Mailbox, new_mailbox  # noqa: E402

# Without Qt installed the GUI tests cannot even be imported: `pytest -m "not gui"` still runs.
collect_ignore = [] if importlib.util.find_spec("PySide6") else ["desktop"]


@pytest.fixture
def store(tmp_path):
    """A fresh database file in a temporary data folder, with the default stages."""
    db.open_database(tmp_path)
    stages.ensure_defaults()
    yield tmp_path
    db.close_database()


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
