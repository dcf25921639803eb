"""A watcher per account: capture passes driven by IMAP IDLE, or by polling where IDLE is missing.

A plain thread (no Qt: the desktop wraps the callbacks in signals) with its own IMAP
connection, because imapclient is not thread-safe, and its own database connection
(peewee keeps one per thread). Nothing escapes the thread: errors go to `on_error`,
network failures are retried with exponential back-off, and since the cursor is saved
only with each committed batch, no failure can lose or repeat mail.
"""
from __future__ import annotations

import logging
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable

import peewee as pw
from imapclient import IMAPClient

from models import db
from models.errors import LeadbookError
from models.tables import MailAccount, database

from . import imap, oauth
from .capture import PassResult, account_folders, record_check, run_pass

log = logging.getLogger("leadbook.mail.watch")

IDLE_RENEW = 9 * 60  # seconds: servers drop IDLE after 29-30 min; RFC 2177 asks to renew before
POLL = 120  # seconds between passes when the server has no IDLE


class Watcher(threading.Thread):
    """Keeps one account captured: a pass, then IDLE (or a poll interval), then a pass again.

    `on_result(result)` follows every pass and `on_error(account_name, message)` every
    failure; both are called from this thread.
    """

    def __init__(self, account_id: str, on_result: Callable[[PassResult], None],
                 on_error: Callable[[str, str], None], *, poll_seconds: float = POLL,
                 idle_renew: float = IDLE_RENEW, backoff_start: float = 5.0, backoff_max: float = 300.0,
                 idle_check: float = 1.0, ssl_context: ssl.SSLContext | None = None, timeout: float = 30,
                 batch: int = 200, password: str | None = None) -> None:
        super().__init__(name=f"leadbook-mail-{account_id[:8]}", daemon=True)
        self.account_id = account_id
        self.on_result, self.on_error = on_result, on_error
        self.poll_seconds, self.idle_renew, self.idle_check = poll_seconds, idle_renew, idle_check
        self.backoff_start, self.backoff_max = backoff_start, backoff_max
        self.ssl_context, self.timeout, self.batch = ssl_context, timeout, batch
        self._password = password
        self._halt = threading.Event()
        self._wake = threading.Event()
        self.delay = 0.0  # the current back-off; 0 while healthy
        self.state = "starting"  # connecting | capturing | idle | polling | backoff | stopped
        self.passes = 0

    # --- control (any thread) ----------------------------------------------------------

    def check_now(self) -> None:
        """Run a pass as soon as possible (also cuts a back-off wait short)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread: it notices within about `idle_check` seconds, or after the current batch."""
        self._halt.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._halt.is_set()

    # --- the thread ------------------------------------------------------------------------

    def run(self) -> None:
        try:
            with database.connection_context():
                self._loop()
        except Exception as exc:  # noqa: BLE001 - last resort: the thread must never die loudly
            log.exception("mail watcher crashed")
            self._emit_error(self.account_id, f"The mail watcher stopped unexpectedly ({type(exc).__name__}).")
        finally:
            self.state = "stopped"

    def _loop(self) -> None:
        client: IMAPClient | None = None
        delay = self.backoff_start
        try:
            while not self._halt.is_set():
                account = MailAccount.get_or_none(MailAccount.id == self.account_id)
                if account is None:  # removed while we watched
                    return
                try:
                    if client is None:
                        self.state = "connecting"
                        client = self._connect(account)
                    self.state = "capturing"
                    self._wake.clear()
                    result = run_pass(client, account, batch=self.batch, should_stop=self._halt.is_set)
                    record_check(account, result.error)
                    self.passes += 1
                    delay, self.delay = self.backoff_start, 0.0
                    self._emit_result(result)
                    if result.error:
                        self._emit_error(account.name, result.error)
                    if not result.unfinished:  # a pass stopped at its time limit goes on at once
                        self._wait(client, account)
                except Exception as exc:  # noqa: BLE001 - reported, then retried with back-off
                    message = self._describe(account, exc)
                    if client is not None:
                        imap.disconnect(client)
                        client = None
                    if self._halt.is_set():
                        return
                    try:
                        record_check(account, message)
                    except Exception:  # noqa: BLE001 - a busy database must not kill the watcher
                        log.warning("could not record the mail error", exc_info=True)
                    # a revoked grant waits for the new sign-in (check_now), not for time to pass
                    if isinstance(exc, oauth.SignInNeeded):
                        delay = self.backoff_max
                    self._emit_error(account.name, message)
                    self.state, self.delay = "backoff", delay
                    self._sleep(delay)
                    delay = min(delay * 2, self.backoff_max)
        finally:
            if client is not None:
                imap.disconnect(client)

    def _connect(self, account: MailAccount) -> IMAPClient:
        credential = self._password or oauth.account_credential(account)
        return imap.connect(account, credential, timeout=self.timeout, ssl_context=self.ssl_context)

    def _describe(self, account: MailAccount, exc: BaseException) -> str:
        if isinstance(exc, LeadbookError):
            return str(exc)
        if isinstance(exc, (pw.DatabaseError, sqlite3.Error)):  # a full disk, a lock held too long
            return str(db.translate(exc, database.database))
        if imap.is_network_error(exc):
            return str(imap.network_error(account, exc, self._password))
        log.error("mail watcher error", exc_info=exc)
        return f"Mail account '{account.name}': checking mail failed ({type(exc).__name__})."

    def _sleep(self, seconds: float) -> None:
        """Wait, but wake for check_now() or stop()."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _wait(self, client: IMAPClient, account: MailAccount) -> None:
        """Until new mail, check_now(), stop() or the renewal time: IDLE if possible, else poll."""
        if self._halt.is_set() or self._wake.is_set():
            return
        if not client.has_capability("IDLE"):
            self.state = "polling"
            self._sleep(self.poll_seconds)
            return
        self.state = "idle"
        imap.select_readonly(client, account_folders(account)[0])
        client.idle()
        started = time.monotonic()
        try:
            while not self._halt.is_set() and not self._wake.is_set():
                responses = client.idle_check(timeout=self.idle_check)
                if any(_means(r, b"BYE") for r in responses):
                    raise imap.MailConnectionError(f"Mail account '{account.name}': the server closed the "
                                                   "connection; it will be tried again.")
                if any(_means(r, b"EXISTS") for r in responses):
                    return
                # a pass on renewal also picks up the Sent folder, which IDLE on INBOX cannot see
                if time.monotonic() - started >= self.idle_renew:
                    return
        finally:
            try:
                client.idle_done()
            except Exception:  # noqa: BLE001 - when stopping, a dead connection does not matter
                if not self._halt.is_set():
                    raise

    def _emit_result(self, result: PassResult) -> None:
        try:
            self.on_result(result)
        except Exception:  # noqa: BLE001 - a faulty callback must not stop capture
            log.exception("on_result callback failed")

    def _emit_error(self, name: str, message: str) -> None:
        try:
            self.on_error(name, message)
        except Exception:  # noqa: BLE001
            log.exception("on_error callback failed")


def _means(response: object, word: bytes) -> bool:
    """An untagged response like (3, b'EXISTS') or (b'BYE', b'...')."""
    return isinstance(response, tuple) and any(part == word for part in response[:2])
