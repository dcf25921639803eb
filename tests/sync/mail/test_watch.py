"""The per-account watcher thread: IDLE, polling, check now, back-off and recovery, prompt stop."""
from __future__ import annotations

import threading
import time
from unittest import mock

import mail_samples as samples
import pytest
from imap_server import new_mailbox

from models import settings
from models.tables import Lead, MailAccount
from sync.mail import accounts
from sync.mail.watch import Watcher

pytestmark = pytest.mark.imap


@pytest.fixture(autouse=True)
def _owner(store, keyring_tmp):
    settings.put("my_addresses", samples.OWNER)


class Events:
    """Collects the watcher's callbacks and lets a test wait for one that matches."""

    def __init__(self) -> None:
        self.results, self.errors = [], []
        self._changed = threading.Condition()

    def on_result(self, result) -> None:
        with self._changed:
            self.results.append(result)
            self._changed.notify_all()

    def on_error(self, name: str, message: str) -> None:
        with self._changed:
            self.errors.append((name, message))
            self._changed.notify_all()

    def wait(self, predicate, timeout: float = 10.0) -> bool:
        """Until predicate() holds; re-checked often, since the watcher's state changes between callbacks."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
            return True


def _account(mb, name="Work") -> str:
    return accounts.add_account(name, mb.server.host, port=mb.server.port, security="none", username=mb.user,
                                password=mb.password).id


@pytest.fixture
def watch():
    started = []

    def start(account_id, events, **kw):
        watcher = Watcher(account_id, events.on_result, events.on_error, **kw)
        started.append(watcher)
        watcher.start()
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


def test_idle_delivers_new_mail_within_seconds(mailbox, watch):
    """With IDLE, a message APPENDed while the watcher waits is captured within a few seconds."""
    events = Events()
    watcher = watch(_account(mailbox), events)
    assert events.wait(lambda: events.results and watcher.state == "idle")
    appended = time.monotonic()
    mailbox.append("INBOX", samples.squarespace())
    assert events.wait(lambda: any(r.counts["lead"] for r in events.results), timeout=10)
    assert time.monotonic() - appended < 5
    assert Lead.select().where(Lead.email == "olivia.smith@example.org").exists()
    assert not events.errors


def test_check_now_wakes_a_polling_watcher(mailbox, watch):
    """Without IDLE the watcher polls; check_now() runs a pass at once instead of after the interval."""
    events = Events()
    with mock.patch("imapclient.IMAPClient.has_capability", lambda self, cap: cap.upper() != "IDLE"):
        watcher = watch(_account(mailbox), events, poll_seconds=300)
        assert events.wait(lambda: events.results and watcher.state == "polling")
        mailbox.append("INBOX", samples.formspree())
        watcher.check_now()
        assert events.wait(lambda: any(r.counts["lead"] for r in events.results), timeout=5)
    assert len(events.results) == 2


def test_backs_off_while_the_server_is_away_and_recovers(private_server, watch):
    """Server gone: errors reported with growing delays, nothing raised; back again: mail arrives, delay reset."""
    mb = new_mailbox(private_server)
    events = Events()
    watcher = watch(_account(mb), events, backoff_start=0.2, backoff_max=0.8)
    assert events.wait(lambda: events.results and watcher.state == "idle")
    private_server.stop()
    assert events.wait(lambda: len(events.errors) >= 3, timeout=15)
    assert watcher.is_alive() and all(name == "Work" for name, _ in events.errors)
    assert "Work" in events.errors[-1][1] and watcher.delay > 0.2
    assert MailAccount.get(MailAccount.name == "Work").last_error
    private_server.start()
    mb.append("INBOX", samples.callrail())
    assert events.wait(lambda: any(r.counts["lead"] for r in events.results), timeout=15)
    assert events.wait(lambda: watcher.delay == 0.0, timeout=5)
    assert Lead.select().count() == 1


def test_stop_returns_promptly(mailbox, watch):
    """stop() ends an idling watcher within about two seconds."""
    events = Events()
    watcher = watch(_account(mailbox), events)
    assert events.wait(lambda: events.results and watcher.state == "idle")
    started = time.monotonic()
    watcher.stop()
    assert not watcher.is_alive() and time.monotonic() - started < 2.5
    assert watcher.state == "stopped"


def test_a_faulty_callback_does_not_stop_the_watcher(mailbox, watch):
    """An exception in on_result is logged; the watcher keeps capturing."""
    events = Events()
    calls = []

    def boom(result):
        calls.append(result)
        events.on_result(result)
        raise RuntimeError("UI bug")

    watcher = Watcher(_account(mailbox), boom, events.on_error)
    watcher.start()
    try:
        assert events.wait(lambda: watcher.state == "idle")
        mailbox.append("INBOX", samples.direct())
        assert events.wait(lambda: len(calls) >= 2)
        assert watcher.is_alive()
    finally:
        watcher.stop()
