"""Mail capture benchmark: Leadbook's full pass beside a plain imapclient fetch of the same mail.

Starts a Dovecot on loopback, APPENDs `count` mixed messages (web forms of several kinds,
direct inquiries, replies to earlier inquiries, the owner's replies in Sent, newsletters,
auto-replies, bounces, personal notes), then times in the same run:
  plain     imapclient: read-only select, SEARCH, FETCH BODY.PEEK[] in batches of 200 (the median of three)
  leadbook  capture_account(): fetch + parse + classify + store, cursor per batch (batches read ahead on a
            thread, judged in a second process while earlier ones are stored: sync/mail/ahead.py)
  classify  classify() alone on the same messages, no database, in one process: what one core judges
Targets (issue 10): >= 3,000 messages/s and >= 15 % of the plain fetch, the write lock held
<= 50 ms at a time.

    python tests/benchmarks/capture.py [COUNT] [--runs N]   (default 6,600, the mailbox of issue 10)

With --runs, each run prints one line and the medians follow (the machine is shared: one run
can be off by a third).
"""
from __future__ import annotations

import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import mail_samples as samples  # noqa: E402
from imap_server import ImapServer  # noqa: E402

BATCH = 200
PLAIN_RUNS = 3  # plain fetches a run; their median is the one compared
TARGET_RATE = 3_000  # messages/s
TARGET_SHARE = 0.15  # of the plain fetch
TARGET_LOCK = 0.050  # seconds the write lock is held at a time
FIRST = ["Anna", "Ben", "Carla", "David", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Klara", "Luis"]
LAST = ["Schmidt", "Meyer", "Garcia", "Rossi", "Dubois", "Nowak", "Jensen", "Silva", "Brown", "Kim"]


def mixed_messages(count: int, seed: int = 7) -> tuple[list[bytes], list[bytes]]:
    """(inbox, sent): about 55 % inquiries, 10 % replies, 10 % our answers, the rest noise."""
    rng = random.Random(seed)
    forms = list(samples.FORMS.values())
    inbox: list[bytes] = []
    sent: list[bytes] = []
    inquiries: list[tuple[str, str]] = []  # (email, message id)
    for n in range(count):
        roll = rng.random()
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{name.lower().replace(' ', '.')}.{n}@example.com"
        if roll < 0.55 or not inquiries:
            maker = forms[n % len(forms)]
            raw = maker() if maker is samples.yelp else maker(name=name, email=email)
            inbox.append(raw)
            inquiries.append((email, samples.mid_of(raw)))
        elif roll < 0.65:
            lead_email, thread = rng.choice(inquiries)
            inbox.append(samples.reply_from(lead_email, thread, name="A Customer"))
        elif roll < 0.75:
            lead_email, thread = rng.choice(inquiries)
            sent.append(samples.owner_reply(lead_email, thread))
        else:
            noise = rng.choice([samples.newsletter, samples.auto_reply, samples.bounce, samples.personal])
            inbox.append(noise())
    return inbox, sent


def _append(server: ImapServer, user: str, folder: str, raws: list[bytes]) -> None:
    with server.client(user) as client:
        if folder != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
        for start in range(0, len(raws), 500):
            client.multiappend(folder, raws[start:start + 500])


def plain_fetch(server: ImapServer, user: str, folders: list[str]) -> tuple[int, int]:
    """What any IMAP client must do at least: (messages, bytes) read with BODY.PEEK[] in batches."""
    messages = size = 0
    with server.client(user) as client:
        for folder in folders:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            for start in range(0, len(uids), BATCH):
                for data in client.fetch(uids[start:start + BATCH], ["BODY.PEEK[]"]).values():
                    messages += 1
                    size += len(data[b"BODY[]"])
    return messages, size


def classify_only(raws: list[bytes], sent: set[int]) -> float:
    """Seconds classify() takes for the messages alone, with nobody known."""
    from sync.mail.classify import classify

    started = time.perf_counter()
    for n, raw in enumerate(raws):
        classify(raw, me=[samples.OWNER], sent_folder=n in sent)
    return time.perf_counter() - started


def run(count: int = 6600, show: bool = True) -> dict[str, Any]:
    from models import db, settings, stages
    from models.clock import now
    from models.tables import Lead, MailAccount
    from sync.mail.capture import capture_account

    server = ImapServer().start()
    data_dir = Path(tempfile.mkdtemp(prefix="leadbook-bench-"))
    try:
        user, password = server.new_user()
        inbox, sent = mixed_messages(count)
        _append(server, user, "INBOX", inbox)
        _append(server, user, "Sent", sent)
        folders = ["INBOX", "Sent"]

        plain_fetch(server, user, folders)  # warm the server's caches for both contestants
        plain_times = []
        for _ in range(PLAIN_RUNS):  # a fetch takes ~0.2 s: one run alone is easily slowed by a hiccup
            started = time.perf_counter()
            plain_count, plain_bytes = plain_fetch(server, user, folders)
            plain_times.append(time.perf_counter() - started)
        plain_seconds = statistics.median(plain_times)

        db.open_database(data_dir)
        stages.ensure_defaults()
        settings.put("my_addresses", samples.OWNER)
        # the password is handed over directly: a benchmark must not touch the user's keychain
        account = MailAccount.create(name="Bench", host=server.host, port=server.port, security="none",
                                     username=user, since=now().replace(year=now().year - 1), created_at=now())
        started = time.perf_counter()
        result = capture_account(account, password, batch=BATCH)
        seconds = time.perf_counter() - started
        leads = Lead.select().count()
        db.close_database()
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)
    if result.error:
        raise RuntimeError(result.error)
    judged = classify_only(inbox + sent, set(range(len(inbox), len(inbox) + len(sent))))
    plain_rate, rate = plain_count / plain_seconds, result.seen / seconds
    share, lock = rate / plain_rate, result.longest_write
    figures = {
        "messages": result.seen, "plain_messages": plain_count, "plain_mb": round(plain_bytes / 1e6, 1),
        "plain_seconds": round(plain_seconds, 3), "plain_per_s": round(plain_rate),
        "leadbook_seconds": round(seconds, 3), "leadbook_per_s": round(rate), "ratio": round(share, 3),
        "classify_per_s": round(result.seen / judged), "longest_write_ms": round(lock * 1000, 1),
        "verdicts": dict(sorted(result.counts.items())), "leads": leads,
        "targets_met": rate >= TARGET_RATE and share >= TARGET_SHARE and lock <= TARGET_LOCK,
    }
    if show:
        print(f"mail capture, {result.seen:,} messages ({plain_bytes / 1e6:.1f} MB) on a local Dovecot")
        print(f"  capture {rate:,.0f} msg/s (target ≥ {TARGET_RATE:,}) · {share:.0%} of plain fetch "
              f"(target ≥ {TARGET_SHARE:.0%}) · write lock held ≤ {lock * 1000:.0f} ms at a time "
              f"(target ≤ {TARGET_LOCK * 1000:.0f} ms)  {'OK' if figures['targets_met'] else 'BELOW TARGET'}")
        print(f"  plain imapclient fetch : {plain_rate:8,.0f} msg/s  ({plain_seconds:.2f} s)")
        print(f"  leadbook full pass     : {rate:8,.0f} msg/s  ({seconds:.2f} s)  fetch+parse+classify+store")
        print(f"  classify() alone       : {result.seen / judged:8,.0f} msg/s  ({judged:.2f} s)  "
              "no database, one process")
        print(f"  verdicts: {json.dumps(figures['verdicts'])}; leads created: {leads}")
    return figures


