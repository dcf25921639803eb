"""One capture pass: read new mail from an account's folders and turn it into leads.

Per batch, every message is classified and stored and the folder's cursor moved, all in
one transaction: the cursor can never run ahead of the leads it stands for, and a pass
that dies half-way resumes from the last committed batch without duplicates (stored
messages are keyed by Message-ID). Folders are read first, then the Sent folder, so the
owner's replies find the leads that this same pass created.
"""
from __future__ import annotations

import json
import logging
import ssl
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient

from models import settings
from models.clock import now
from models.errors import LeadbookError
from models.mail import DbKnown, StoreContext, store_verdict
from models.tables import MailAccount, MailCursor, database
from sync import credentials

from . import imap
from .classify import Fields, Verdict, classify
from .clean import strip_quotes_and_signature

log = logging.getLogger("leadbook.mail")


@dataclass
class PassResult:
    """What one pass over one account did."""

    account: str
    counts: Counter[str] = field(default_factory=Counter)  # verdict -> new messages stored
    seen: int = 0  # messages read, including ones stored before (rescans, other accounts)
    fetched_bytes: int = 0
    leads: list[str] = field(default_factory=list)  # ids of leads created or updated
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error(self) -> str | None:
        return " ".join(self.errors) or None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account, "counts": dict(self.counts), "seen": self.seen,
                "new": sum(self.counts.values()), "error": self.error, "seconds": round(self.seconds, 3)}


def my_addresses() -> frozenset[str]:
    """The owner's addresses: every account's user name that is an address, plus the setting."""
    mine = {u.strip().lower() for (u,) in MailAccount.select(MailAccount.username).tuples() if "@" in u}
    extra = settings.get("my_addresses") or ""
    mine |= {a.strip().lower() for a in extra.replace(";", ",").split(",") if "@" in a}
    return frozenset(mine)


def account_folders(account: MailAccount) -> list[str]:
    try:
        folders = json.loads(account.folders or "[]")
    except ValueError:
        folders = []
    return [str(f) for f in folders if f] or ["INBOX"]


def safe_classify(raw: bytes, me: Collection[str], known: DbKnown, sent_folder: bool) -> Verdict:
    """classify() promises never to raise; this makes sure a bug there cannot stop a pass."""
    try:
        return classify(raw, me=me, known=known, sent_folder=sent_folder)
    except Exception as exc:  # noqa: BLE001 - every message must end with a verdict
        log.exception("classifier failed")
        return Verdict("error", f"the classifier failed: {exc}", None, Fields(), None)


def _clean_body(verdict: Verdict) -> str | None:
    if verdict.mail is None:
        return None
    try:
        return strip_quotes_and_signature(verdict.mail.text or "")
    except Exception:  # noqa: BLE001 - keep the text uncleaned rather than lose it
        return verdict.mail.text or ""


def _store(verdict: Verdict, account: MailAccount, folder: str, uid: int, raw: bytes,
           context: StoreContext) -> Any:
    body = _clean_body(verdict)
    try:  # store_verdict runs in a savepoint: a failure undoes this message only
        return store_verdict(verdict, account.id, folder, uid, raw=raw, body=body, context=context)
    except Exception as exc:  # noqa: BLE001 - record it as an error, never retry it forever
        log.exception("storing a message failed")
        failed = Verdict("error", f"could not be stored: {exc}", verdict.source, verdict.fields, verdict.mail)
        return store_verdict(failed, account.id, folder, uid, raw=raw, body=body, context=context)


