"""One capture pass: read new mail from an account's folders and turn it into leads.

Per batch, every message is classified first, with no transaction open (a slow message
cannot hold the database's write lock), then the batch is stored in short transactions
that each move the folder's cursor to the last message they stored: the cursor can never
run ahead of the leads it stands for, a pass that dies half-way resumes from the last
commit without duplicates (stored messages are keyed by Message-ID), and the window's
writes wait at most about STORE_SECONDS. Folders are read first, then the Sent folder,
so the owner's replies find the leads that this same pass created.

A long pass uses the machine's second core: batches are read ahead on a thread, judged in a
second process (ahead.py) while earlier ones are stored, and checked against the owner's data
in order before they are stored, so the verdicts are the ones judging here would give.
"""
from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import ssl
import time
from collections import Counter, deque
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import peewee as pw
from imapclient import IMAPClient

from models import db, settings, wal
from models.clock import now
from models.errors import LeadbookError
from models.mail import BatchStore, DbKnown, Item, StoreContext, Stored, store_verdict
from models.tables import MailAccount, MailCursor, database

from . import imap, oauth
from .ahead import Ahead, Judged, clean_body, judge_all
from .classify import Fields, Known, Verdict, classify

log = logging.getLogger("leadbook.mail")

STORE_SECONDS = 0.02  # a store transaction takes no more messages after this long (lock held ≤ ~35 ms
# with writing what it gathered and the commit; the WAL is copied back beside the pass: models/wal.py)
PASS_SECONDS = 600.0  # a pass stops between batches after this long; the next one goes on from the cursor


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
    longest_write: float = 0.0  # seconds: the longest the pass held the database's write lock
    unfinished: bool = False  # stopped at its time limit: mail is left for the next pass

    @property
    def error(self) -> str | None:
        return " ".join(self.errors) or None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account, "counts": dict(self.counts), "seen": self.seen,
                "new": sum(self.counts.values()), "error": self.error, "seconds": round(self.seconds, 3),
                "unfinished": self.unfinished}


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


def safe_classify(raw: bytes, me: Collection[str], known: Known, sent_folder: bool) -> Verdict:
    """classify() promises never to raise; this makes sure a bug there cannot stop a pass."""
    try:
        return classify(raw, me=me, known=known, sent_folder=sent_folder)
    except Exception as exc:  # noqa: BLE001 - every message must end with a verdict
        log.exception("classifier failed")
        return Verdict("error", f"the classifier failed: {exc}", None, Fields(), None)


def _unstorable(item: Item, exc: Exception) -> Item:
    """The message as an error: recorded with why, never retried forever."""
    verdict = item.verdict
    return item._replace(verdict=Verdict("error", f"could not be stored: {exc}", verdict.source, verdict.fields,
                                         verdict.mail))


def _store_one(item: Item, context: StoreContext) -> Stored | None:
    """One message in a savepoint: a failure undoes this message only and is stored as an error."""
    try:
        return store_verdict(*item[:4], raw=item.raw, body=item.body, context=context)
    except Exception as exc:  # noqa: BLE001 - every message must end with a verdict
        log.exception("storing a message failed")
        failed = _unstorable(item, exc)
        return store_verdict(*failed[:4], raw=failed.raw, body=failed.body, context=context)


def _expect(store: BatchStore, item: Item) -> Item:
    """The batch decides what storing the message will do; a message it cannot decide on becomes an error."""
    try:
        store.expect(item)
    except Exception as exc:  # noqa: BLE001 - every message must end with a verdict
        log.exception("deciding how to store a message failed")
        item = _unstorable(item, exc)
        store.expect(item)
    return item


def _count(result: PassResult, row: Stored | None) -> None:
    result.seen += 1
    if row is not None:
        result.counts[row.verdict] += 1
        if row.lead_id and row.verdict in ("lead", "reply", "outgoing"):
            result.leads.append(row.lead_id)


def _move_cursor(account: MailAccount, folder: str, uidvalidity: int, last_uid: int) -> None:
    (MailCursor.insert(account=account.id, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid)
     .on_conflict_replace().execute())


