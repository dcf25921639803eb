"""The `leadbook` command: the desktop app without a command, scripts and tests with one.

Headless commands never import Qt, so they start fast and need no display.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from models.clock import iso, parse_when
from models.errors import InvalidInput, LeadbookError
from models.plural import counted

from .columns import cell

log = logging.getLogger("leadbook.cli")


def default_data_dir() -> Path:
    """--data-dir, then $LEADBOOK_DATA_DIR, then the platform's user data folder."""
    env = os.environ.get("LEADBOOK_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("Leadbook", appauthor=False))


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print JSON with --json, the human text otherwise."""
    if getattr(args, "json", False):
        import json

        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text:
        print(text)


def _local(stamp: str) -> str:
    """An ISO UTC time from a record, as local 'YYYY-MM-DD HH:MM' for people to read."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")


def _one_line(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _lead_line(record: dict[str, Any]) -> str:
    follow = record["next_followup"]
    nxt = f"{_local(follow['due'])}  {follow['title']}" if follow else "—"
    who = record["name"] + (f" ({record['company']})" if record["company"] else "")
    return f"{record['id'][:8]}  {cell(who, 38)}  {cell(record['stage'], 10)}  {nxt}"


# --- commands ---------------------------------------------------------------------------------

def cmd_app(args: argparse.Namespace) -> int:
    headless = sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    if headless:  # Qt would abort with a cryptic plugin error
        raise LeadbookError("There is no display to open the window on: run leadbook in a desktop session, "
                            "or use a command such as `leadbook today` (see `leadbook --help`).")
    from models.first_read import ReadAhead, first_screen

    first = ReadAhead(args.data_dir, first_screen)  # beside Qt's loading
    from .app import run

    return run(args.data_dir, first)


def cmd_demo(args: argparse.Namespace) -> int:
    from models import demo

    stats = demo.generate(args.leads, seed=args.seed, force=args.force)
    emit(args, stats, f"Added {stats['leads']:,} demo leads with {stats['activities']:,} activities "
                      f"in {stats['seconds']:.1f} s.")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from models.search import find_leads

    hits = find_leads(args.text, args.limit)
    lines = [f"{h.id[:8]}  {cell(h.name, 32)}  {cell(h.company, 24)}  {cell(h.stage, 10)}  {h.email or ''}"
             for h in hits]
    emit(args, [asdict(h) for h in hits], "\n".join(lines) or f"No lead matches '{args.text}'.")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from models import db, erase, records  # command modules load when their command runs: the window starts faster

    record = records.lead_record(records.lead_id(args.lead))
    what = f"{record['name']} ({record['id'][:8]})"
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"Erasing {what} cannot be undone from the command line: add --yes to confirm.")
        answer = input(f"Erase {what} with its timeline, follow-ups and stored mail for good? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was erased.")
            return 1
    erased = db.transaction(erase.erase_lead, record["id"])
    emit(args, {"id": record["id"], "name": erased.name, "leads": erased.leads, "activities": erased.activities,
                "followups": erased.followups, "mails": erased.mails},
         f"Erased {what}: {erased.activities} timeline entries, {erased.followups} follow-ups, "
         f"{erased.mails} stored mails.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from models import new_lead, records

    lead_id, created = new_lead.save_lead({field: getattr(args, field) for field in (
        "name", "email", "phone", "company", "source", "service", "message")})
    record = records.lead_record(lead_id) | {"created": created}
    text = (f"Added {record['name']} ({lead_id})." if created else
            f"{record['name']} is already a lead ({lead_id}): the inquiry was added to its timeline.")
    emit(args, record, text)
    return 0


def cmd_leads(args: argparse.Namespace) -> int:
    from models import records

    found = records.lead_records(args.stage, args.status, args.limit)
    emit(args, found, "\n".join(_lead_line(r) for r in found) or "No leads.")
    return 0


NO_LEADS_YET = ("No leads yet. Add one with `leadbook add --name NAME`, import a spreadsheet with "
                "`leadbook import FILE`, or connect the inbox your inquiries arrive in with `leadbook account add`.")
NOTHING_TODAY = "Nothing to do today: every lead has a next step in the future."


def cmd_today(args: argparse.Namespace) -> int:
    from models import members, today, today_items

    result = today.today(limit=args.limit, owner=(members.my_member_id() or "") if args.mine else None)
    data: dict[str, Any] = {
        name: [{"lead_id": i.lead_id, "name": i.name, "company": i.company, "reason": i.reason,
                "since": iso(i.since), "followup": i.followup_title} for i in items]
        for name, items in result.sections.items()
    }
    data["counts"] = result.counts
    lines = []
    for name in today_items.SECTIONS:
        items = result.sections[name]
        if items:
            lines.append(f"{today_items.TITLES[name]} ({result.counts[name]})")
            lines += [f"  {i.lead_id[:8]}  {cell(i.name, 32)}  {cell(i.followup_title, 22)}  {i.reason}"
                      for i in items]
    emit(args, data, "\n".join(lines) or (NOTHING_TODAY if result.has_leads else NO_LEADS_YET))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from models import records
    from models.contacts import display_phone

    lead_id = records.lead_id(args.lead)
    timeline = records.history(lead_id)
    record = records.lead_record(lead_id) | {"timeline": timeline}
    lines = [_lead_line(record), f"  email {record['email'] or '—'}  phone {display_phone(record['phone']) or '—'}"]
    lines += [f"  {_local(t['at'])}  {t['summary']}" + (f": {_one_line(t['body'])}" if t["body"] else "")
              for t in timeline]
    emit(args, record, "\n".join(lines))
    return 0


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"'{item}' is not {what}=VALUE.")
        out[key.strip()] = value
    return out