def capture_folder(client: IMAPClient, account: MailAccount, folder: str, result: PassResult, *,
                   sent_folder: bool, me: Collection[str], known: DbKnown, context: StoreContext | None = None,
                   batch: int = 200,
                   on_progress: Callable[[PassResult], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> None:
    """Read one folder from its cursor on; raises on network errors (committed batches stay)."""
    cursor = MailCursor.get_or_none((MailCursor.account == account.id) & (MailCursor.folder == folder))
    state = (cursor.uidvalidity, cursor.last_uid) if cursor else None
    context = context or StoreContext()
    for chunk in imap.fetch_folder(client, folder, state, account.since, batch=batch):
        if chunk.reset:
            log.info("%s/%s: UIDVALIDITY changed, rescanning", account.name, folder)
        with database.atomic("IMMEDIATE"):
            for uid, raw in chunk.messages:
                verdict = safe_classify(raw, me, known, sent_folder)
                row = _store(verdict, account, folder, uid, raw, context)
                result.seen += 1
                if row is not None:
                    result.counts[row.verdict] += 1
                    if row.lead_id and row.verdict in ("lead", "reply", "outgoing"):
                        result.leads.append(row.lead_id)
            (MailCursor.insert(account=account.id, folder=folder, uidvalidity=chunk.uidvalidity,
                               last_uid=chunk.last_uid).on_conflict_replace().execute())
        result.fetched_bytes += chunk.fetched_bytes
        if on_progress is not None:
            on_progress(result)
        if should_stop is not None and should_stop():
            return


def run_pass(client: IMAPClient, account: MailAccount, result: PassResult | None = None, *, batch: int = 200,
             on_progress: Callable[[PassResult], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> PassResult:
    """A pass over one account's folders on an open connection.

    A missing folder is recorded and the other folders still read; a network error
    propagates (the caller reconnects or backs off).
    """
    result = result or PassResult(account.name)
    started = time.perf_counter()
    me, known, context = my_addresses(), DbKnown(), StoreContext()
    folders = account_folders(account)
    sent = account.sent_folder or imap.find_sent_folder(client)
    plan = [(f, False) for f in folders] + ([(sent, True)] if sent and sent not in folders else [])
    try:
        for folder, is_sent in plan:
            if should_stop is not None and should_stop():
                break
            try:
                capture_folder(client, account, folder, result, sent_folder=is_sent, me=me, known=known,
                               context=context, batch=batch, on_progress=on_progress, should_stop=should_stop)
            except imap.FolderError as exc:
                result.errors.append(f"Mail account '{account.name}': {exc}")
    finally:
        result.seconds += time.perf_counter() - started
    return result


def record_check(account: MailAccount, error: str | None) -> None:
    (MailAccount.update(last_check_at=now(), last_error=error)
     .where(MailAccount.id == account.id).execute())
    account.last_check_at, account.last_error = now(), error


def capture_account(account: MailAccount, password: str | None = None, ssl_context: ssl.SSLContext | None = None,
                    on_progress: Callable[[PassResult], None] | None = None, *, batch: int = 200,
                    timeout: float = 30) -> PassResult:
    """Connect, make one pass, disconnect. Never raises: failures are in result.errors and
    in the account's last_error."""
    result = PassResult(account.name)
    started = time.perf_counter()
    client = None
    try:
        if password is None:
            password = credentials.get_password(account.name, account.username)
        if password is None:
            raise imap.MailAuthError(f"Mail account '{account.name}' has no password in the system keychain: "
                                     "remove the account and add it again with its password.")
        client = imap.connect(account, password, timeout=timeout, ssl_context=ssl_context)
        run_pass(client, account, result, batch=batch, on_progress=on_progress)
    except LeadbookError as exc:
        result.errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - one account's failure must not stop the others
        if imap.is_network_error(exc):
            result.errors.append(str(imap.network_error(account, exc, password)))
        else:
            log.exception("capture of %s failed", account.name)
            text = str(exc).replace(password, "***") if password else str(exc)
            result.errors.append(f"Mail account '{account.name}': the pass failed ({type(exc).__name__}: {text}).")
    finally:
        if client is not None:
            imap.disconnect(client)
        result.seconds = time.perf_counter() - started
        record_check(account, result.error)
    return result


def capture_all(ssl_context: ssl.SSLContext | None = None,
                on_progress: Callable[[PassResult], None] | None = None, **kwargs: Any) -> list[PassResult]:
    """One pass over every account, each on its own; a failing account does not stop the rest."""
    return [capture_account(account, ssl_context=ssl_context, on_progress=on_progress, **kwargs)
            for account in MailAccount.select().order_by(MailAccount.name)]