def store_batch(batch: BatchStore, items: list[Item], chunk: imap.Batch, account: MailAccount,
                result: PassResult) -> None:
    """Store a judged batch in short write transactions, each moving the cursor past what it stored.

    Should the batch fail, its rest is stored a message at a time (a message that cannot be
    stored becomes an "error" row, never a stuck pass).
    """
    done = 0
    while True:
        rows: list[Stored | None] = []
        try:
            with database.atomic("IMMEDIATE"):
                started = time.perf_counter()  # the lock is ours from here to the commit
                with batch.storing():
                    while batch.waiting and (not rows or time.perf_counter() - started < STORE_SECONDS):
                        rows.append(batch.store_next())
                end = done + len(rows)
                _move_cursor(account, chunk.folder, chunk.uidvalidity,
                             chunk.last_uid if end == len(items) else items[end - 1].uid or chunk.last_uid)
        except Exception:  # noqa: BLE001 - the slow path below stores what it can and raises the rest
            log.exception("storing a batch failed; storing its messages one at a time")
            _store_each(items[done:], chunk, account, result, batch.context)
            return
        result.longest_write = max(result.longest_write, time.perf_counter() - started)
        wal.catch_up()
        for row in rows:
            _count(result, row)
        done += len(rows)
        if done == len(items):
            return


def _store_each(items: list[Item], chunk: imap.Batch, account: MailAccount, result: PassResult,
                context: StoreContext) -> None:
    for n, item in enumerate(items, 1):
        with database.atomic("IMMEDIATE"):
            started = time.perf_counter()
            row = _store_one(item, context)
            _move_cursor(account, chunk.folder, chunk.uidvalidity,
                         chunk.last_uid if n == len(items) else item.uid or chunk.last_uid)
        result.longest_write = max(result.longest_write, time.perf_counter() - started)
        wal.catch_up()
        _count(result, row)


def _holds(judged: Judged | None, known: BatchStore) -> bool:
    try:
        return judged is not None and judged.holds(known)
    except Exception:  # noqa: BLE001 - a failing lookup: classify here meets it and says so in the verdict
        return False


def _judge(chunk: imap.Batch, judged: list[Judged | None] | None, store: BatchStore, account: MailAccount,
           me: Collection[str], sent_folder: bool) -> list[Item]:
    """The batch's messages judged in order, each expected by the store before the next is judged.
    A judgement from the second process stands where the owner's data still answers as it assumed."""
    if judged is not None:  # what storing them will ask, read in a few queries, not message by message
        ready = [j for j in judged if j is not None]
        asked = [(name, arg) for j in ready for name, arg, _ in j.questions]
        store.look_up([j.verdict.mail.message_id for j in ready if j.verdict.mail is not None],
                      [arg for name, arg in asked if name == "lead_for_address"],
                      [j.verdict.fields for j in ready if j.verdict.verdict == "lead"],
                      [arg for name, arg in asked if name == "lead_for_thread"])
    items = []
    for n, (uid, raw) in enumerate(chunk.messages):  # no transaction open: judging takes what it takes
        ahead = judged[n] if judged is not None else None
        if ahead is not None and _holds(ahead, store):
            verdict, body = ahead.verdict, ahead.body
        else:
            verdict = safe_classify(raw, me, store, sent_folder)
            body = clean_body(verdict)
        items.append(_expect(store, Item(verdict, account.id, chunk.folder, uid, raw, body)))
    return items


def _hand(ahead: Ahead, chunk: imap.Batch, me: Collection[str], sent_folder: bool) -> int:
    """Give the start of the batch to the second process if it is there: how many of its messages."""
    return ahead.submit([raw for _, raw in chunk.messages], me, sent_folder)


def _take(ahead: Ahead, chunk: imap.Batch, handed: int, me: Collection[str], sent_folder: bool,
          known: DbKnown) -> list[Judged | None] | None:
    """The batch's judgements: the second process's, and the rest judged here the same way meanwhile."""
    if not handed:
        return None
    started = time.perf_counter()
    own = judge_all([raw for _, raw in chunk.messages[handed:]], me, sent_folder, known)
    theirs = ahead.take(handed, (len(own), time.perf_counter() - started))
    return None if theirs is None else theirs + own


