"""The `leadbook` command: the desktop app without a command, scripts and tests with one.

Headless commands never import Qt, so they start fast and need no display.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import peewee as pw

from models import db, export, importing, leads, stages, today
from models.clock import iso, parse_when
from models.contacts import display_phone
from models.errors import InvalidInput, LeadbookError

from . import cli_mail

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
    return f"{record['id'][:8]}  {who[:38]:38}  {record['stage']:10}  {nxt}"


def _record(lead: leads.Lead) -> dict[str, Any]:
    return next(export.lead_records(leads.live().where(leads.Lead.id == lead.id)))


# --- commands ---------------------------------------------------------------------------------

def cmd_app(args: argparse.Namespace) -> int:
    headless = sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    if headless:  # Qt would abort with a cryptic plugin error
        raise LeadbookError("There is no display to open the window on: run leadbook in a desktop session, "
                            "or use a command such as `leadbook today` (see `leadbook --help`).")
    from .app import run

    return run(args.data_dir)


def cmd_demo(args: argparse.Namespace) -> int:
    from models import demo

    stats = demo.generate(args.leads, seed=args.seed)
    emit(args, stats, f"Added {stats['leads']:,} demo leads with {stats['activities']:,} activities "
                      f"in {stats['seconds']:.1f} s.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    lead, created = leads.add_lead(args.name, email=args.email, phone=args.phone, company=args.company,
                                   source=args.source, service=args.service, message=args.message)
    record = _record(lead)
    record["created"] = created
    text = (f"Added {lead.name} ({lead.id})." if created else
            f"{lead.name} is already a lead ({lead.id}): the inquiry was added to its timeline.")
    emit(args, record, text)
    return 0


def cmd_leads(args: argparse.Namespace) -> int:
    query = leads.live().order_by(leads.Lead.created_at.desc())
    if args.stage:
        query = query.where(leads.Lead.stage == stages.find_stage(args.stage).id)
    if args.status != "all":
        query = query.where(leads.Lead.status == args.status)
    if args.limit:
        query = query.limit(args.limit)
    records = list(export.lead_records(query))
    emit(args, records, "\n".join(_lead_line(r) for r in records) or "No leads.")
    return 0


def cmd_today(args: argparse.Namespace) -> int:
    result = today.today(limit=args.limit)
    data: dict[str, Any] = {
        name: [{"lead_id": i.lead_id, "name": i.name, "company": i.company, "reason": i.reason,
                "since": iso(i.since), "followup": i.followup_title} for i in items]
        for name, items in result.sections.items()
    }
    data["counts"] = result.counts
    lines = []
    for name in today.SECTIONS:
        items = result.sections[name]
        if items:
            lines.append(f"{today.TITLES[name]} ({result.counts[name]})")
            lines += [f"  {i.lead_id[:8]}  {i.name[:32]:32}  {i.followup_title or '':22}  {i.reason}"
                      for i in items]
    emit(args, data, "\n".join(lines) or "Nothing to do today: every lead has a next step in the future.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    lead = leads.find_lead(args.lead)
    record = _record(lead)
    timeline = [{"at": iso(a.at), "kind": a.kind, "summary": a.summary, "body": a.body, "author": a.author}
                for a in lead.activities.order_by(leads.Activity.at)]
    record["timeline"] = timeline
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
    lead = leads.find_lead(args.lead)
    fields: dict[str, Any] = _pairs(args.set, "FIELD")
    if "owner" in fields:
        from models.members import find_member

        fields["owner"] = find_member(fields["owner"]) if fields["owner"] else None
    leads.edit_lead(lead, **fields)
    emit(args, _record(lead), f"Updated {lead.name}.")
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    lead = leads.find_lead(args.lead)
    leads.move_lead(lead, stages.find_stage(args.stage), reason=args.reason, value=args.value)
    emit(args, _record(lead), f"{lead.name} is now in {lead.stage.name}.")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    lead = leads.find_lead(args.lead)
    leads.add_note(lead, args.text, kind=args.kind)
    emit(args, _record(lead), f"Added a {args.kind} to {lead.name}.")
    return 0


def cmd_followup(args: argparse.Namespace) -> int:
    lead = leads.find_lead(args.lead)
    step = leads.schedule_followup(lead, parse_when(args.due), title=args.title)
    emit(args, _record(lead), f"Next step for {lead.name}: {step.title}, due {iso(step.due)}.")
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    lead = leads.find_lead(args.lead)
    close = "won" if args.won else "lost" if args.lost else None
    step = leads.complete_followup(lead, outcome=args.outcome, close=close, reason=args.reason, value=args.value,
                                   next_due=parse_when(args.next_due) if args.next_due else None,
                                   next_title=args.next)
    text = (f"{lead.name} closed as {close}." if close else
            f"Done. Next step for {lead.name}: {step.title}, due {iso(step.due)}.")
    emit(args, _record(lead), text)
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    keep, other = leads.find_lead(args.lead), leads.find_lead(args.other)
    leads.merge_leads(keep, other)
    emit(args, _record(keep), f"Merged {other.name} into {keep.name}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    plan = importing.plan_import(Path(args.file), _pairs(args.map, "COLUMN"), duplicates=args.duplicates)
    mapping = ", ".join(f"{col} → {field}" for col, field in plan.mapping.items())
    counts = {action: sum(1 for r in plan.rows if r.action == action) for action in ("add", "merge", "skip")}
    lines = [f"Columns: {mapping}"]
    if plan.ignored:
        lines.append("Ignored columns: " + ", ".join(plan.ignored))
    lines += [f"Rejected line {line}: {why}" for line, why in plan.rejected]
    summary = {"mapping": plan.mapping, "ignored": list(plan.ignored), **counts,
               "rejected": [{"line": line, "reason": why} for line, why in plan.rejected]}
    if args.dry_run:
        lines += [f"  line {r.line}: {r.action:5} {r.fields.get('name') or ''}"
                  + (f" (duplicate of {r.duplicate_of[:8]}: {r.duplicate_reason})" if r.duplicate_of else "")
                  for r in plan.rows[:args.preview]]
        lines.append(f"Dry run: would add {counts['add']}, merge {counts['merge']}, skip {counts['skip']}, "
                     f"reject {len(plan.rejected)}. Nothing was written.")
        emit(args, summary, "\n".join(lines))
        return 1 if plan.rejected and not args.skip_invalid else 0
    if plan.rejected and not args.skip_invalid:
        print("\n".join(lines[1:]), file=sys.stderr)
    result = importing.apply_import(plan, skip_invalid=args.skip_invalid)
    lines.append(f"Imported: added {result.added}, merged {result.merged}, skipped {result.skipped}, "
                 f"rejected {result.rejected}.")
    emit(args, summary | {"added": result.added, "merged": result.merged, "skipped": result.skipped}, "\n".join(lines))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "csv")
    target = Path(args.output) if args.output else sys.stdout
    if fmt == "xlsx" and target is sys.stdout:
        raise InvalidInput("XLSX cannot be written to the terminal: name a file with -o.")
    count = export.export_leads(target, fmt)
    if args.output:
        print(f"Exported {count} leads to {args.output}.", file=sys.stderr)
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
    print(f"Restored {count} leads from {args.file}; the previous database is kept in {args.data_dir / 'backups'}.")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from models import settings

    if args.value is not None:
        if args.key == "phone_region" and not (len(args.value) == 2 and args.value.isalpha()):
            raise InvalidInput("The phone region is a two-letter country code such as DE or US.")
        settings.put(args.key, args.value.upper() if args.key == "phone_region" else args.value)
    value = {"user_name": settings.user_name, "phone_region": settings.phone_region}.get(
        args.key, lambda: settings.get(args.key, ""))()
    print(value)
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .screenshots import render_all

    for path in render_all(args.data_dir, Path(args.out_dir)):
        print(path)
    return 0


# --- parser -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadbook",
                                     description="Leadbook: the lead tracker that says what to do today.")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder (default: $LEADBOOK_DATA_DIR or "
                                                                     "the user data folder)")
    parser.set_defaults(func=cmd_app, needs_store=False)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func, help: str, json_flag: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func, needs_store=True)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    p = command("demo", cmd_demo, "fill the data folder with realistic demo data", json_flag=True)
    p.add_argument("--leads", type=int, default=300)
    p.add_argument("--seed", type=int, default=None)

    p = command("add", cmd_add, "add a lead (a duplicate attaches to the existing lead)", json_flag=True)
    p.add_argument("--name", required=True)
    for flag in ("email", "phone", "company", "source", "service", "message"):
        p.add_argument(f"--{flag}")

    p = command("leads", cmd_leads, "list leads", json_flag=True)
    p.add_argument("--stage")
    p.add_argument("--status", choices=("open", "won", "lost", "all"), default="all")
    p.add_argument("--limit", type=int, default=0)

    p = command("today", cmd_today, "the follow-up checklist", json_flag=True)
    p.add_argument("--limit", type=int, default=today.PER_SECTION, help="items per section (default %(default)s)")

    p = command("show", cmd_show, "a lead with its timeline", json_flag=True)
    p.add_argument("lead")

    p = command("edit", cmd_edit, "change a lead's fields", json_flag=True)
    p.add_argument("lead")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", required=True)

    p = command("move", cmd_move, "move a lead to a stage", json_flag=True)
    p.add_argument("lead")
    p.add_argument("stage")
    p.add_argument("--reason", help="why it was lost (needed for Lost)")
    p.add_argument("--value", help="the quoted or won amount")

    p = command("note", cmd_note, "add a note, call or meeting to a lead's timeline", json_flag=True)
    p.add_argument("lead")
    p.add_argument("text")
    p.add_argument("--kind", choices=("note", "call", "meeting"), default="note")

    p = command("followup", cmd_followup, "set a lead's next step", json_flag=True)
    p.add_argument("lead")
    p.add_argument("--due", required=True, help="YYYY-MM-DD[ HH:MM], today, tomorrow, +3d")
    p.add_argument("--title")

    p = command("done", cmd_done, "complete the next step and schedule the following one (or close)",
                json_flag=True)
    p.add_argument("lead")
    p.add_argument("--outcome", help="what happened")
    p.add_argument("--next", help="title of the next step (default: Follow up)")
    p.add_argument("--next-due", help="when (default: the stage's interval)")
    closing = p.add_mutually_exclusive_group()
    closing.add_argument("--won", action="store_true")
    closing.add_argument("--lost", action="store_true")
    p.add_argument("--reason")
    p.add_argument("--value")

    p = command("merge", cmd_merge, "join OTHER into LEAD, keeping every activity", json_flag=True)
    p.add_argument("lead")
    p.add_argument("other")

    p = command("import", cmd_import, "import leads from a CSV or XLSX file (all or nothing)", json_flag=True)
    p.add_argument("file")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
    p.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")
    p.add_argument("--duplicates", choices=("skip", "merge"), default="skip")
    p.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if some are rejected")
    p.add_argument("--preview", type=int, default=20, help="rows shown by --dry-run")

    p = command("export", cmd_export, "export leads as CSV, JSON or XLSX")
    p.add_argument("--format", choices=("csv", "json", "xlsx"))
    p.add_argument("-o", "--output")

    p = command("backup", cmd_backup, "copy the database safely while it is in use")
    p.add_argument("-o", "--output", help="file or folder (default: DATA_DIR/backups)")

    p = command("restore", cmd_restore, "replace the database with a checked backup")
    p.add_argument("file")

    p = command("config", cmd_config, "read or set a setting (user_name, phone_region)")
    p.add_argument("key", choices=("user_name", "phone_region", "my_addresses"))
    p.add_argument("value", nargs="?")

    p = command("screenshots", cmd_screenshots, "render every view to PNG files (for the README)")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.set_defaults(needs_store=False)

    cli_mail.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.data_dir = (args.data_dir or default_data_dir()).expanduser()
    logging.basicConfig(level=os.environ.get("LEADBOOK_LOG", "WARNING").upper(),
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.needs_store:
            db.open_database(args.data_dir)
            stages.ensure_defaults()
        return args.func(args)
    except LeadbookError as exc:
        print(f"leadbook: {exc}", file=sys.stderr)
        return 1
    except pw.DatabaseError as exc:
        print(f"leadbook: {db.translate(exc, args.data_dir / db.DB_NAME)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        db.close_database()


if __name__ == "__main__":
    sys.exit(main())
