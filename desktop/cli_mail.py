"""The mail commands of `leadbook`: accounts, fetch, parse-email, review, ignored. No Qt.

`register(sub)` adds them to the main command's subparsers; every handler takes the
parsed arguments and returns the exit code. The main command opens the database first
(except for parse-email, which needs none) and prints LeadbookErrors to stderr.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.clock import iso, parse_when
from models.errors import InvalidInput

from .columns import cell


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text:
        print(text)


# --- accounts --------------------------------------------------------------------------------

def read_secret(from_stdin: bool, flag: str, what: str, prompt: str) -> str | None:
    """A secret from the first line of standard input (flag given), a hidden prompt at a terminal, or none."""
    if from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise InvalidInput(f"{flag} was given but standard input held no {what}.")
        return secret
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt) or None
    return None


def _browser() -> Any:
    """The sign-in's browser: the system's (BROWSER honoured), with the address on stderr for a headless machine."""
    from sync.mail import oauth

    def show(url: str) -> None:
        print(f"Sign in in your browser; if none opens, open this address on this computer:\n{url}\n"
              f"Waiting up to {oauth.SIGN_IN_SECONDS // 60} minutes for the sign-in…", file=sys.stderr, flush=True)
    return oauth.Browser(show=show)


def cmd_account_add(args: argparse.Namespace) -> int:
    from sync.mail import accounts

    if args.oauth and args.password_stdin:
        raise InvalidInput("Give either --oauth or --password-stdin: an OAuth account has no password.")
    password = None if args.oauth else read_secret(args.password_stdin, "--password-stdin", "password",
                                                   f"Password for {args.username} at {args.host}: ")
    info = accounts.add_account(args.name, args.host, port=args.port, security=args.security,
                                username=args.username, password=password, folders=args.folder or None,
                                sent_folder=args.sent_folder, since=parse_when(args.since) if args.since else None,
                                test=not args.no_test, oauth_provider=args.oauth,
                                oauth_client_id=args.oauth_client_id, browser=_browser() if args.oauth else None)
    tested = "tested and " if (password or args.oauth) and not args.no_test else ""
    stored = ("signed in; the refresh token is in the system keychain" if args.oauth else
              "the password is in the system keychain" if password else "no password stored yet")
    _print(args, _account_record(info),
           f"Added mail account '{info.name}' ({info.username} at {info.host}:{info.port}, {info.security}): "
           f"{tested}{stored}; mail since {info.since:%Y-%m-%d} will be read.")
    return 0


def _account_record(info: Any) -> dict[str, Any]:
    return {"id": info.id, "name": info.name, "host": info.host, "port": info.port, "security": info.security,
            "username": info.username, "folders": list(info.folders), "sent_folder": info.sent_folder,
            "since": iso(info.since), "last_check_at": iso(info.last_check_at), "last_error": info.last_error,
            "sign_in": "oauth" if info.oauth else "password", "oauth": info.oauth}


def cmd_account_list(args: argparse.Namespace) -> int:
    from sync.mail import accounts

    infos = accounts.list_accounts()
    lines = []
    for i in infos:
        checked = f"checked {iso(i.last_check_at)}" if i.last_check_at else "never checked"
        lines.append(f"{i.name:16} {i.username} at {i.host}:{i.port} ({i.security}), {i.sign_in}, folders "
                     f"{', '.join(i.folders)}, sent {i.sent_folder or 'auto'}; {checked}"
                     + (f"; last error: {i.last_error}" if i.last_error else ""))
    _print(args, [_account_record(i) for i in infos],
           "\n".join(lines) or "No mail accounts: add one with `leadbook account add`.")
    return 0


def cmd_account_test(args: argparse.Namespace) -> int:
    from sync.mail import accounts

    print(accounts.test_account(args.name))
    return 0


def cmd_account_signin(args: argparse.Namespace) -> int:
    from sync.mail import accounts

    info = accounts.sign_in_again(args.name, browser=_browser())
    print(f"Signed in to '{info.name}' again ({info.username}); the refresh token is in the system keychain.")
    return 0


def cmd_account_remove(args: argparse.Namespace) -> int:
    from sync.mail import accounts

    accounts.remove_account(args.name)
    print(f"Removed mail account '{args.name}' and its password or sign-in; the mail already read and its leads "
          "stay.")
    return 0


# --- fetching and parsing --------------------------------------------------------------------

VERDICT_WORDS = {  # verdict -> (one, many) as the fetch summary says it
    "lead": ("new lead", "new leads"), "reply": ("reply from a lead", "replies from leads"),
    "outgoing": ("reply of yours", "replies of yours"), "review": ("to review", "to review"),
    "ignored": ("ignored", "ignored"), "error": ("unreadable", "unreadable"),
}


def _counted(verdict: str, count: int) -> str:
    one, many = VERDICT_WORDS.get(verdict, (verdict, verdict))
    return f"{count} {one if count == 1 else many}"


def cmd_fetch(args: argparse.Namespace) -> int:
    from sync.mail.capture import capture_all

    results = capture_all()
    lines = []
    for r in results:
        counts = ", ".join(_counted(k, v) for k, v in sorted(r.counts.items()) if v) or "nothing new"
        line = f"{r.account}: {counts} ({r.seen} read, {r.seconds:.1f} s)"
        lines.append(line + (f"\n  error: {r.error}" if r.error else ""))
    _print(args, [r.as_dict() for r in results],
           "\n".join(lines) or "No mail accounts: add one with `leadbook account add`.")
    return 1 if any(r.error for r in results) else 0


def cmd_parse_email(args: argparse.Namespace) -> int:
    from sync.mail.classify import FIELDS, classify, describe

    me = [a.lower() for a in args.me or ()]
    for name in args.files:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            record = {"file": name, "verdict": "error", "reason": f"cannot read the file: {exc.strerror or exc}",
                      "source": None, "fields": dict.fromkeys(FIELDS)}
        else:
            record = describe(name, classify(raw, me=me))
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


# --- review ------------------------------------------------------------------------------------

def _summary_record(s: Any) -> dict[str, Any]:
    return {"id": s.id, "received_at": iso(s.received_at), "from_name": s.from_name, "from_addr": s.from_addr,
            "subject": s.subject, "verdict": s.verdict, "reason": s.reason, "source": s.source,
            "fields": s.fields, "excerpt": s.excerpt, "lead_id": s.lead_id}


def _summary_line(s: Any) -> str:
    when = iso(s.received_at)[:16].replace("T", " ") if s.received_at else "—"
    who = f"{s.from_name} <{s.from_addr}>" if s.from_name else s.from_addr
    return f"{s.id[:8]}  {when}  {cell(who, 40)}  {s.subject[:50]}\n          {s.reason}"


def cmd_review(args: argparse.Namespace) -> int:
    from models.mail import review_queue

    items = review_queue()
    _print(args, [_summary_record(s) for s in items],
           "\n".join(_summary_line(s) for s in items) or "Nothing to review.")
    return 0


def cmd_review_accept(args: argparse.Namespace) -> int:
    from models.mail import accept_review

    lead = accept_review(args.id)
    _print(args, {"lead_id": lead.id, "name": lead.name},
           f"Added {lead.name} as a lead ({lead.id}); mail from this sender will be leads from now on.")
    return 0


def cmd_review_reject(args: argparse.Namespace) -> int:
    from models.mail import reject_review

    pattern = reject_review(args.id, scope="address" if args.address else "domain")
    _print(args, {"rule": pattern, "action": "ignored"},
           f"Not a lead: mail from {pattern} will be ignored from now on.")
    return 0


def cmd_ignored(args: argparse.Namespace) -> int:
    from models.mail import ignored_mail

    items = ignored_mail(args.limit)
    _print(args, [_summary_record(s) for s in items],
           "\n".join(_summary_line(s) for s in items) or "No ignored mail.")
    return 0


# --- parser ------------------------------------------------------------------------------------

def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the mail commands to the main command's subparsers, each made by `command` (cli.add_command)."""

    account = command(sub, "account", cmd_account_list, "mail accounts: add, list, test, signin, remove",
                      json_flag=True)
    actions = account.add_subparsers(title="actions", metavar="ACTION")
    p = command(actions, "add", cmd_account_add, "add an IMAP account (tested first when a password is given)",
                json_flag=True)
    p.add_argument("name", help="a name for the account, e.g. Shop")
    p.add_argument("--host", required=True, help="the IMAP server, e.g. imap.gmail.com")
    p.add_argument("--port", type=int, help="default: 993 for ssl, 143 otherwise")
    p.add_argument("--security", choices=("ssl", "starttls", "none"), default="ssl",
                   help="none is allowed only for this computer (localhost)")
    p.add_argument("--username", required=True, help="the login, usually the email address")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--oauth", metavar="PROVIDER",
                   help="sign in through the browser instead of a password: google, microsoft, or an issuer's "
                        "https URL")
    p.add_argument("--oauth-client-id", metavar="ID",
                   help="the OAuth client id (default: `leadbook config oauth_google_client_id` or "
                        "oauth_microsoft_client_id)")
    p.add_argument("--folder", action="append", default=[], help="folder to read (repeatable; default INBOX)")
    p.add_argument("--sent-folder", help="default: found automatically")
    p.add_argument("--since", help="read mail from this date on (default: 30 days ago)")
    p.add_argument("--no-test", action="store_true", help="store without testing the connection")
    command(actions, "list", cmd_account_list, "list mail accounts", json_flag=True)
    p = command(actions, "test", cmd_account_test, "log in and check the folders")
    p.add_argument("name", help="the account's name")
    p = command(actions, "signin", cmd_account_signin, "sign in through the browser again (an OAuth account whose "
                "sign-in was revoked or expired)")
    p.add_argument("name", help="the account's name")
    p = command(actions, "remove", cmd_account_remove, "remove an account and its password (mail read stays)",
                writes=True)
    p.add_argument("name", help="the account's name")

    command(sub, "fetch", cmd_fetch, "one capture pass over every mail account", json_flag=True)

    p = command(sub, "parse-email", cmd_parse_email, "verdict, reason and fields of .eml files, one JSON line "
                "each (no database)", needs_store=False)
    p.add_argument("files", nargs="+", metavar="FILE.eml", help="saved messages (.eml)")
    p.add_argument("--me", action="append", default=[], metavar="ADDRESS", help="one of your own addresses")

    review = command(sub, "review", cmd_review, "mail that might be an inquiry: you decide", json_flag=True)
    decisions = review.add_subparsers(title="decisions", metavar="DECISION")
    p = command(decisions, "accept", cmd_review_accept, "it is a lead: create it, trust this sender", json_flag=True,
                writes=True)
    p.add_argument("id", help="message id or a unique prefix of 6+ characters")
    p = command(decisions, "reject", cmd_review_reject, "not a lead: ignore this sender's domain (or address)",
                json_flag=True, writes=True)
    p.add_argument("id", help="message id or a unique prefix of 6+ characters")
    p.add_argument("--address", action="store_true", help="ignore only this address, not the whole domain")

    p = command(sub, "ignored", cmd_ignored, "mail that was not a lead, and why", json_flag=True)
    p.add_argument("--limit", type=int, default=100, help="at most this many, newest first (default %(default)s)")
