"""IMAP connection and read-only, incremental fetching (imapclient).

One client per thread (imapclient is not thread-safe). Folders are selected read-only
and bodies read with BODY.PEEK, so the owner's unread marks never change. Huge messages
are read as header + the first 256 KB of the body: a 40 MB attachment is never downloaded
to find the text. Errors become one clear sentence naming the account; a password is
never part of any message.

Every command has an overall deadline, not just imapclient's per-read timeout: a server
that trickles a byte every few seconds would otherwise hold a read (and a pass) forever.
A watchdog shuts the socket down when the deadline passes, which ends any blocked read;
a command whose answer keeps arriving at SLOWEST bytes/s or faster (a big FETCH) gets
the time that takes on top.
"""
from __future__ import annotations

import functools
import imaplib
import inspect
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from imapclient import IMAPClient, imap4, tls
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from models.errors import LeadbookError

SECURITY = {"ssl": 993, "starttls": 143, "none": 143}  # mode -> default port
HUGE = 2_000_000  # bytes: above this only the header and the start of the text are read
TEXT_PART = 262_144  # bytes of body read from a huge message
SLOWEST = 50_000  # bytes/s: a command's deadline grows by the time its data takes to arrive at this rate
DEADLINE_ENV = "LEADBOOK_MAIL_DEADLINE"  # seconds: replaces every command's deadline (slow links, tests)
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "INBOX.Sent", "INBOX/Sent", "Sent Mail", "Gesendet",
              "Gesendete Elemente", "Gesendete Objekte", "Envoyés", "Éléments envoyés", "Enviados",
              "Elementos enviados", "Posta inviata", "Verzonden items", "[Gmail]/Sent Mail",
              "[Google Mail]/Gesendet")


class MailError(LeadbookError):
    """A mail account cannot be read; the message names the account and what to do."""


class MailAuthError(MailError):
    """The server refused the user name or password."""


class MailConnectionError(MailError):
    """The server is unreachable, dropped the connection or failed TLS: retried later."""


class FolderError(MailError):
    """A configured folder does not exist (any more) on the server."""


class DeadlineError(MailConnectionError):
    """A command (or connecting) did not finish within its overall deadline: retried later."""


class AccountLike(Protocol):
    name: str
    host: str
    port: int
    security: str
    username: str


class TokenSource(Protocol):
    """Where an OAuth account's access tokens come from (sync.mail.oauth)."""

    def access_token(self, fresh: bool = False) -> str: ...


Credential = str | TokenSource  # a password, or OAuth access tokens (XOAUTH2)


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _scrub(text: str, password: str | None) -> str:
    return text.replace(password, "***") if password else text


def is_network_error(exc: BaseException) -> bool:
    """Worth retrying later: the connection, not the request, failed."""
    return isinstance(exc, (OSError, imaplib.IMAP4.abort, IMAPClientAbortError, MailConnectionError, EOFError))


def network_error(account: AccountLike, exc: BaseException, password: str | None = None) -> MailConnectionError:
    """One sentence for a connection failure, naming the account."""
    where = f"Mail account '{account.name}' ({account.host}:{account.port})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or "untrusted certificate"
        text = (f"{where}: the server's TLS certificate could not be verified ({why}); "
                "check the host name, or the server's certificate.")
    elif isinstance(exc, ssl.SSLError):
        text = f"{where}: the TLS handshake failed ({exc.reason or exc}); check the port and security mode."
    elif isinstance(exc, socket.gaierror):
        text = f"{where}: the server name cannot be found; check the host and your network."
    elif isinstance(exc, ConnectionRefusedError):
        text = f"{where}: the server refused the connection; check the host, port and security mode."
    elif isinstance(exc, (TimeoutError, socket.timeout)):
        text = f"{where}: the server did not answer in time; it will be tried again."
    else:
        detail = str(exc).strip() or type(exc).__name__
        text = f"{where}: the connection failed or was dropped ({detail}); it will be tried again."
    return MailConnectionError(_scrub(text, password))


