"""The team commands end to end: real `leadbook` processes, two data folders and one shared temporary folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models import db, leads, stages

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def env(tmp_path):
    """The environment of every process: a keyring in a file of this test's own, no display."""
    values = dict(os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
                  XDG_DATA_HOME=str(tmp_path / "xdg"))
    values.pop("LEADBOOK_DATA_DIR", None)
    return values


def run(env: dict, data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", "--data-dir", str(data), *args], capture_output=True,
                          text=True, input=stdin, env=env, timeout=120)


def ok(env: dict, data: Path, *args: str, stdin: str | None = None) -> str:
    result = run(env, data, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_json(env: dict, data: Path, *args: str, stdin: str | None = None):
    return json.loads(ok(env, data, *args, "--json", stdin=stdin))


def test_claim_and_todays_mine_filter(env, tmp_path):
    """`claim` makes a lead mine (on its timeline); `today --mine` leaves out what a teammate owns."""
    data = tmp_path / "data"
    ok(env, data, "config", "user_name", "Sam")
    ana = as_json(env, data, "add", "--name", "Ana Lima", "--email", "ana@example.com")
    bo = as_json(env, data, "add", "--name", "Bo Berg", "--email", "bo@example.com")
    cy = as_json(env, data, "add", "--name", "Cy Dahl", "--email", "cy@example.com")
    assert ana["owner"] is None  # a new inquiry belongs to nobody
    claimed = as_json(env, data, "claim", "ana@example.com")
    assert claimed["owner"] == "Sam" and claimed["id"] == ana["id"]
    assert ok(env, data, "claim", ana["id"][:8]) == "Ana Lima is already yours.\n"
    ok(env, data, "edit", bo["id"], "--set", "owner=Bea")
    everyone = {i["lead_id"] for i in as_json(env, data, "today")["respond_now"]}
    mine = {i["lead_id"] for i in as_json(env, data, "today", "--mine")["respond_now"]}
    assert everyone == {ana["id"], bo["id"], cy["id"]} and mine == {ana["id"], cy["id"]}
    timeline = as_json(env, data, "show", ana["id"])["timeline"]
    assert [(t["kind"], t["summary"]) for t in timeline if t["kind"] == "claim"] == [("claim", "Claimed by Sam")]
    taken = ok(env, data, "claim", "bo@example.com")
    assert taken == "Bo Berg is now Sam's (was Bea's).\n"
    missing = run(env, data, "claim", "nobody@example.com")
    assert missing.returncode == 1 and missing.stderr.startswith("leadbook: There is no lead")


def test_not_in_a_team(env, tmp_path):
    """Without a team, status says how to make or join one, and sync refuses in one sentence."""
    data = tmp_path / "data"
    assert "leadbook team create FOLDER" in ok(env, data, "team")
    assert as_json(env, data, "team", "status") is None
    result = run(env, data, "sync")
    assert result.returncode == 1 and "not in a team" in result.stderr and "Traceback" not in result.stderr


def test_two_laptops_share_one_pipeline(env, tmp_path):
    """Ann makes an encrypted team, Ben joins it; an edit and a claim on one laptop reach the other in one round."""
    ann, ben, shared = tmp_path / "ann", tmp_path / "ben", tmp_path / "Dropbox" / "Team"
    lead = as_json(env, ann, "add", "--name", "Jürgen Schneider", "--email", "jurgen@example.com")
    made = run(env, ann, "team", "create", str(shared), "--passphrase-stdin", "--name", "Ann", "--email",
               "ann@example.com", stdin=PASSPHRASE + "\n")
    assert made.returncode == 0, made.stderr
    assert "encrypted" in made.stdout and PASSPHRASE not in made.stdout + made.stderr
    wrong = run(env, ben, "team", "join", str(shared), "--passphrase-stdin", stdin="guess\n")
    assert wrong.returncode == 1 and "guess" not in wrong.stderr and "Traceback" not in wrong.stderr
    joined = as_json(env, ben, "team", "join", str(shared), "--passphrase-stdin", "--name", "Ben",
                     stdin=PASSPHRASE + "\n")
    assert joined["encrypted"] and len(joined["devices"]) == 2
    assert [r["name"] for r in as_json(env, ben, "leads")] == ["Jürgen Schneider"]
    assert not any(PASSPHRASE.encode() in p.read_bytes() for p in shared.rglob("*") if p.is_file())

    claimed = as_json(env, ben, "claim", lead["id"])
    assert claimed["owner"] == "Ben"
    ok(env, ben, "edit", lead["id"], "--set", "company=Schneider Bau")
    sent = as_json(env, ben, "sync")
    assert sent["sent"] > 0 and sent["warning"] is None
    assert as_json(env, ann, "sync")["received"] > 0
    shown = as_json(env, ann, "show", lead["id"])
    assert (shown["company"], shown["owner"]) == ("Schneider Bau", "Ben")
    assert ("claim", "Claimed by Ben") in [(t["kind"], t["summary"]) for t in shown["timeline"]]

    status = as_json(env, ann, "team", "status")
    assert sorted(d["member"] for d in status["devices"]) == ["Ann", "Ben"]
    assert [d["is_me"] for d in status["devices"]].count(True) == 1
    assert all(d["last_seen"] and d["pending"] == 0 and d["held_back"] == 0 for d in status["devices"])
    assert {"conflicts", "foreign", "clock_warning", "last_round"} <= set(status)
    assert "Ben" in ok(env, ann, "team", "status")

    ok(env, ben, "team", "leave")
    assert "not in a team" in run(env, ben, "sync").stderr
    assert [r["name"] for r in as_json(env, ben, "leads")] == ["Jürgen Schneider"]  # the data stays


def test_a_round_that_would_close_most_leads_asks_for_force(env, tmp_path):
    """When a teammate's changes would close most open leads, sync stops with one sentence naming --force."""
    ann, ben, shared = tmp_path / "ann", tmp_path / "ben", tmp_path / "shared"
    db.open_database(ann)
    try:
        stages.ensure_defaults()
        for n in range(12):
            leads.add_lead(f"Lead {n}", email=f"lead{n}@example.com")
    finally:
        db.close_database()
    ok(env, ann, "team", "create", str(shared))
    ok(env, ben, "team", "join", str(shared))
    for record in as_json(env, ben, "leads")[:11]:
        ok(env, ben, "move", record["id"], "Lost", "--reason", "Other")
    ok(env, ben, "sync")
    refused = run(env, ann, "sync")
    assert refused.returncode == 3, refused.stderr
    assert "--force" in refused.stderr and refused.stderr.count("\n") == 1 and not refused.stdout
    assert len(as_json(env, ann, "leads", "--status", "open")) == 12  # nothing closed
    ok(env, ann, "sync", "--force")
    assert len(as_json(env, ann, "leads", "--status", "open")) == 1