def cmd_edit(args: argparse.Namespace) -> int:
    from models import detail, records

    lead_id = records.lead_id(args.lead)
    fields: dict[str, Any] = _pairs(args.set, "FIELD")
    owner = fields.pop("owner", None)  # by name or email; "" unclaims the lead
    detail.save_fields(lead_id, fields, owner)
    record = records.lead_record(lead_id)
    emit(args, record, f"Updated {record['name']}.")
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    from models import records
    from models.bulk import move_leads

    lead_id = records.lead_id(args.lead)
    move_leads([lead_id], records.stage_id(args.stage), reason=args.reason, value=args.value)
    record = records.lead_record(lead_id)
    emit(args, record, f"{record['name']} is now in {record['stage']}.")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    from models import detail, records

    lead_id = records.lead_id(args.lead)
    detail.add_note(lead_id, args.text, kind=args.kind)
    record = records.lead_record(lead_id)
    emit(args, record, f"Added a {args.kind} to {record['name']}.")
    return 0


def _next_step(record: dict[str, Any]) -> str:
    step = record["next_followup"]
    return f"Next step for {record['name']}: {step['title']}, due {step['due']}."


def cmd_followup(args: argparse.Namespace) -> int:
    from models import detail, records

    lead_id = records.lead_id(args.lead)
    detail.save_next_step(lead_id, parse_when(args.due), args.title or "")
    record = records.lead_record(lead_id)
    emit(args, record, _next_step(record))
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    from models import followups, records

    lead_id = records.lead_id(args.lead)
    close = "won" if args.won else "lost" if args.lost else None
    followups.complete(lead_id, followups.DoneChoice(
        outcome=args.outcome, next_title=args.next, next_due=parse_when(args.next_due) if args.next_due else None,
        close=close, reason=args.reason, value=args.value))
    record = records.lead_record(lead_id)
    emit(args, record, f"{record['name']} closed as {close}." if close else "Done. " + _next_step(record))
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from models import detail, records

    keep, other = records.lead_id(args.lead), records.lead_id(args.other)
    other_name = records.lead_record(other)["name"]
    detail.merge_into(keep, other)
    record = records.lead_record(keep)
    emit(args, record, f"Merged {other_name} into {record['name']}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from models import import_report, importing

    plan = importing.plan_import(Path(args.file), _pairs(args.map, "COLUMN"), duplicates=args.duplicates,
                                 values=_pairs(args.map_value, "COLUMN:WORD"))
    counts = import_report.counts(plan)
    lines = import_report.describe(plan)
    if args.dry_run:
        lines += [f"  line {r.line}: {r.action:5} {r.fields.get('name') or ''}"
                  + (f" (duplicate of {r.duplicate_of[:8]}: {r.duplicate_reason})" if r.duplicate_of else "")
                  for r in plan.rows[:args.preview]]
        lines.append(f"Dry run: would add {counts['add']}, merge {counts['merge']}, skip {counts['skip']}, "
                     f"reject {len(plan.rejected)}. Nothing was written.")
        emit(args, import_report.summary(plan), "\n".join(lines))
        return 1 if plan.rejected and not args.skip_invalid else 0
    if plan.rejected and not args.skip_invalid:
        print("\n".join(lines[1:]), file=sys.stderr)
    if plan.rejected and not counts["add"] + counts["merge"]:
        line, why = plan.rejected[0]
        n, there = len(plan.rejected), f", {counts['skip']} already there" if counts["skip"] else ""
        raise InvalidInput(f"Nothing was imported: {counted(n, 'row')} rejected "
                           f"(line {line}: {why}){there}.")
    result = importing.apply_import(plan, skip_invalid=args.skip_invalid)
    lines.append(f"Imported: added {result.added}, merged {result.merged}, skipped {result.skipped}, "
                 f"rejected {result.rejected}.")
    emit(args, import_report.summary(plan, result), "\n".join(lines))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from models import export

    fmt = args.format or export.format_named(args.output or "")
    target = Path(args.output) if args.output else sys.stdout
    if fmt == "xlsx" and target is sys.stdout:
        raise InvalidInput("XLSX cannot be written to the terminal: name a file with -o.")
    count = export.export_leads(target, fmt)
    if args.output:
        print(f"Exported {counted(count, 'lead')} to {args.output}.", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from models import backup

    target = Path(args.output) if args.output else args.data_dir / "backups"
    path = backup.backup_to(target)
    print(f"Backed up to {path}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from models import backup

    count = backup.restore_from(args.data_dir, Path(args.file))
    print(f"Restored {counted(count, 'lead')} from {args.file}; the previous database is kept in "
          f"{args.data_dir / 'backups'}.")
    return 0


CONFIG_KEYS = {  # key -> what it is (the command's help lists them)
    "user_name": "the author of your notes and changes",
    "phone_region": "two letters, e.g. DE: numbers without a country code are read as this region's",
    "my_addresses": "your addresses besides your mail accounts, comma-separated",
    "currency": "e.g. EUR; empty: your computer's region decides",
    "response_target_minutes": "how soon a new inquiry should be answered (amber at half, red past it)",
    "oauth_google_client_id": "the OAuth client id Leadbook signs in to Google with",
    "oauth_google_client_secret": "the client secret of that Google desktop client (not confidential)",
    "oauth_microsoft_client_id": "the OAuth client id Leadbook signs in to Microsoft with",
}


def cmd_config(args: argparse.Namespace) -> int:
    from models import preferences, settings

    if args.value is not None:
        value = args.value
        if args.key == "phone_region":
            if not (len(value) == 2 and value.isalpha()):
                raise InvalidInput(f"'{value}' is not a phone region: use a two-letter country code such as DE "
                                   "or US.")
            value = value.upper()
        elif args.key == "currency":
            value = preferences.currency_code(value)
        elif args.key == "response_target_minutes":
            value = str(preferences.response_target(value))
        settings.put(args.key, value.strip())
    value = {"user_name": settings.user_name, "phone_region": settings.phone_region}.get(
        args.key, lambda: settings.get(args.key, ""))()
    print(value)
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .screenshots import render_demo

    for path in render_demo(Path(args.out_dir)):
        print(path)
    return 0


# --- parser -------------------------------------------------------------------------------------

LEAD_HELP = "id, id prefix, email or unique name"
ADD_FIELDS = {"email": "email address", "phone": "phone number (national numbers use the phone_region setting)",
              "company": "company", "source": "where the inquiry came from, e.g. Website",
              "service": "what they asked for", "message": "the inquiry's text"}

# Global options, accepted before or after the command (`leadbook --data-dir X demo`, `leadbook demo --data-dir X`).
GLOBAL = argparse.ArgumentParser(add_help=False)
GLOBAL.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,  # after a command: set only when given
                    help="data folder (default: $LEADBOOK_DATA_DIR or the user data folder)")


def add_command(parent: Any, name: str, func: Callable[[argparse.Namespace], int], help: str, *,
                json_flag: bool = False, needs_store: bool = True, writes: bool = False) -> argparse.ArgumentParser:
    """A (sub)command; `writes` runs it as one transaction, all of it or none."""
    p = parent.add_parser(name, help=help, description=help, parents=[GLOBAL])
    p.set_defaults(func=func, needs_store=needs_store, writes=writes)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON")
    return p


def build_parser() -> argparse.ArgumentParser:
    from models import today_items
    from models.leads import EDITABLE

    from . import cli_mail, cli_report, cli_team

    parser = argparse.ArgumentParser(prog="leadbook", parents=[GLOBAL], description=(
        "Leadbook: the lead tracker that says what to do today. Without a command, its window opens."))
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)  # none: main starts the window

    command = partial(add_command, sub)

    p = command("demo", cmd_demo, "fill the data folder with realistic demo data", json_flag=True, writes=True)
    p.add_argument("--leads", type=int, default=300, help="how many leads to add (default %(default)s)")
    p.add_argument("--seed", type=int, default=None, help="the same seed gives the same leads (default: random)")
    p.add_argument("--force", action="store_true",
                   help="add demo leads even to a folder that holds real ones (they would mix)")

    p = command("search", cmd_search, "find leads by name, company, email or phone (accents and case ignored)",
                json_flag=True)
    p.add_argument("text", help="what to look for, e.g. jurg or 0301234")
    p.add_argument("--limit", type=int, default=20, help="at most this many leads (default %(default)s)")

    p = command("delete", cmd_delete, "erase a lead with its timeline, follow-ups and stored mail "
                "(a data-protection request)", json_flag=True)
    p.add_argument("lead", help=LEAD_HELP)
    p.add_argument("--yes", action="store_true", help="do not ask (needed when not run from a terminal)")

    p = command("add", cmd_add, "add a lead (a duplicate attaches to the existing lead)", json_flag=True, writes=True)
    p.add_argument("--name", required=True, help="the person's name")
    for flag, text in ADD_FIELDS.items():
        p.add_argument(f"--{flag}", help=text)

    p = command("leads", cmd_leads, "list leads", json_flag=True)
    p.add_argument("--stage", help="only leads in this stage, e.g. Quoted")
    p.add_argument("--status", choices=("open", "won", "lost", "all"), default="all",
                   help="only open, won or lost leads (default: %(default)s)")
    p.add_argument("--limit", type=int, default=0, help="at most this many, newest first (default: all)")

    p = command("today", cmd_today, "the follow-up checklist", json_flag=True)
    p.add_argument("--limit", type=int, default=today_items.PER_SECTION, help="items per section (default %(default)s)")
    p.add_argument("--mine", action="store_true", help="only your leads and unclaimed ones (default: everyone's)")

    p = command("show", cmd_show, "a lead with its timeline", json_flag=True)
    p.add_argument("lead", help=LEAD_HELP)

    p = command("edit", cmd_edit, "change a lead's fields", json_flag=True, writes=True)
    p.add_argument("lead", help=LEAD_HELP)
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", required=True,
                   help=f"a new value (repeatable); fields: {', '.join(EDITABLE)} (owner by name or email, "
                        "empty to unclaim)")

    p = command("move", cmd_move, "move a lead to a stage", json_flag=True, writes=True)
    p.add_argument("lead", help=LEAD_HELP)
    p.add_argument("stage", help="the stage's name, e.g. Quoted, Won or Lost")
    p.add_argument("--reason", help="why it was lost (needed for Lost)")
    p.add_argument("--value", help="the quoted or won amount")

    p = command("note", cmd_note, "add a note, call or meeting to a lead's timeline", json_flag=True, writes=True)
    p.add_argument("lead", help=LEAD_HELP)
    p.add_argument("text", help="what to write on the timeline")
    p.add_argument("--kind", choices=("note", "call", "meeting"), default="note",
                   help="what kind of entry (default: %(default)s)")

    p = command("followup", cmd_followup, "set a lead's next step", json_flag=True, writes=True)
    p.add_argument("lead", help=LEAD_HELP)
    p.add_argument("--due", required=True, help="YYYY-MM-DD[ HH:MM], today, tomorrow, +3d")
    p.add_argument("--title", help="what to do (default: Follow up)")

    p = command("done", cmd_done, "complete the next step and schedule the following one (or close)",
                json_flag=True, writes=True)
    p.add_argument("lead", help=LEAD_HELP)
    p.add_argument("--outcome", help="what happened")
    p.add_argument("--next", help="title of the next step (default: Follow up)")
    p.add_argument("--next-due", help="when (default: the stage's interval)")
    closing = p.add_mutually_exclusive_group()
    closing.add_argument("--won", action="store_true", help="close the lead as won (give --value)")
    closing.add_argument("--lost", action="store_true", help="close the lead as lost (give --reason)")
    p.add_argument("--reason", help="why it was lost (one of the lost reasons)")
    p.add_argument("--value", help="the won amount")

    p = command("merge", cmd_merge, "join OTHER into LEAD, keeping every activity", json_flag=True, writes=True)
    p.add_argument("lead", help="the lead to keep (" + LEAD_HELP + ")")
    p.add_argument("other", help="the lead that joins it and disappears")

    # Not one transaction: apply_import writes in short batches (a window open on the same data stays usable)
    # and takes back what it wrote if it fails, so the import is still all or nothing.
    p = command("import", cmd_import, "import leads from a CSV, XLSX or vCard file (all or nothing)", json_flag=True)
    p.add_argument("file", help="a .csv, .xlsx or .vcf file: exports of Google, Outlook, Apple, HubSpot, Pipedrive, "
                                "Zoho, Salesforce, Mailchimp are recognised")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="which field a column holds, or keep/ignore (repeatable; default: guessed from the header)")
    p.add_argument("--map-value", action="append", default=[], metavar="COLUMN:WORD=STAGE",
                   help="the stage a status word means, e.g. \"Status:Neu=New\" (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")
    p.add_argument("--duplicates", choices=("skip", "merge"), default="skip",
                   help="a row for a lead you already have: skip it or merge it in (default: %(default)s)")
    p.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if some are rejected")
    p.add_argument("--preview", type=int, default=20, help="rows shown by --dry-run")

    p = command("export", cmd_export, "export leads as CSV, JSON or XLSX")
    p.add_argument("--format", choices=("csv", "json", "xlsx"), help="default: from the file name, else csv")
    p.add_argument("-o", "--output", help="the file to write (default: the terminal)")

    p = command("backup", cmd_backup, "copy the database safely while it is in use")
    p.add_argument("-o", "--output", help="file or folder (default: DATA_DIR/backups)")

    p = command("restore", cmd_restore, "replace the database with a checked backup")
    p.add_argument("file", help="a backup file (the current database is kept in DATA_DIR/backups)")

    p = command("config", cmd_config, "read or set a setting of this computer", writes=True)
    p.add_argument("key", choices=tuple(CONFIG_KEYS), metavar="KEY",
                   help="; ".join(f"{key}: {what}" for key, what in CONFIG_KEYS.items()))
    p.add_argument("value", nargs="?", help="the new value (default: print the current one)")

    p = command("screenshots", cmd_screenshots,
                "render every view to PNG files (for the README), from demo data in a temporary folder")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder for the PNG files (created if missing)")
    p.set_defaults(needs_store=False)

    cli_mail.register(sub, add_command)
    cli_team.register(sub, add_command)
    cli_report.register(sub, add_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Without a command the window starts, before the commands' parser and the models it names load.
    window, rest = GLOBAL.parse_known_args(argv)
    if rest and all(a.startswith("-") and a not in ("-h", "--help") for a in rest):  # options alone, no command
        build_parser().error(f"unrecognized arguments: {' '.join(rest)}")  # not "a COMMAND is required"
    args = build_parser().parse_args(argv) if rest else window
    args.data_dir = (getattr(args, "data_dir", None) or default_data_dir()).expanduser()
    logging.basicConfig(level=os.environ.get("LEADBOOK_LOG", "WARNING").upper(),
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return cmd_app(args) if args is window else run_command(args)
    except LeadbookError as exc:  # database failures arrive translated, as StoreError
        print(f"leadbook: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def run_command(args: argparse.Namespace) -> int:
    """A command, in one transaction when it writes; the store closed after it."""
    from models import db

    try:
        if args.needs_store:
            db.open_store(args.data_dir)
        return (db.transaction if args.writes else db.call)(args.func, args)
    finally:
        db.close_database()


if __name__ == "__main__":
    sys.exit(main())