def runs(count: int, times: int) -> dict[str, Any]:
    """`times` runs, one line each, then the median of each figure (and the longest lock of all)."""
    every = []
    for n in range(1, times + 1):
        f = run(count, show=False)
        every.append(f)
        print(f"  run {n}: capture {f['leadbook_per_s']:,} msg/s · plain {f['plain_per_s']:,} msg/s · "
              f"{f['ratio']:.1%} · classify {f['classify_per_s']:,} msg/s · lock {f['longest_write_ms']} ms")
    median = {k: statistics.median(f[k] for f in every)
              for k in ("leadbook_per_s", "plain_per_s", "ratio", "classify_per_s", "longest_write_ms")}
    lock = max(f["longest_write_ms"] for f in every)
    met = median["leadbook_per_s"] >= TARGET_RATE and median["ratio"] >= TARGET_SHARE and lock <= TARGET_LOCK * 1000
    print(f"mail capture, {every[0]['messages']:,} messages, median of {times} runs: capture "
          f"{median['leadbook_per_s']:,.0f} msg/s (target ≥ {TARGET_RATE:,}) · {median['ratio']:.1%} of plain fetch "
          f"{median['plain_per_s']:,.0f} msg/s (target ≥ {TARGET_SHARE:.0%}) · classify() alone "
          f"{median['classify_per_s']:,.0f} msg/s · write lock ≤ {lock} ms in every run "
          f"(target ≤ {TARGET_LOCK * 1000:.0f} ms)  {'OK' if met else 'BELOW TARGET'}")
    return median | {"longest_write_ms": lock, "targets_met": met}


if __name__ == "__main__":
    args = sys.argv[1:]
    times = int(args[args.index("--runs") + 1]) if "--runs" in args else 1
    if "--runs" in args:
        del args[args.index("--runs"):args.index("--runs") + 2]
    size = int(args[0]) if args else 6600
    if times > 1:
        runs(size, times)
    else:
        run(size)
