"""`leadbook report`: how fast we answer, which sources pay, why we lose, who is stuck. No Qt.

`register(sub, command)` adds it to the main command's subparsers. The figures come from
models.insights; --json prints them with the keys the Insights view and scripts read.
"""
from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from models.errors import InvalidInput

from .cli_mail import _print
from .columns import cell

DEFAULT_DAYS = 30  # without --from: the last 30 days


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{flag} '{text}' is not a date: use YYYY-MM-DD.") from None


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _text(result: Any, first: date, last: date, owner: str | None) -> str:
    from models.insights import BUCKET_TITLES, NO_REASON, PUBLISHED_FINDING, minutes_text, share_text

    r = result.response
    lines = [f"Leads received {first:%Y-%m-%d} to {last:%Y-%m-%d}" + (f", owner {owner}" if owner else "")
             + f": {result.received}", ""]
    lines += ["First answer", f"  median {minutes_text(r.median_minutes)}, 90 % within {minutes_text(r.p90_minutes)}",
              f"  within 5 min {r.within_5m} ({share_text(r.within_5m, result.received)}), "
              f"1 h {r.within_1h} ({share_text(r.within_1h, result.received)}), "
              f"24 h {r.within_24h} ({share_text(r.within_24h, result.received)}), "
              f"never {r.never} ({share_text(r.never, result.received)})"
              + (f"; imported {r.imported} (no answer time, left out)" if r.imported else ""), ""]
    lines.append(f"  {cell('Source', 26)}  {'Leads':>6}  {'Won':>5}  {'Lost':>5}  {'Open':>5}  {'Won value':>12}  "
                 "Median answer")
    for s in result.sources:
        lines.append(f"  {cell(s.source or '(no source)', 26)}  "
                     f"{s.received:>6}  {s.won:>5}  {s.lost:>5}  {s.open:>5}  {_money(s.won_value):>12}  "
                     f"{minutes_text(s.median_response_minutes)}")
    lines += ["", "Why we lose"]
    lines += [f"  {cell(x.reason if x.reason != NO_REASON else '(no reason)', 26)}  {x.count:>6}"
              for x in result.lost_reasons] or ["  (no lost leads)"]
    lines += ["", "Time in stage", f"  {cell('Stage', 26)}  {'Median days':>11}  Stuck (longer than allowed)"]
    for st in result.stages:
        days = "—" if st.median_days is None else f"{st.median_days:.1f}"
        lines.append(f"  {cell(st.stage, 26)}  {days:>11}  {st.stuck} (over {st.allowance_days} days)")
    f, h = result.followup, result.health
    lines += ["", f"Follow-up: {f.overdue} overdue of {f.open} open; "
                  f"{share_text(f.with_next_step, f.open)} have a dated next step",
              "", "Data health",
              f"  {h.missing_contact} without phone or email, {h.duplicate_candidates} possible duplicates",
              f"  {h.review_waiting} mail waiting in Review, {h.open_without_next_step} open without a next step",
              "", "Speed to result (closed leads by first answer)"]
    for row in result.speed_to_result:
        rate = "—" if row.win_rate is None else f"{100 * row.win_rate:.0f} % won"
        lines.append(f"  {cell(BUCKET_TITLES[row.bucket], 26)}  {row.leads:>6} closed  {row.won:>5} won  {rate}")
    lines += textwrap.wrap(f"Published: {PUBLISHED_FINDING}", 100, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    from models import insights

    last = _day(args.to, "--to") or datetime.now().date()
    first = _day(getattr(args, "from"), "--from") or last - timedelta(days=DEFAULT_DAYS - 1)
    result = insights.report(insights.period(first, last, args.owner))
    _print(args, insights.report_record(result), _text(result, first, last, args.owner))
    return 0


def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `report` to the main command's subparsers, made by `command` (cli.add_command)."""
    p = command(sub, "report", cmd_report, "how fast you answer, which sources pay, why you lose, who is stuck",
                json_flag=True)
    p.add_argument("--from", metavar="DATE", help=f"first day, YYYY-MM-DD (default: {DEFAULT_DAYS} days before --to)")
    p.add_argument("--to", metavar="DATE", help="last day, included (default: today)")
    p.add_argument("--owner", metavar="NAME", help="only this team member's leads (name or email)")