# --- deadlines ------------------------------------------------------------------------------

class _Watchdog:
    """Shuts a connection's socket down when the current deadline passes, ending a blocked read.

    The deadline is `seconds` plus the time the bytes received meanwhile take at SLOWEST bytes/s.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._fd: int | None = None
        self._since = self._seconds = 0.0
        self.received = 0  # bytes read since armed
        self.expired = False

    @property
    def armed(self) -> bool:
        return self._timer is not None

    def watch(self, sock: socket.socket) -> None:
        """The socket to shut down (by descriptor: a TLS wrapper or STARTTLS keeps the same one)."""
        with self._lock:
            self._fd = sock.fileno()
            if self.expired:
                _shut(self._fd)

    def forget(self) -> None:
        """The socket is being closed: its descriptor may soon belong to another file."""
        with self._lock:
            self._fd = None

    def arm(self, seconds: float) -> None:
        with self._lock:
            self.expired, self.received = False, 0
            self._since, self._seconds = time.monotonic(), seconds
            self._start(seconds)

    def _start(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        with self._lock:
            if self._timer is not threading.current_thread():  # disarmed (or re-armed) meanwhile
                return
            left = self._seconds + self.received / SLOWEST - (time.monotonic() - self._since)
            if left > 0.01:  # the answer is arriving: it gets the time its size takes
                self._start(left)
                return
            self.expired = True
            if self._fd is not None:
                _shut(self._fd)


def _shut(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the other side
        pass
    finally:
        sock.detach()  # the descriptor stays the connection's to close


def deadline_seconds(timeout: float) -> float:
    """The overall deadline of one command: `timeout`, or LEADBOOK_MAIL_DEADLINE when set."""
    return float(os.environ.get(DEADLINE_ENV) or timeout)


class _Watched(imaplib.IMAP4):
    """imaplib's connection, telling the watchdog its socket and the bytes that arrive."""

    _watchdog: _Watchdog

    def read(self, size: int) -> bytes:
        data = super().read(size)
        self._watchdog.received += len(data)
        return data

    def readline(self) -> bytes:
        line = super().readline()
        self._watchdog.received += len(line)
        return line

    def shutdown(self) -> None:
        self._watchdog.forget()
        super().shutdown()


