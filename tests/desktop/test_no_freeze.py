"""The window never freezes: slow mail work runs off the UI thread while the UI keeps ticking."""
from __future__ import annotations

import time

import mail_samples as samples  # noqa: E402
import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from desktop.account_dialog import AccountDialog
from desktop.controller import Controller
from desktop.mail_watch import MailWatchers
from models.tables import Lead
from sync.mail import accounts

pytestmark = pytest.mark.gui
SLOW = 3.0  # seconds the deliberately slow work takes


@pytest.fixture
def threaded(store, qapp):
    """A controller whose reads and writes really run on worker threads (as in the app)."""
    ctrl = Controller(store)
    yield ctrl
    ctrl.wait()
    ctrl.deleteLater()


class Ticker:
    """A 50 ms QTimer on the UI thread: counts ticks and the longest gap between two."""

    def __init__(self) -> None:
        self.ticks = 0
        self.max_gap = 0
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=50)
        self.timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self.clock.start()
        self._last = 0
        self.timer.start()

    def _on_timeout(self) -> None:
        elapsed = self.clock.elapsed()
        self.max_gap = max(self.max_gap, elapsed - self._last)
        self._last = elapsed
        self.ticks += 1

    def stop(self) -> None:
        self.timer.stop()
        elapsed = self.clock.elapsed()
        self.max_gap = max(self.max_gap, elapsed - self._last)


@pytest.mark.imap
def test_a_slow_capture_pass_does_not_freeze_the_ui(imap_server, threaded, keyring_tmp, qtbot, monkeypatch):
    """A capture pass made to take 3 s runs while a 50 ms UI timer keeps ticking (≥ 40 ticks, gaps < 200 ms)."""
    from sync.mail import watch

    real_pass = watch.run_pass

    def slow_pass(*args, **kwargs):
        time.sleep(SLOW)  # on the watcher thread: the UI must not notice
        return real_pass(*args, **kwargs)

    monkeypatch.setattr(watch, "run_pass", slow_pass)
    user, password = imap_server.new_user()
    accounts.add_account("Shop", imap_server.host, port=imap_server.port, security="none", username=user,
                         password=password)
    imap_server.append("INBOX", samples.squarespace(), user=user)
    watchers = MailWatchers(threaded, None, idle_check=0.2, poll_seconds=60)
    ticker = Ticker()
    started = time.monotonic()
    try:
        ticker.start()
        with qtbot.wait_signal(threaded.data_changed, timeout=int(SLOW * 1000) + 10_000):
            watchers.start()
        ticker.stop()
    finally:
        watchers.stop()
    took = time.monotonic() - started
    assert took >= SLOW
    assert Lead.select().where(Lead.email == "olivia.smith@example.org").exists()
    assert ticker.ticks >= 40, (ticker.ticks, took)
    assert ticker.max_gap < 200, ticker.max_gap


def test_a_slow_connection_test_does_not_freeze_the_ui(threaded, keyring_tmp, qtbot, monkeypatch):
    """"Test connection" waiting 3 s on the server leaves the UI responsive; the result arrives by signal."""
    from sync.mail import accounts

    def slow_check(*_args, **_kwargs):
        time.sleep(SLOW)
        return "OK: logged in (slowly)."

    monkeypatch.setattr(accounts, "check_settings", slow_check)
    dialog = AccountDialog(threaded)
    qtbot.add_widget(dialog)
    dialog.host.setText("127.0.0.1")
    dialog.username.setText("u")
    dialog.password.setText("p")
    ticker = Ticker()
    ticker.start()
    with qtbot.wait_signal(dialog.tested, timeout=int(SLOW * 1000) + 5000) as blocker:
        dialog.test_button.click()
        assert not dialog.test_button.isEnabled()  # busy, not blocked
    ticker.stop()
    assert blocker.args == [True, "OK: logged in (slowly)."]
    assert ticker.ticks >= 40 and ticker.max_gap < 200, (ticker.ticks, ticker.max_gap)
