"""IMAP connection and read-only, incremental fetching (imapclient).

One client per thread (imapclient is not thread-safe). Folders are selected read-only
and bodies read with BODY.PEEK, so the owner's unread marks never change. Huge messages
are read as header + the first 256 KB of the body: a 40 MB attachment is never downloaded
to find the text. Errors become one clear sentence naming the account; a password is
never part of any message.
"""
from __future__ import annotations

import imaplib
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from models.errors import LeadbookError

SECURITY = {"ssl": 993, "starttls": 143, "none": 143}  # mode -> default port
HUGE = 2_000_000  # bytes: above this only the header and the start of the text are read
TEXT_PART = 262_144  # bytes of body read from a huge message
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


class AccountLike(Protocol):
    name: str
    host: str
    port: int
    security: str
    username: str


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


def connect(account: AccountLike, password: str, timeout: float = 30,
            ssl_context: ssl.SSLContext | None = None) -> IMAPClient:
    """A logged-in client. TLS is verified against the system's CAs unless a context is given."""
    security = account.security
    if security not in SECURITY:
        raise MailError(f"Mail account '{account.name}': unknown security '{security}' (use ssl, starttls or none).")
    if security == "none" and not is_loopback(account.host):
        raise MailError(f"Mail account '{account.name}': an unencrypted connection is only allowed to this computer "
                        f"(localhost), not to {account.host}; use ssl or starttls.")
    context = ssl_context or ssl.create_default_context()
    try:
        if security == "ssl":
            client = IMAPClient(account.host, account.port, ssl=True, ssl_context=context, timeout=timeout)
        else:
            client = IMAPClient(account.host, account.port, ssl=False, timeout=timeout)
            if security == "starttls":
                client.starttls(context)
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        if isinstance(exc, OSError) or is_network_error(exc):
            raise network_error(account, exc, password) from None
        raise MailConnectionError(_scrub(f"Mail account '{account.name}': {account.host} does not offer "
                                         f"{security.upper()} ({exc}).", password)) from None
    try:
        client.login(account.username, password)
    except LoginError:
        _close(client)
        raise MailAuthError(f"Mail account '{account.name}': the server refused the login for user "
                            f"'{account.username}'; check the user name and password.") from None
    except Exception as exc:
        _close(client)
        if is_network_error(exc):
            raise network_error(account, exc, password) from None
        raise MailError(_scrub(f"Mail account '{account.name}': login failed ({exc}).", password)) from None
    return client


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
                 batch: int = 200, max_bytes: int = HUGE) -> Iterator[Batch]:
    """Read a folder from its cursor (uidvalidity, last uid) on, in batches of (uid, raw bytes).

    Only mail whose arrival date is on or after `since` is read, on every run: the first
    run never walks the whole history, and mail appended later with an old date stays
    out too. The last batch (or an empty one) carries the cursor to save.
    """
    info = select_readonly(client, folder)
    uidvalidity = int(info[b"UIDVALIDITY"])
    reset = cursor is not None and cursor[0] != uidvalidity
    last = cursor[1] if cursor is not None and not reset else 0
    criteria: list[Any] = []
    if last:
        criteria += ["UID", f"{last + 1}:*"]
    if since is not None:
        criteria += ["SINCE", since.date()]
    # "last+1:*" always matches the newest message, even when it is older than last+1
    uids = sorted(u for u in client.search(criteria or ["ALL"]) if u > last)
    if not uids:
        uidnext = int(info.get(b"UIDNEXT") or last + 1)
        yield Batch(folder, uidvalidity, reset, [], max(last, uidnext - 1))
        return
    for start in range(0, len(uids), batch):
        chunk = uids[start:start + batch]
        yield _read(client, folder, uidvalidity, reset and start == 0, chunk, max_bytes)


def _read(client: IMAPClient, folder: str, uidvalidity: int, reset: bool, uids: list[int],
          max_bytes: int) -> Batch:
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    small = [u for u in uids if u in sizes and int(sizes[u].get(b"RFC822.SIZE") or 0) <= max_bytes]
    small_set = set(small)
    huge = [u for u in uids if u in sizes and u not in small_set]
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
