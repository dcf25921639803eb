"""The desktop's mail watchers against a real Dovecot: results arrive by signal, errors show and retry."""
from __future__ import annotations

import mail_samples as samples  # noqa: E402
import pytest
from imap_server import ImapServer, free_port  # noqa: E402
from PySide6.QtCore import QObject

from desktop.mail_watch import NO_INBOX, MailWatchers, ago
from models import settings
from models.tables import Lead
from sync.mail import accounts

pytestmark = pytest.mark.gui
FAST = dict(poll_seconds=60, idle_check=0.2, backoff_start=0.3, backoff_max=1.0, timeout=10)


class Tray:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, text: str) -> None:
        self.shown.append((title, text))


class FakeWindow(QObject):
    """Stands in for the main window: only its `tray` matters to the watchers."""

    def __init__(self) -> None:
        super().__init__()
        self.tray = Tray()


@pytest.fixture
def window(qapp):
    win = FakeWindow()
    yield win
    win.deleteLater()


@pytest.fixture
def make_watchers(controller, window, keyring_tmp):
    made: list[MailWatchers] = []

    def make(**options) -> MailWatchers:
        watchers = MailWatchers(controller, window, **{**FAST, **options})
        made.append(watchers)
        return watchers

    yield make
    for watchers in made:
        watchers.stop()


def _account(imap_server: ImapServer, name: str = "Shop") -> tuple[str, str]:
    user, password = imap_server.new_user()
    accounts.add_account(name, imap_server.host, port=imap_server.port, security="none", username=user,
                         password=password)
    return user, password


@pytest.mark.imap
def test_a_message_appended_to_the_server_becomes_a_lead_and_data_changed_fires(imap_server, make_watchers, controller,
                                                                                  window, qtbot):
    """A watcher per account captures a message APPENDed to the real server; data_changed fires on the UI thread."""
    settings.put("my_addresses", samples.OWNER)
    user, _ = _account(imap_server)
    watchers = make_watchers()
    with qtbot.wait_signal(watchers.pass_finished, timeout=15000):
        watchers.start()
    assert watchers.status.startswith("Mail checked just now")
    imap_server.append("INBOX", samples.squarespace(), user=user)
    with qtbot.wait_signal(controller.data_changed, timeout=15000):
        pass
    assert Lead.select().where(Lead.email == "olivia.smith@example.org").exists()
    qtbot.waitUntil(lambda: "1 new inquiry" in watchers.status, timeout=5000)
    qtbot.waitUntil(lambda: bool(window.tray.shown), timeout=5000)
    assert window.tray.shown[0] == ("New inquiry", "Olivia Smith")


@pytest.mark.imap
def test_no_notification_when_switched_off(imap_server, make_watchers, controller, window, qtbot):
    """With 'notify_new' off a new inquiry refreshes the views but shows no desktop notification."""
    settings.put("notify_new", "0")
    user, _ = _account(imap_server)
    watchers = make_watchers()
    with qtbot.wait_signal(watchers.pass_finished, timeout=15000):
        watchers.start()
    imap_server.append("INBOX", samples.wpforms(), user=user)
    with qtbot.wait_signal(controller.data_changed, timeout=15000):
        pass
    qtbot.wait(300)
    assert window.tray.shown == []


@pytest.mark.imap
def test_check_now_runs_a_pass_on_a_polling_watcher(imap_server, make_watchers, controller, qtbot, monkeypatch):
    """F5 (check_now) wakes a watcher that polls (no IDLE) and the new message arrives at once."""
    from sync.mail import watch

    monkeypatch.setattr(watch.Watcher, "_wait", lambda self, client, account: self._sleep(self.poll_seconds))
    user, _ = _account(imap_server)
    watchers = make_watchers(poll_seconds=600)
    with qtbot.wait_signal(watchers.pass_finished, timeout=15000):
        watchers.start()
    imap_server.append("INBOX", samples.contact_form_7(), user=user)
    with qtbot.wait_signal(controller.data_changed, timeout=10000):
        watchers.check_now()
    assert Lead.select().where(Lead.email == "maria.gonzalez@example.org").exists()


def test_an_unreachable_server_shows_in_the_status_bar_and_is_retried(make_watchers, controller, qtbot, keyring_tmp):
    """A server that refuses connections gives a status-bar error naming the account; the watcher keeps retrying."""
    accounts.add_account("Shop", "127.0.0.1", port=free_port(), security="none", username="shop@example.com",
                         password="x", test=False)
    watchers = make_watchers()
    texts: list[str] = []
    controller.mail_status_changed.connect(texts.append)
    watchers.start()
    qtbot.waitUntil(lambda: any("refused" in t for t in texts), timeout=10000)
    text = next(t for t in texts if "refused" in t)
    assert text.startswith("Mail: Shop — ") and "refused the connection" in text
    [watcher] = watchers.watchers()
    qtbot.waitUntil(lambda: watcher.delay > 0.3, timeout=10000)  # backed off and tried again
    assert watcher.is_alive()


@pytest.mark.imap
def test_restart_follows_account_changes(imap_server, make_watchers, qtbot):
    """No account: the status says so; after an account is added, restart() starts its watcher."""
    watchers = make_watchers()
    watchers.start()
    assert watchers.status == NO_INBOX and watchers.watchers() == []
    _account(imap_server)
    with qtbot.wait_signal(watchers.pass_finished, timeout=15000):
        watchers.restart()
    assert len(watchers.watchers()) == 1
    watchers.stop()
    assert watchers.watchers() == []


def test_ago_text():
    """The status bar's age reads naturally."""
    assert (ago(5), ago(125), ago(7200)) == ("just now", "2 min ago", "2 h ago")
