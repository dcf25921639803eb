"""The mail commands end to end: `python -m desktop.cli` in a subprocess against a real Dovecot (and, for
OAuth, a Dovecot that takes only tokens and the tests' own authorization server, with BROWSER standing in for
the browser: real HTTP, real IMAP, nothing patched)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mail_samples as samples
import pytest
from imap_server import new_mailbox
from oauth_server import CLIENT_ID, browser_command

ROOT = Path(__file__).resolve().parents[3]
@pytest.fixture
def leadbook(tmp_path):
    """Run `leadbook --data-dir D ...` with a keyring file in the test's folder and a stand-in browser."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(ROOT), BROWSER=browser_command())
    env.pop("LEADBOOK_DATA_DIR", None)

    def run(*args: str, stdin: str | None = None, data_dir: Path | None = None, ok: bool = True):
        proc = subprocess.run([sys.executable, "-m", "desktop.cli", "--data-dir", str(data_dir or tmp_path / "data"),
                               *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


@pytest.mark.imap
def test_add_fetch_and_review_from_the_command_line(leadbook, mailbox):
    """account add --password-stdin, fetch, review accept/reject: leads appear, the password never shows."""
    mailbox.append_many("INBOX", [samples.wpforms(), samples.personal(),
                                  samples.personal(name="Dana Roe", email="dana@partner-firm.example"),
                                  samples.newsletter()])
    mailbox.server.create_folder("Sent", user=mailbox.user)
    added = leadbook("account", "add", "Work", "--host", mailbox.server.host, "--port", str(mailbox.server.port),
                     "--security", "none", "--username", mailbox.user, "--password-stdin",
                     stdin=mailbox.password + "\n")
    assert "Added mail account 'Work'" in added.stdout and mailbox.password not in added.stdout + added.stderr
    listed = json.loads(leadbook("account", "list", "--json").stdout)
    assert [a["name"] for a in listed] == ["Work"] and mailbox.password not in json.dumps(listed)
    assert "Sent folder: Sent" in leadbook("account", "test", "Work").stdout

    fetched = json.loads(leadbook("fetch", "--json").stdout)
    assert fetched[0]["counts"] == {"lead": 1, "review": 2, "ignored": 1} and fetched[0]["error"] is None
    assert "nothing new" in leadbook("fetch").stdout

    queue = json.loads(leadbook("review", "--json").stdout)
    assert len(queue) == 2
    chris = next(q for q in queue if q["from_addr"] == "chris.park@partner-firm.example")
    dana = next(q for q in queue if q["from_addr"] == "dana@partner-firm.example")
    accepted = json.loads(leadbook("review", "accept", chris["id"][:8], "--json").stdout)
    leads = json.loads(leadbook("leads", "--json").stdout)
    assert {lead["email"] for lead in leads} == {"tom.becker@example.net", "chris.park@partner-firm.example"}
    assert accepted["lead_id"] == chris["id"]
    rejected = leadbook("review", "reject", dana["id"][:8], "--address")
    assert "dana@partner-firm.example" in rejected.stdout
    assert json.loads(leadbook("review", "--json").stdout) == []
    ignored = json.loads(leadbook("ignored", "--json").stdout)
    assert {i["from_addr"] for i in ignored} == {"news@builders-weekly.example", "dana@partner-firm.example"}

    leadbook("account", "remove", "Work")
    assert json.loads(leadbook("account", "list", "--json").stdout) == []


@pytest.mark.imap
def test_fetch_fails_clearly_for_a_wrong_password(leadbook, private_server):
    """fetch exits 1 and names the account when its login is refused; the password is not printed."""
    mailbox = new_mailbox(private_server)  # failed logins slow a shared server's later logins
    leadbook("account", "add", "Work", "--host", mailbox.server.host, "--port", str(mailbox.server.port),
             "--security", "none", "--username", mailbox.user, "--password-stdin", "--no-test",
             stdin="Not-The-Password\n")
    proc = leadbook("fetch", ok=False)
    assert proc.returncode == 1 and "refused the login" in proc.stdout
    assert "Not-The-Password" not in proc.stdout + proc.stderr
    refused = leadbook("account", "add", "Other", "--host", mailbox.server.host, "--port",
                       str(mailbox.server.port), "--security", "none", "--username", mailbox.user,
                       "--password-stdin", stdin="Not-The-Password\n", ok=False)
    assert refused.returncode == 1 and refused.stderr.startswith("leadbook: Mail account 'Other'")
    assert refused.stderr.count("\n") == 1 and "Not-The-Password" not in refused.stderr


@pytest.mark.imap
def test_oauth_sign_in_fetch_refresh_revoke_and_sign_in_again(leadbook, oauth_imap, tmp_path):
    """add --oauth signs in through the browser; fetch reads the token-only Dovecot; expired tokens are renewed
    silently; a revoked grant is one sentence and exit 1 until `account signin` fixes it."""
    auth, mailbox = oauth_imap.auth, oauth_imap.mailbox
    mailbox.append("INBOX", samples.wpforms())
    added = leadbook("account", "add", "Work", "--host", mailbox.server.host, "--port", str(mailbox.server.port),
                     "--security", "none", "--username", mailbox.user, "--oauth", auth.url,
                     "--oauth-client-id", CLIENT_ID)
    assert "Added mail account 'Work'" in added.stdout and "signed in" in added.stdout
    assert f"{auth.url}/authorize?" in added.stderr  # the address, for a machine without a browser
    assert "OAuth" in leadbook("account", "list").stdout
    fetched = json.loads(leadbook("fetch", "--json").stdout)
    assert fetched[0]["counts"] == {"lead": 1} and fetched[0]["error"] is None

    auth.expire()  # every access token dies: the next pass renews with the refresh token, unseen
    mailbox.append("INBOX", samples.squarespace())
    refreshes = auth.count("/token", grant_type="refresh_token")
    assert json.loads(leadbook("fetch", "--json").stdout)[0]["counts"] == {"lead": 1}
    assert auth.count("/token", grant_type="refresh_token") == refreshes + 1

    auth.revoke(mailbox.user)
    revoked = leadbook("fetch", ok=False)
    assert revoked.returncode == 1
    assert "Mail account 'Work': sign in again: `leadbook account signin Work`." in revoked.stdout
    signed = leadbook("account", "signin", "Work")
    assert "Signed in to 'Work' again" in signed.stdout
    mailbox.append("INBOX", samples.wpforms(name="Ana Lima", email="ana@example.com"))
    assert json.loads(leadbook("fetch", "--json").stdout)[0]["counts"] == {"lead": 1}
    database = (tmp_path / "data" / "leadbook.sqlite3").read_bytes()
    assert auth.refresh and not any(token.encode() in database for token in auth.refresh)


def test_oauth_without_a_client_id_says_how_to_set_one(leadbook):
    """--oauth google with no client id given or configured: one sentence naming the config key, exit 1."""
    proc = leadbook("account", "add", "Gmail", "--host", "imap.gmail.com", "--username", "me@gmail.com",
                    "--oauth", "google", ok=False)
    assert proc.returncode == 1 and "`leadbook config oauth_google_client_id ID`" in proc.stderr
    assert "No mail accounts" in leadbook("account", "list").stdout


def test_parse_email_needs_no_database(leadbook, tmp_path):
    """parse-email prints one JSON line per file, an error line for an unreadable one, and creates no database."""
    eml = tmp_path / "inquiry.eml"
    eml.write_bytes(samples.callrail())
    data_dir = tmp_path / "never-created"
    proc = leadbook("parse-email", str(eml), str(tmp_path / "missing.eml"), "--me", samples.OWNER,
                    data_dir=data_dir)
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["verdict"] == "lead" and first["fields"]["name"] == "Peter Wilson"
    assert second["verdict"] == "error" and "cannot read" in second["reason"]
    assert not data_dir.exists()


def test_parse_email_survives_the_python_email_corpus(leadbook, tmp_path):
    """Every message in CPython's own email test corpus gets a verdict, without an exception."""
    import test

    corpus = Path(test.__file__).parent / "test_email" / "data"
    files = sorted(str(p) for p in corpus.glob("msg_*.txt")) if corpus.is_dir() else []
    if not files:
        pytest.skip("CPython's email test corpus is not installed here")
    proc = leadbook("parse-email", *files, data_dir=tmp_path / "none")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(files) and not proc.stderr
    assert {line["verdict"] for line in lines} <= {"lead", "reply", "outgoing", "review", "ignored", "error"}
