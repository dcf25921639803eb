"""The mail watchers in the desktop app: one sync.mail.watch.Watcher thread per account.

The watchers are plain threads (sync knows no Qt) and call back on their own thread. A
small QObject living on the UI thread turns those callbacks into signals, connected
queued, so every slot here runs on the UI thread. Results refresh the views, keep the
status bar's "Mail checked 2 min ago · 3 new inquiries" fresh and announce new inquiries
through the tray; errors show in the status bar while the watcher retries with back-off. An
account whose OAuth grant was revoked gets a "Sign in again" button in the status bar.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QPushButton

from models.mail import inquiry_notice

from .controller import Controller
from .sign_in import SignIn

if TYPE_CHECKING:  # sync.mail (imapclient, keyring, the classifier) loads off the UI thread, after start-up
    from sync.mail.accounts import AccountInfo
    from sync.mail.capture import PassResult
    from sync.mail.watch import Watcher

log = logging.getLogger("leadbook.desktop.mail")

NO_INBOX = "Mail: no inbox connected — add one in Settings (Ctrl+,)"


class _Bridge(QObject):
    """Lives on the UI thread; its signals are emitted from watcher threads (queued delivery)."""

    result_arrived = Signal(str, object)  # account id, PassSummary
    error_occurred = Signal(str, str, str)  # account id, account name, message


@dataclass(frozen=True)
class PassSummary:
    """Plain data copied out of a PassResult on the watcher thread."""

    account: str
    counts: dict[str, int]
    leads: tuple[str, ...]
    error: str | None


@dataclass
class _AccountState:
    name: str
    checked_at: float | None = None  # time.monotonic() of the last finished pass
    error: str | None = None
    new_leads: int = 0  # inquiries captured since the app started
    watcher: Watcher | None = field(default=None, repr=False)  # noqa: F821


def _load_accounts() -> list[AccountInfo]:
    """The accounts; importing sync.mail here keeps its cost off the UI thread and out of start-up."""
    from sync.mail import accounts, watch  # noqa: F401

    return accounts.list_accounts()


def ago(seconds: float) -> str:
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"


def _short_error(name: str, message: str) -> str:
    """'Mail account 'shop' (host:993): the server …' -> 'the server …' (the name is shown already)."""
    for prefix in (f"Mail account '{name}': ",):
        if message.startswith(prefix):
            return message[len(prefix):]
    if message.startswith(f"Mail account '{name}' (") and "): " in message:
        return message.split("): ", 1)[1]
    return message


class MailWatchers(QObject):
    """start() a watcher per account, check_now(), restart() after Settings, stop() at exit."""

    status_changed = Signal(str)  # the status-bar text (also reported through the controller)
    pass_finished = Signal(str)  # account id: a pass has been handled on the UI thread (tests)

    def __init__(self, controller: Controller, parent: QObject | None = None, **watcher_options: Any):
        super().__init__(parent)
        self.controller = controller
        self.window = parent
        self.watcher_options = watcher_options  # poll_seconds, ssl_context, backoff_start … (tests)
        self._bridge = _Bridge(self)
        self._bridge.result_arrived.connect(self._on_result_arrived, Qt.ConnectionType.QueuedConnection)
        self._bridge.error_occurred.connect(self._on_error_occurred, Qt.ConnectionType.QueuedConnection)
        self._states: dict[str, _AccountState] = {}
        self._generation = 0
        self._started = False
        self.status = ""
        self._tick = QTimer(self, interval=30_000)
        self._tick.timeout.connect(self._update_status)
        self.signing_in = SignIn(controller, watcher_options.pop("open_browser", None))
        self.sign_in_button: QPushButton | None = None  # made when an account first needs it
        self.sign_in_account: str | None = None  # the name of the account it signs in to

    # --- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Read the accounts (off the UI thread) and start one watcher per account."""
        self._started = True
        self._generation += 1
        generation = self._generation
        self.controller.read(_load_accounts, lambda infos: self._start_watchers(generation, infos))

    def _start_watchers(self, generation: int, infos: list[AccountInfo]) -> None:
        if generation != self._generation or not self._started:
            return
        from sync.mail.watch import Watcher  # already imported by _load_accounts

        self._states = {}
        for info in infos:
            state = _AccountState(info.name, error=info.last_error)
            watcher = Watcher(info.id, self._callback_result(info.id), self._callback_error(info.id),
                              **self.watcher_options)
            state.watcher = watcher
            self._states[info.id] = state
            watcher.start()
        if self._states:
            self._tick.start()
        self._update_status()

    def _callback_result(self, account_id: str):
        bridge = self._bridge

        def on_result(result: PassResult) -> None:  # on the watcher thread
            summary = PassSummary(result.account, dict(result.counts), tuple(result.leads), result.error)
            bridge.result_arrived.emit(account_id, summary)
        return on_result

    def _callback_error(self, account_id: str):
        bridge = self._bridge

        def on_error(name: str, message: str) -> None:  # on the watcher thread
            bridge.error_occurred.emit(account_id, name, message)
        return on_error

    def check_now(self) -> None:
        """A pass on every account as soon as possible (F5); starts watchers that are not running."""
        if not self._started:
            self.start()
            return
        dead = [s for s in self._states.values() if s.watcher is None or not s.watcher.is_alive()]
        if dead or not self._states:
            self.restart()
            return
        for state in self._states.values():
            if state.watcher is not None:
                state.watcher.check_now()
        self._set_status(self._compose(checking=True))

    def restart(self) -> None:
        """Accounts changed (Settings): stop the watchers without waiting and start fresh ones."""
        self._halt(wait=0.0)
        self.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every watcher (at exit): each is told first, then each is joined."""
        self._started = False
        self._generation += 1
        self._halt(wait=timeout)
        self._tick.stop()

    def _halt(self, wait: float) -> None:
        watchers = [s.watcher for s in self._states.values() if s.watcher is not None]
        self._states = {}
        for watcher in watchers:
            watcher.stop(timeout=0)  # signal all at once: no serial waits
        deadline = time.monotonic() + wait
        for watcher in watchers:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                watcher.join(remaining)

    def watchers(self) -> list[Watcher]:
        return [s.watcher for s in self._states.values() if s.watcher is not None]

    # --- results (UI thread) ---------------------------------------------------------------------
    @Slot(str, object)
    def _on_result_arrived(self, account_id: str, summary: PassSummary) -> None:
        state = self._states.get(account_id)
        if state is not None:
            state.checked_at = time.monotonic()
            state.error = summary.error
            state.new_leads += summary.counts.get("lead", 0)
            if summary.error is None and state.name == self.sign_in_account:
                self._offer_sign_in(None)
        if any(summary.counts.values()):
            self.controller.refresh()
        new = summary.counts.get("lead", 0)
        if new and summary.leads:
            self._announce(list(summary.leads), new)
        self._update_status()
        self.pass_finished.emit(account_id)

    @Slot(str, str, str)
    def _on_error_occurred(self, account_id: str, name: str, message: str) -> None:
        state = self._states.get(account_id)
        if state is not None:
            state.error = message
        log.info("mail: %s", message)
        from sync.mail.oauth import asks_sign_in  # loaded with the watchers

        if asks_sign_in(message):
            self._offer_sign_in(name)
        self._update_status()

    # --- a revoked grant: "Sign in again" in the status bar ---------------------------------------
    def _offer_sign_in(self, name: str | None) -> None:
        """Show the button for this account (None hides it)."""
        self.sign_in_account = name
        if self.sign_in_button is None:
            if name is None:
                return
            self.sign_in_button = QPushButton("Sign in again")
            self.sign_in_button.clicked.connect(self.sign_in_again)
            status_bar = getattr(self.window, "statusBar", None)
            if callable(status_bar):
                status_bar().addPermanentWidget(self.sign_in_button)
        self.sign_in_button.setToolTip(f"Mail account '{name}' needs a new sign-in through your browser" if name
                                       else "")
        self.sign_in_button.setVisible(name is not None or self.signing_in.running)

    def sign_in_again(self) -> None:
        """Sign the account in through the browser again, then restart its watcher; the button cancels meanwhile."""
        if self.signing_in.running:
            self.signing_in.cancel()
            return
        name = self.sign_in_account
        if name is None or self.sign_in_button is None:
            return
        from sync.mail import accounts

        ssl_context = self.watcher_options.get("ssl_context")
        self.signing_in.start(self.sign_in_button,
                              lambda browser: accounts.sign_in_again(name, browser, ssl_context=ssl_context),
                              lambda _info: self._signed_in(name), self.controller.warn)

    def _signed_in(self, name: str) -> None:
        self._offer_sign_in(None)
        self.controller.inform(f"Signed in to '{name}' again: its mail is read from now on.")
        self.restart()

    def _announce(self, lead_ids: list[str], count: int) -> None:
        tray = getattr(self.window, "tray", None)
        if tray is None or not hasattr(tray, "notify"):
            return

        def show(names: list[str] | None) -> None:
            if names is None:  # notifications are off
                return
            title = "New inquiry" if count == 1 else f"{count} new inquiries"
            text = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            try:
                tray.notify(title, text or "Open Leadbook to respond.")
            except Exception:  # noqa: BLE001 - a notification must never break capture
                log.warning("desktop notification failed", exc_info=True)

        self.controller.read(lambda: inquiry_notice(lead_ids), show)

    # --- the status text -------------------------------------------------------------------------
    def _compose(self, checking: bool = False) -> str:
        if not self._states:
            return NO_INBOX if self._started else ""
        errors = [(s.name, s.error) for s in self._states.values() if s.error]
        if errors:
            name, error = errors[0]
            more = f" (and {len(errors) - 1} more account(s))" if len(errors) > 1 else ""
            return f"Mail: {name} — {_short_error(name, error)}{more}"
        if checking:
            return "Mail: checking…"
        checked = [s.checked_at for s in self._states.values() if s.checked_at is not None]
        if not checked:
            return "Mail: connecting…"
        text = f"Mail checked {ago(time.monotonic() - min(checked))}"
        new = sum(s.new_leads for s in self._states.values())
        if new:
            text += f" · {new} new inquir{'y' if new == 1 else 'ies'}"
        return text

    def _update_status(self) -> None:
        self._set_status(self._compose())

    def _set_status(self, text: str) -> None:
        if text and text != self.status:
            self.status = text
            self.status_changed.emit(text)
            self.controller.report_mail_status(text)
