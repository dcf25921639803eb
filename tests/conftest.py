"""Shared fixtures: a real SQLite data folder per test, a real Dovecot on loopback, a keyring
in a temporary file; Qt offscreen before Qt loads."""
from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyrings.alt.file import PlaintextKeyring  # noqa: E402

from models import db, stages  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/: imap_server, mail_samples

from imap_server import DOVECOT, ImapServer, Mailbox, new_mailbox  # noqa: E402
from oauth_server import AuthServer  # noqa: E402

ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Without Qt installed the GUI tests cannot even be imported: `pytest -m "not gui"` still runs. Not on CI,
# where a missing Qt must fail the run, not hide the GUI tests.
collect_ignore = [] if ON_CI or importlib.util.find_spec("PySide6") else ["desktop"]

# On CI a skipped test is a test that did not run, so it fails the run unless it is listed here with why.
ALLOWED_SKIPS = {
    "tests/sync/mail/test_classify.py::test_cpython_email_corpus":
        "CPython's email test corpus ships only with some Python builds (Debian's needs libpython3-testsuite)",
    "tests/sync/mail/test_cli_mail.py::test_parse_email_survives_the_python_email_corpus":
        "CPython's email test corpus ships only with some Python builds (Debian's needs libpython3-testsuite)",
}

# Tests that use these start (or share) a real Dovecot and carry the imap marker; no other test does.
SERVER_FIXTURES = {"imap_server", "private_server", "oauth_imap"}


def _starts_a_server(item: pytest.Item) -> bool:
    if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    return function is not None and "ImapServer(" in inspect.getsource(function)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The imap marker says exactly which tests start a mail server: `-m "not imap"` must mean no server."""
    wrong = [f"{item.nodeid}: {'starts a server without' if starts else 'marked but starts no server:'} "
             "@pytest.mark.imap"
             for item in items
             for starts in (_starts_a_server(item),)
             if starts != (item.get_closest_marker("imap") is not None)]
    if wrong:
        raise pytest.UsageError("imap markers do not match the tests that start a server:\n" + "\n".join(wrong))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On CI an unlisted skip is a failure that says why it skipped (see ALLOWED_SKIPS)."""
    outcome = yield
    _fail_unlisted_skip(outcome.get_result(), item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A module that skips itself at import (importorskip, a module-level skip) is not spared either."""
    outcome = yield
    _fail_unlisted_skip(outcome.get_result(), collector.nodeid)


def _fail_unlisted_skip(report: pytest.TestReport | pytest.CollectReport, nodeid: str) -> None:
    if not ON_CI or not report.skipped or hasattr(report, "wasxfail") or nodeid in ALLOWED_SKIPS:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (f"{nodeid} skipped on CI ({reason}): a skip hides what did not run. Fix the cause, "
                       "or add the test to ALLOWED_SKIPS in tests/conftest.py with the reason.")


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
def oauth_imap():
    """A Dovecot of this test's own that accepts only OAuth tokens, and the loopback authorization server
    that issues and checks them (tests/oauth_server.py); `.auth`, `.server` and an empty `.mailbox`."""
    reason = ImapServer.unavailable() or (None if DOVECOT else "token-only sign-in needs Dovecot")
    if reason:
        pytest.skip(reason)
    auth = AuthServer().start()
    server = ImapServer(oauth=auth).start()
    yield SimpleNamespace(auth=auth, server=server, mailbox=new_mailbox(server))
    server.cleanup()
    auth.stop()


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
