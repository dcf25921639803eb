"""The command line end to end: a real `leadbook` process on a real data folder."""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def leadbook(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, LEADBOOK_DATA_DIR=str(data))
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=120)


def ok(data: Path, *args: str) -> str:
    result = leadbook(data, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_json(data: Path, *args: str):
    return json.loads(ok(data, *args, "--json"))


def test_work_a_day_from_the_command_line(tmp_path):
    """Add, dedupe, work the checklist, move, note and merge — every step visible in JSON."""
    anna = as_json(tmp_path, "add", "--name", "Anna Schmidt", "--email", "Anna@Example.com",
                   "--phone", "+49 30 1234567", "--source", "Website")
    assert anna["created"] and anna["stage"] == "New" and anna["phone"] == "+49301234567"
    assert anna["next_followup"]["title"] == "Respond to inquiry"
    again = as_json(tmp_path, "add", "--name", "Anna", "--email", "anna@example.com")
    assert not again["created"] and again["id"] == anna["id"]

    day = as_json(tmp_path, "today")
    assert set(day) >= {"respond_now", "replied", "overdue", "due_today", "stale", "done_today"}
    assert [i["lead_id"] for i in day["respond_now"]] == [anna["id"]]
    assert day["respond_now"][0]["name"] == "Anna Schmidt" and day["respond_now"][0]["reason"]

    done = as_json(tmp_path, "done", anna["id"][:8], "--outcome", "Called", "--next-due", "+3d", "--next", "Send quote")
    assert done["stage"] == "Contacted" and done["next_followup"]["title"] == "Send quote"
    assert done["first_response_at"].endswith("Z")
    day = as_json(tmp_path, "today")
    assert day["respond_now"] == [] and [i["name"] for i in day["done_today"]] == ["Anna Schmidt"]

    moved = as_json(tmp_path, "move", "anna@example.com", "Quoted", "--value", "1800")
    assert moved["stage"] == "Quoted" and moved["value"] == 1800.0
    ok(tmp_path, "note", anna["id"], "Prefers oak", "--kind", "call")
    ok(tmp_path, "followup", anna["id"], "--due", "2030-01-15", "--title", "Check decision")
    edited = as_json(tmp_path, "edit", anna["id"], "--set", "company=Schmidt GmbH", "--set", "owner=Sam")
    assert edited["company"] == "Schmidt GmbH" and edited["owner"] == "Sam"
    assert edited["next_followup"]["due"].startswith("2030-01-15")

    bob = as_json(tmp_path, "add", "--name", "A. Schmidt", "--phone", "+49 171 5550123")
    merged = as_json(tmp_path, "merge", anna["id"], bob["id"])
    shown = as_json(tmp_path, "show", anna["id"])
    assert merged["id"] == anna["id"] and any(t["kind"] == "merge" for t in shown["timeline"])
    assert {"created", "call", "stage", "followup"} <= {t["kind"] for t in shown["timeline"]}
    assert [r["id"] for r in as_json(tmp_path, "leads")] == [anna["id"]]

    lost = as_json(tmp_path, "move", anna["id"], "Lost", "--reason", "Went with a competitor")
    assert lost["status"] == "lost" and lost["next_followup"] is None


def test_demo_fills_a_folder(tmp_path):
    """`demo` creates leads with a next step on every open one and a non-empty Today."""
    ok(tmp_path, "demo", "--leads", "200", "--seed", "3")
    records = as_json(tmp_path, "leads")
    assert len(records) == 200
    assert all(r["next_followup"] for r in records if r["status"] == "open")
    assert all(r["next_followup"] is None for r in records if r["status"] != "open")
    day = as_json(tmp_path, "today")
    assert sum(len(day[k]) for k in ("respond_now", "overdue", "due_today", "stale", "replied")) > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("move", "nobody", "Won"), "There is no lead 'nobody'"),
        (("move", "{lead}", "Negotiation"), "There is no stage 'Negotiation'"),
        (("move", "{lead}", "Lost"), "needs a reason"),
        (("followup", "{lead}", "--due", "next blursday"), "is not a date"),
        (("add", "--name", "X", "--email", "not-an-address"), "is not an email address"),
        (("edit", "{lead}", "--set", "colour=blue"), "Cannot edit colour"),
        (("import", "{missing}"), "missing.csv"),
        (("restore", "{missing}"), "missing.csv"),
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(tmp_path, args, message):
    """Each mistake gives exit 1, one line on stderr naming the problem, and no change."""
    lead = as_json(tmp_path, "add", "--name", "Carla", "--email", "carla@example.com")
    before = ok(tmp_path, "leads", "--json")
    args = [a.format(lead=lead["id"], missing=tmp_path / "missing.csv") for a in args]
    result = leadbook(tmp_path, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert ok(tmp_path, "leads", "--json") == before


def test_newer_database_is_refused(tmp_path):
    """A database from a newer Leadbook is refused with a clear sentence and not touched."""
    ok(tmp_path, "leads")
    path = tmp_path / "leadbook.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 42")
    con.commit()
    con.close()
    result = leadbook(tmp_path, "today")
    assert result.returncode == 1 and "newer Leadbook" in result.stderr
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 42
    con.close()