def _store_chunk(chunk: imap.Batch, judged: list[Judged | None] | None, account: MailAccount, result: PassResult,
                 *, sent_folder: bool, me: Collection[str], known: DbKnown, context: StoreContext,
                 on_progress: Callable[[PassResult], None] | None) -> None:
    if chunk.reset:
        log.info("%s/%s: UIDVALIDITY changed, rescanning", account.name, chunk.folder)
    store = BatchStore(known, context)
    store_batch(store, _judge(chunk, judged, store, account, me, sent_folder), chunk, account, result)
    result.fetched_bytes += chunk.fetched_bytes
    if on_progress is not None:
        on_progress(result)


def capture_folder(client: IMAPClient, account: MailAccount, folder: str, result: PassResult, *,
                   sent_folder: bool, me: Collection[str], known: DbKnown, context: StoreContext | None = None,
                   batch: int = 200, ahead: Ahead | None = None,
                   on_progress: Callable[[PassResult], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> None:
    """Read one folder from its cursor on; raises on network errors (committed batches stay).

    With `ahead`, batches are read two ahead of the one being stored, on a thread of their own (the
    server and the socket take their time meanwhile; one read at a time, so the connection is never
    shared), and the next is judged meanwhile by the second process (ahead.py), which a folder with
    a batch or more to read starts (if the pass has not) before its first is read: a short folder is
    judged here, a batch at a time. A read that fails is raised once the batches read before it are
    stored."""
    cursor = MailCursor.get_or_none((MailCursor.account == account.id) & (MailCursor.folder == folder))
    state = (cursor.uidvalidity, cursor.last_uid) if cursor else None
    each: dict[str, Any] = dict(sent_folder=sent_folder, me=me, known=known, context=context or StoreContext(),
                                on_progress=on_progress)
    many = False  # a batch or more to read

    def counted(count: int) -> None:
        nonlocal many
        many = count >= batch
        if ahead is not None and many:
            ahead.start()  # while the first batch is read: ready sooner

    chunks = imap.fetch_folder(client, folder, state, account.since, batch=batch, on_count=counted)
    first = next(chunks, None)
    if first is None:
        return
    if ahead is None or not many:
        for chunk in itertools.chain([first], chunks):
            _store_chunk(chunk, None, account, result, **each)
            if should_stop is not None and should_stop():
                return
        return
    waiting = deque([(first, _hand(ahead, first, me, sent_folder))])  # read, not stored: (batch, how many handed)
    failure: Exception | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadbook-imap-read") as reader:
        reading: Future[imap.Batch | None] | None = reader.submit(next, chunks, None)
        while waiting:
            if len(waiting) < 2 and reading is not None:  # the next batch goes to the second process now
                try:
                    following = reading.result()
                except Exception as exc:  # noqa: BLE001 - raised once the batches read before it are stored
                    failure, following = exc, None
                reading = reader.submit(next, chunks, None) if following is not None else None
                if following is not None:
                    waiting.append((following, _hand(ahead, following, me, sent_folder)))
            chunk, handed = waiting.popleft()
            _store_chunk(chunk, _take(ahead, chunk, handed, me, sent_folder, known), account, result, **each)
            if failure is not None and not waiting:
                raise failure
            if should_stop is not None and should_stop():
                return  # leaving the block waits for the read under way: the connection is the caller's again


def run_pass(client: IMAPClient, account: MailAccount, result: PassResult | None = None, *, batch: int = 200,
             on_progress: Callable[[PassResult], None] | None = None,
             should_stop: Callable[[], bool] | None = None, limit: float = PASS_SECONDS,
             ahead: bool | Ahead = True) -> PassResult:
    """A pass over one account's folders on an open connection.

    A missing folder is recorded and the other folders still read; a network error
    propagates (the caller reconnects or backs off). After `limit` seconds (and a batch at
    least) the pass stops between batches and says it is unfinished; every network command
    has its own deadline too (imap.Client), so a pass ends within about limit + one deadline.
    `ahead`: judge batches in a second process while others are stored (ahead.py), maybe one the caller
    started already; the pass ends it.
    """
    result = result or PassResult(account.name)
    started = time.perf_counter()

    def stop() -> bool:
        if should_stop is not None and should_stop():
            return True
        if time.perf_counter() - started > limit and result.seen:  # every pass reads a batch at least
            log.info("%s: the pass reached its %g s limit; the next pass goes on", account.name, limit)
            result.unfinished = True
            return True
        return False

    me, known, context = my_addresses(), DbKnown(), StoreContext()
    folders = account_folders(account)
    sent = account.sent_folder or imap.find_sent_folder(client)
    plan = [(f, False) for f in folders] + ([(sent, True)] if sent and sent not in folders else [])
    judge_ahead = ahead if isinstance(ahead, Ahead) else Ahead(database.database) if ahead else None
    try:
        with wal.checkpoints_aside():  # a long pass's copying back runs beside it
            for folder, is_sent in plan:
                if stop():
                    break
                try:
                    capture_folder(client, account, folder, result, sent_folder=is_sent, me=me, known=known,
                                   context=context, batch=batch, ahead=judge_ahead, on_progress=on_progress,
                                   should_stop=stop)
                except imap.FolderError as exc:
                    result.errors.append(f"Mail account '{account.name}': {exc}")
    finally:
        if judge_ahead is not None:
            judge_ahead.close()
        result.seconds += time.perf_counter() - started
    return result


def record_check(account: MailAccount, error: str | None) -> None:
    (MailAccount.update(last_check_at=now(), last_error=error)
     .where(MailAccount.id == account.id).execute())
    account.last_check_at, account.last_error = now(), error


def capture_account(account: MailAccount, credential: imap.Credential | None = None,
                    ssl_context: ssl.SSLContext | None = None,
                    on_progress: Callable[[PassResult], None] | None = None, *, batch: int = 200,
                    timeout: float = 30) -> PassResult:
    """Connect, make one pass, disconnect. Never raises: failures are in result.errors and
    in the account's last_error. An account's first pass reads all its mail since `since`: the second
    process (ahead.py) starts with the connection, so it is ready by the first batch."""
    result = PassResult(account.name)
    started = time.perf_counter()
    client = None
    judge_ahead = Ahead(database.database)
    try:
        if not MailCursor.select().where(MailCursor.account == account.id).exists():
            judge_ahead.start()
        credential = credential or oauth.account_credential(account)
        client = imap.connect(account, credential, timeout=timeout, ssl_context=ssl_context)
        run_pass(client, account, result, batch=batch, on_progress=on_progress, ahead=judge_ahead)
    except LeadbookError as exc:
        result.errors.append(str(exc))
    except (pw.DatabaseError, sqlite3.Error) as exc:  # a full disk, a lock held too long
        result.errors.append(str(db.translate(exc, database.database)))
    except Exception as exc:  # noqa: BLE001 - one account's failure must not stop the others
        password = credential if isinstance(credential, str) else None
        if imap.is_network_error(exc):
            result.errors.append(str(imap.network_error(account, exc, password)))
        else:
            log.exception("capture of %s failed", account.name)
            text = str(exc).replace(password, "***") if password else str(exc)
            result.errors.append(f"Mail account '{account.name}': the pass failed ({type(exc).__name__}: {text}).")
    finally:
        judge_ahead.close()  # the pass ends it; not when connecting failed
        if client is not None:
            imap.disconnect(client)
        result.seconds = time.perf_counter() - started
        try:
            record_check(account, result.error)
        except (pw.DatabaseError, sqlite3.Error):  # the database's trouble is in the result already
            log.warning("could not record the check of %s", account.name, exc_info=True)
    return result


def capture_all(ssl_context: ssl.SSLContext | None = None,
                on_progress: Callable[[PassResult], None] | None = None, **kwargs: Any) -> list[PassResult]:
    """One pass over every account, each on its own; a failing account does not stop the rest."""
    return [capture_account(account, ssl_context=ssl_context, on_progress=on_progress, **kwargs)
            for account in MailAccount.select().order_by(MailAccount.name)]
