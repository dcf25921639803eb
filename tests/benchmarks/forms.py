"""Form recognition benchmark: what `forms.recognise` costs a message, and hostile values.

    python tests/benchmarks/forms.py [--runs 20]

Prints, beside the targets:
  per message  recognise() on every sample in tests/sync/mail/messages (forms and not), µs;
               issue 10 §5 asks >= 3,000 msg/s for a whole pass (333 µs a message, all in)
  hostile      a form mail whose Email or Phone value is 200 KB or 2 MB of junk, parse +
               recognise, ms; issue 10 §4: it took 116 s, target < 1 s
Not collected by pytest (no test_ names).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sync.mail.forms import recognise  # noqa: E402
from sync.mail.parse import parse  # noqa: E402

MESSAGES = ROOT / "tests" / "sync" / "mail" / "messages"
PASS_BUDGET_US = 333.0  # one message's share of a pass at 3,000 msg/s
HOSTILE_TARGET_MS = 1000.0


def _hostile(label: str, value: str) -> bytes:
    head = ("From: Site <noreply@site.example>\r\nTo: owner@site.example\r\n"
            "Subject: New Form Entry #7 for Contact Us\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n")
    return (head + f"Name: Ann Lee\r\nMessage: Hi\r\n\r\n{label}: {value}\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    mails = [parse(p.read_bytes()) for p in sorted(MESSAGES.rglob("*.eml"))]
    groups = {"forms": [m for m in mails if recognise(m)], "not forms": [m for m in mails if not recognise(m)]}
    print(f"{'per message':<14}{'count':>7}{'µs':>9}{'budget µs':>11}")
    for name, group in groups.items():
        start = time.perf_counter()
        for _ in range(args.runs):
            for mail in group:
                recognise(mail)
        us = (time.perf_counter() - start) / (args.runs * len(group)) * 1e6
        print(f"{name:<14}{len(group):>7}{us:>9.0f}{PASS_BUDGET_US:>11.0f}")
    print(f"\n{'hostile value':<34}{'ms':>8}{'target ms':>11}")
    worst = 0.0
    for size in (200_000, 2_000_000):
        for label, unit in (("Email", "a"), ("Email", "a."), ("Email", "x" * 70 + "@"), ("Phone", "1 ")):
            raw = _hostile(label, unit * (size // len(unit)))
            start = time.perf_counter()
            recognise(parse(raw))
            ms = (time.perf_counter() - start) * 1e3
            worst = max(worst, ms)
            print(f"{label} {size // 1000:>5} KB of {unit[:6]!r:<10}{ms:>16.1f}{HOSTILE_TARGET_MS:>11.0f}")
    print("\nhostile values within target" if worst < HOSTILE_TARGET_MS else "\nHOSTILE VALUE OVER TARGET")


if __name__ == "__main__":
    main()