class _Plain(_Watched, imap4.IMAP4WithTimeout):
    def __init__(self, host: str, port: int, timeout: float | None, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = super()._create_socket(timeout)
        self._watchdog.watch(sock)
        return sock


class _TLS(_Watched, tls.IMAP4_TLS):
    def __init__(self, host: str, port: int, context: ssl.SSLContext | None, timeout: float | None,
                 watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__(host, port, context, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=timeout or self._timeout)
        self._watchdog.watch(sock)  # before the handshake, which a server can trickle too
        return tls.wrap_socket(sock, self.ssl_context, self.host)


class Client(IMAPClient):
    """An IMAPClient whose connecting and every command end within an overall deadline.

    Public methods run under `deadline(limit)` (nested calls share the outer one). When
    the deadline passes, the socket is shut down and DeadlineError names the server.
    """

    def __init__(self, host: str, port: int, *, ssl: bool, ssl_context: ssl.SSLContext | None = None,
                 timeout: float = 30, where: str = "") -> None:
        self.limit = deadline_seconds(timeout)
        self.where = where or f"The mail server ({host}:{port})"
        self._watchdog = _Watchdog()
        with self.deadline(self.limit):
            super().__init__(host, port, ssl=ssl, ssl_context=ssl_context, timeout=min(timeout, self.limit))

    def _create_IMAP4(self) -> imaplib.IMAP4:
        connect_timeout = self._timeout.connect
        if self.ssl:
            return _TLS(self.host, self.port, self.ssl_context, connect_timeout, self._watchdog)
        return _Plain(self.host, self.port, connect_timeout, self._watchdog)

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Run the calls inside within `seconds` in all, or raise DeadlineError (the connection is then dead)."""
        if self._watchdog.armed:
            yield
            return
        self._watchdog.arm(seconds)
        try:
            yield
        except Exception:
            if self._watchdog.expired:
                raise self._late(seconds) from None
            raise
        finally:
            self._watchdog.disarm()
        if self._watchdog.expired:  # it answered just as the socket went down: the connection is gone
            raise self._late(seconds)

    def idle_check(self, timeout: float | None = None) -> list[Any]:
        with self.deadline(self.limit + (timeout or 0)):
            return super().idle_check(timeout)

    def _late(self, seconds: float) -> DeadlineError:
        return DeadlineError(f"{self.where}: the server stopped answering within {seconds:g} s; "
                             "Leadbook will try again.")


def _timed(name: str) -> Callable[..., Any]:
    @functools.wraps(getattr(IMAPClient, name))
    def call(self: Client, *args: Any, **kwargs: Any) -> Any:
        with self.deadline(self.limit):
            return getattr(IMAPClient, name)(self, *args, **kwargs)  # looked up late: patched in tests
    return call


for _name, _method in list(vars(IMAPClient).items()):  # every command imapclient offers, present and future
    if not _name.startswith("_") and inspect.isfunction(_method) and _name not in vars(Client):
        setattr(Client, _name, _timed(_name))


def connect(account: AccountLike, credential: Credential, timeout: float = 30,
            ssl_context: ssl.SSLContext | None = None) -> IMAPClient:
    """A logged-in client. TLS is verified against the system's CAs unless a context is given."""
    password = credential if isinstance(credential, str) else None
    token = None if password is not None else credential.access_token()  # a dead grant fails before connecting
    security = account.security
    if security not in SECURITY:
        raise MailError(f"Mail account '{account.name}': unknown security '{security}' (use ssl, starttls or none).")
    if security == "none" and not is_loopback(account.host):
        raise MailError(f"Mail account '{account.name}': an unencrypted connection is only allowed to this computer "
                        f"(localhost), not to {account.host}; use ssl or starttls.")
    # The system's CAs load in ~20-40 ms: only for a connection that uses them.
    context = None if security == "none" else ssl_context or ssl.create_default_context()
    try:
        where = f"Mail account '{account.name}' ({account.host}:{account.port})"
        if security == "ssl":
            client = Client(account.host, account.port, ssl=True, ssl_context=context, timeout=timeout, where=where)
        else:
            client = Client(account.host, account.port, ssl=False, timeout=timeout, where=where)
            if security == "starttls":
                client.starttls(context)
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        if isinstance(exc, OSError) or is_network_error(exc):
            raise network_error(account, exc, password) from None
        raise MailConnectionError(_scrub(f"Mail account '{account.name}': {account.host} does not offer "
                                         f"{security.upper()} ({exc}).", password)) from None
    try:
        if token is None:
            client.login(account.username, password)
        else:
            _oauth_login(client, account, credential, token)
    except LoginError:
        _close(client)
        raise MailAuthError(f"Mail account '{account.name}': the server refused the login for user "
                            f"'{account.username}'; check the user name and "
                            + ("password." if token is None else f"sign in again: `leadbook account signin "
                                                                 f"{account.name}`.")) from None
    except LeadbookError:
        _close(client)
        raise
    except Exception as exc:
        _close(client)
        if is_network_error(exc):
            raise network_error(account, exc, password) from None
        raise MailError(_scrub(f"Mail account '{account.name}': login failed ({exc}).", password)) from None
    return client


def _oauth_login(client: IMAPClient, account: AccountLike, tokens: TokenSource, token: str) -> None:
    try:
        client.oauth2_login(account.username, token)
    except LoginError:  # revoked or expired early: renew the token once and try again
        client.oauth2_login(account.username, tokens.access_token(fresh=True))


def _close(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # closing a dead socket must not hide the real error
        pass


def disconnect(client: IMAPClient) -> None:
    """Log out politely; a dead connection is simply closed."""
    try:
        client.logout()
    except Exception:
        _close(client)


def find_sent_folder(client: IMAPClient) -> str | None:
    """The Sent folder: SPECIAL-USE \\Sent first, then the common names in several languages."""
    folders = client.list_folders()
    for flags, _delimiter, name in folders:
        if any(f.lower() == b"\\sent" for f in flags):
            return name
    by_lower = {str(name).lower(): name for _flags, _delimiter, name in folders}
    for candidate in SENT_NAMES:
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    return None


@dataclass(frozen=True)
class Batch:
    """Messages read from one folder, and where the folder's cursor stands after them."""

    folder: str
    uidvalidity: int
    reset: bool  # the folder's UIDVALIDITY changed: the old cursor no longer applies
    messages: list[tuple[int, bytes]]
    last_uid: int
    fetched_bytes: int = 0
    truncated: tuple[int, ...] = ()  # UIDs read as header + start of the text only


def select_readonly(client: IMAPClient, folder: str) -> dict[bytes, Any]:
    try:
        return client.select_folder(folder, readonly=True)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as exc:
        raise FolderError(f"The folder '{folder}' cannot be opened ({_text(exc)}); it may have been renamed or "
                          "deleted: check the account's folders.") from None


def _text(exc: BaseException) -> str:
    text = str(exc)
    return text.split(":", 1)[-1].strip() if ":" in text else text


def fetch_folder(client: IMAPClient, folder: str, cursor: tuple[int, int] | None, since: datetime | None,
                 batch: int = 200, max_bytes: int = HUGE,
                 on_count: Callable[[int], None] | None = None) -> Iterator[Batch]:
    """Read a folder from its cursor (uidvalidity, last uid) on, in batches of (uid, raw bytes).

    Only mail whose arrival date is on or after `since` is read, on every run: the first
    run never walks the whole history, and mail appended later with an old date stays
    out too. The last batch (or an empty one) carries the cursor to save. `on_count` hears
    how many messages there are to read before the first is read.
    """
    info = select_readonly(client, folder)
    uidvalidity = int(info[b"UIDVALIDITY"])
    reset = cursor is not None and cursor[0] != uidvalidity
    last = cursor[1] if cursor is not None and not reset else 0
    after: list[Any] = ["UID", f"{last + 1}:*"] if last else []
    criteria = after + (["SINCE", since.date()] if since is not None else [])
    # "last+1:*" always matches the newest message, even when it is older than last+1
    uids = sorted(u for u in client.search(criteria or ["ALL"]) if u > last)
    if on_count is not None:
        on_count(len(uids))
    if not uids:
        uidnext = int(info.get(b"UIDNEXT") or last + 1)
        yield Batch(folder, uidvalidity, reset, [], max(last, uidnext - 1))
        return
    # the server knows sizes: no FETCH for them (not with SINCE: Dovecot would read every date again, ~15 ms at 6,000)
    huge = set(client.search([*after, "LARGER", max_bytes])) & set(uids)
    for start in range(0, len(uids), batch):
        chunk = uids[start:start + batch]
        yield _read(client, folder, uidvalidity, reset and start == 0, chunk, huge)


def _read(client: IMAPClient, folder: str, uidvalidity: int, reset: bool, uids: list[int],
          huge_uids: set[int]) -> Batch:
    small = [u for u in uids if u not in huge_uids]
    huge = [u for u in uids if u in huge_uids]
    raws: dict[int, bytes] = {}
    if small:
        for uid, data in client.fetch(small, ["BODY.PEEK[]"]).items():
            raws[uid] = data.get(b"BODY[]") or b""
    if huge:
        for uid, data in client.fetch(huge, ["BODY.PEEK[HEADER]", f"BODY.PEEK[TEXT]<0.{TEXT_PART}>"]).items():
            raws[uid] = (data.get(b"BODY[HEADER]") or b"") + (data.get(b"BODY[TEXT]<0>") or b"")
    # UIDs missing from the answer were expunged meanwhile: nothing to read
    messages = [(u, raws[u]) for u in uids if u in raws]
    return Batch(folder, uidvalidity, reset, messages, uids[-1], sum(len(r) for _, r in messages), tuple(huge))