def test_locked_database_is_reported(tmp_path):
    """While another program holds the write lock, a write fails with one sentence and nothing is written."""
    ok(tmp_path, "leads")
    con = sqlite3.connect(tmp_path / "leadbook.sqlite3")
    con.execute("BEGIN IMMEDIATE")
    try:
        result = leadbook(tmp_path, "add", "--name", "Late Larry")
    finally:
        con.rollback()
        con.close()
    assert result.returncode == 1 and "locked" in result.stderr and "Traceback" not in result.stderr
    assert as_json(tmp_path, "leads") == []


def test_import_export_round_trip_with_injection(tmp_path):
    """A messy CSV imports by header; export neutralises formula cells; a dry run writes nothing."""
    source = tmp_path / "leads.csv"
    source.write_text(
        "Full name;E-Mail;Tel;Firma;Notes\n"
        "Jürgen Weiß;JUERGEN@example.de;+49 30 9876543;Weiß & Söhne;=HYPERLINK(\"http://evil\")\n"
        "Marie Curie;marie@example.fr;;@Radium SA;\n", encoding="utf-8-sig")
    preview = leadbook(tmp_path, "import", str(source), "--dry-run")
    assert preview.returncode == 0 and "Nothing was written" in preview.stdout
    assert as_json(tmp_path, "leads") == []
    ok(tmp_path, "import", str(source))
    records = {r["name"]: r for r in as_json(tmp_path, "leads")}
    assert records["Jürgen Weiß"]["email"] == "juergen@example.de" and records["Marie Curie"]["company"] == "@Radium SA"

    out = tmp_path / "out.csv"
    ok(tmp_path, "export", "--format", "csv", "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {r["company"] for r in rows} == {"Weiß & Söhne", "'@Radium SA"}
    again = leadbook(tmp_path, "import", str(source))
    assert again.returncode == 0 and len(as_json(tmp_path, "leads")) == 2  # duplicates skipped


def test_import_vendor_exports_end_to_end(tmp_path):
    """Dry run names the export and writes nothing; the import keeps statuses and details; the same file again
    adds nothing; --map-value places a status word; a file whose every row is rejected fails with a sentence."""
    files = Path(__file__).parent / "models" / "import_files"
    preview = leadbook(tmp_path, "import", str(files / "pipedrive_deals.csv"), "--dry-run")
    assert preview.returncode == 0 and "Looks like a Pipedrive export." in preview.stdout
    assert "Kept on each lead's timeline, in its first entry: Deal - Title" in preview.stdout
    assert as_json(tmp_path, "leads") == []
    summary = as_json(tmp_path, "import", str(files / "pipedrive_deals.csv"))
    assert (summary["profile"], summary["added"]) == ("Pipedrive", 4)
    records = {r["name"]: r for r in as_json(tmp_path, "leads")}
    assert (records["Ole Brandt"]["status"], records["Jana Nováková"]["stage"]) == ("won", "Quoted")
    assert as_json(tmp_path, "import", str(files / "pipedrive_deals.csv"))["added"] == 0
    assert len(as_json(tmp_path, "leads")) == 4

    german = tmp_path / "kunden.csv"
    german.write_text("Name;E-Mail;Status\nJörg;joerg@example.de;Heiß\nEva;eva@example.de;Kunde\n", encoding="utf-8")
    dry = leadbook(tmp_path, "import", str(german), "--dry-run")
    assert '--map-value "Status:Heiß=STAGE"): Heiß (1)' in dry.stdout
    ok(tmp_path, "import", str(german), "--map-value", "Status:Heiß=Contacted")
    records = {r["name"]: r for r in as_json(tmp_path, "leads")}
    assert (records["Jörg"]["stage"], records["Eva"]["status"]) == ("Contacted", "won")

    empty = tmp_path / "empty.csv"
    empty.write_text("Name,Email,Notes\n,,only a note\n,,another\n", encoding="utf-8")
    failed = leadbook(tmp_path, "import", str(empty), "--skip-invalid")
    assert failed.returncode == 1 and "Nothing was imported: 2 rows rejected (line 2: no name, email or phone)" \
        in failed.stderr


def test_backup_and_restore(tmp_path):
    """A backup restores the data as it was; a damaged file is refused before anything is replaced."""
    ok(tmp_path, "add", "--name", "Kept", "--email", "kept@example.com")
    copy = tmp_path / "copy.sqlite3"
    ok(tmp_path, "backup", "-o", str(copy))
    ok(tmp_path, "add", "--name", "Later", "--email", "later@example.com")
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(copy.read_bytes()[:4096] + b"\0garbage" * 500)
    result = leadbook(tmp_path, "restore", str(broken))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(as_json(tmp_path, "leads")) == 2
    ok(tmp_path, "restore", str(copy))
    assert [r["name"] for r in as_json(tmp_path, "leads")] == ["Kept"]


def test_no_display_is_one_sentence(tmp_path):
    """`leadbook` with no command and no display says what to do instead of crashing inside Qt."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "desktop", "--data-dir", str(tmp_path)], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 1 and "no display" in result.stderr and "Traceback" not in result.stderr


def test_the_data_folder_option_works_after_the_command(tmp_path):
    """`--data-dir` after a command (and after a sub-command) picks the folder, like before the command."""
    chosen, elsewhere = tmp_path / "chosen", tmp_path / "elsewhere"
    ok(elsewhere, "demo", "--leads", "5", "--seed", "1", "--data-dir", str(chosen))
    assert len(as_json(elsewhere, "leads", "--data-dir", str(chosen))) == 5
    assert len(as_json(elsewhere, "--data-dir", str(chosen), "leads")) == 5
    assert json.loads(ok(elsewhere, "account", "list", "--data-dir", str(chosen), "--json")) == []
    assert (chosen / "leadbook.sqlite3").exists() and not (elsewhere / "leadbook.sqlite3").exists()


def test_today_on_an_empty_database_says_how_to_start(tmp_path):
    """With no leads at all Today says so and names the ways in: add, import, connect mail."""
    text = ok(tmp_path, "today")
    assert text.startswith("No leads yet")
    assert "leadbook add" in text and "leadbook import FILE" in text and "leadbook account add" in text
    ok(tmp_path, "add", "--name", "Pat Lee", "--email", "pat@example.com")
    assert "No leads yet" not in ok(tmp_path, "today")


def test_search_and_delete_from_the_command_line(tmp_path):
    """`search` is accent-blind with open leads first; `delete` refuses without --yes off a terminal, then erases."""
    jurgen = as_json(tmp_path, "add", "--name", "Jürgen Schneider", "--email", "js@example.com")
    as_json(tmp_path, "add", "--name", "Jurga Won", "--email", "jw@example.com")
    ok(tmp_path, "move", "jw@example.com", "Won", "--value", "10")
    found = as_json(tmp_path, "search", "jurg")
    assert [h["name"] for h in found] == ["Jürgen Schneider", "Jurga Won"]
    assert "Jürgen Schneider" in ok(tmp_path, "search", "SCHNEI")
    refused = leadbook(tmp_path, "delete", jurgen["id"])
    assert refused.returncode == 1 and "--yes" in refused.stderr
    said = ok(tmp_path, "delete", jurgen["id"], "--yes")
    assert said.startswith("Erased Jürgen Schneider")
    assert [h["name"] for h in as_json(tmp_path, "search", "jurg")] == ["Jurga Won"]


def test_demo_refuses_a_folder_with_real_leads(tmp_path):
    """`leadbook demo` says why it will not mix demo leads into real ones; --force does."""
    ok(tmp_path, "add", "--name", "Real Person")
    refused = leadbook(tmp_path, "demo", "--leads", "5")
    assert refused.returncode == 1 and "real leads" in refused.stderr
    assert len(as_json(tmp_path, "leads")) == 1
    ok(tmp_path, "demo", "--leads", "5", "--force")
    assert len(as_json(tmp_path, "leads")) == 6


def test_every_option_has_help_and_edit_lists_its_fields():
    """`--help` explains every argument of every command; `edit --set` names the fields it can change."""
    import argparse

    from desktop import cli
    from models.leads import EDITABLE

    def parsers(parser, name="leadbook"):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from parsers(sub, f"{name} {sub_name}")

    missing = [f"{name} {action.dest}" for name, parser in parsers(cli.build_parser())
               for action in parser._actions
               if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert not missing
    edit = dict(parsers(cli.build_parser()))["leadbook edit"].format_help()
    assert all(field in " ".join(edit.split()) for field in EDITABLE)


def test_errors_name_the_bad_value_and_the_valid_ones(tmp_path):
    """A wrong lost reason or stage is quoted back with the list to choose from."""
    ok(tmp_path, "add", "--name", "Ana Lima", "--email", "ana@example.com")
    reason = leadbook(tmp_path, "move", "ana@example.com", "Lost", "--reason", "aliens")
    assert reason.returncode == 1 and "'aliens' is not a lost reason: " in reason.stderr
    assert "No response" in reason.stderr or "Price" in reason.stderr
    stage = leadbook(tmp_path, "move", "ana@example.com", "Limbo")
    assert stage.returncode == 1 and "'Limbo'" in stage.stderr and "Quoted" in stage.stderr


def test_list_columns_line_up_with_wide_names(tmp_path):
    """`leads` pads and cuts names by terminal cells: the stage column starts at the same cell on every line."""
    from desktop.columns import _width

    names = ("山田太郎株式会社の山田太郎様とその仲間たち", "Ana Lima",
             "Alexandra Konstantinopoulou-Schmidt und Partner")
    for name in names:
        ok(tmp_path, "add", "--name", name)
    lines = ok(tmp_path, "leads").splitlines()
    starts = {sum(_width(c) for c in line[:line.index("  New")]) for line in lines}
    assert len(starts) == 1 and sum("…" in line for line in lines) == 2


def test_config_checks_each_setting_and_names_a_bad_value(tmp_path):
    """config stores a currency upper case, a response target in minutes and an OAuth client id; a bad value
    is refused with a sentence that names it, and the setting keeps its old value."""
    assert leadbook(tmp_path, "config", "currency", "eur").stdout.strip() == "EUR"
    assert leadbook(tmp_path, "config", "response_target_minutes", "30").stdout.strip() == "30"
    assert leadbook(tmp_path, "config", "oauth_microsoft_client_id", "0000-abcd").stdout.strip() == "0000-abcd"
    bad = leadbook(tmp_path, "config", "response_target_minutes", "soon")
    assert bad.returncode == 1 and "soon minutes is not a response target" in bad.stderr
    assert leadbook(tmp_path, "config", "response_target_minutes").stdout.strip() == "30"
    bad = leadbook(tmp_path, "config", "currency", "Euro")
    assert bad.returncode == 1 and "'Euro' is not a currency code" in bad.stderr


def test_an_unknown_option_alone_is_named(tmp_path):
    """`leadbook --bogus` says the option is unknown (not that a command is missing) and exits 2."""
    result = leadbook(tmp_path, "--bogus")
    assert result.returncode == 2 and "unrecognized arguments: --bogus" in result.stderr
    assert "required" not in result.stderr
    assert leadbook(tmp_path, "--help").returncode == 0
