"""Overall deadlines: a server that trickles bytes cannot hang connecting, a command, `fetch` or the watcher.

The server is a real TCP listener on loopback of the test's own: it accepts and sends its
IMAP greeting (or its answers) one byte at a time, slowly, so every single read succeeds
well within imapclient's per-read timeout while the whole answer never arrives in time.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from models.clock import now
from models.tables import MailAccount
from sync.mail import imap
from sync.mail.watch import Watcher

ROOT = Path(__file__).resolve().parents[3]
GREETING = b"* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] Trickle ready\r\n"


class TrickleServer:
    """Accepts connections; trickles the greeting (or, with `answers`, the answer to the first command after
    CAPABILITY; with `stream` too, sends that answer briskly for `stream` seconds instead)."""

    def __init__(self, interval: float = 0.3, answers: bool = False, stream: float = 0) -> None:
        self.interval, self.answers, self.stream = interval, answers, stream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.answers:  # a prompt greeting and CAPABILITY; the next answer is trickled
                    conn.sendall(GREETING)
                    tag = conn.recv(4096).split(b" ", 1)[0]
                    conn.sendall(b"* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
                    tag = conn.recv(4096).split(b" ", 1)[0]
                    if self.stream:  # a long answer that keeps coming at ~200 KB/s, then its end
                        ends = time.monotonic() + self.stream
                        while time.monotonic() < ends:
                            conn.sendall(b"* OK " + b"x" * 995 + b"\r\n")
                            time.sleep(0.005)
                        conn.sendall(tag + b" OK done\r\n")
                        return
                for byte in (b"* OK " + b"still thinking " * 1000):
                    if self._stop.wait(self.interval):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:  # the client gave up: what the deadline is for
                return

    def close(self) -> None:
        self._stop.set()
        self.listener.close()


@pytest.fixture
def trickle():
    servers = []

    def start(**kw) -> TrickleServer:
        servers.append(TrickleServer(**kw))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


class Account:
    def __init__(self, port: int) -> None:
        self.name, self.host, self.port, self.security, self.username = "Slow", "127.0.0.1", port, "none", "u"


@pytest.mark.parametrize("answers", [False, True], ids=["greeting", "login"])
def test_connect_ends_at_its_deadline_with_one_sentence(trickle, answers):
    """A trickled greeting (or login answer) ends connect() at the deadline with DeadlineError naming the server."""
    server = trickle(answers=answers)
    started = time.monotonic()
    with pytest.raises(imap.DeadlineError) as caught:
        imap.connect(Account(server.port), "secret", timeout=1.5)
    took = time.monotonic() - started
    assert 1.4 < took < 3, took
    assert str(caught.value) == (f"Mail account 'Slow' (127.0.0.1:{server.port}): the server stopped answering "
                                 "within 1.5 s; Leadbook will try again.")


def test_a_command_after_login_has_its_own_deadline(trickle):
    """A client that got its greeting fast still ends a trickled command at the deadline, and says so."""
    server = trickle(answers=True)
    client = imap.Client("127.0.0.1", server.port, ssl=False, timeout=1)
    started = time.monotonic()
    with pytest.raises(imap.DeadlineError, match="stopped answering within 1 s"):
        client.noop()
    assert time.monotonic() - started < 2.5
    imap.disconnect(client)


def test_a_long_answer_that_keeps_coming_gets_the_time_it_needs(trickle):
    """An answer arriving briskly past the deadline (a big FETCH) is not cut: its size buys it time."""
    server = trickle(answers=True, stream=2.0)
    client = imap.Client("127.0.0.1", server.port, ssl=False, timeout=1)
    started = time.monotonic()
    client.noop()
    assert time.monotonic() - started > 1.5 and not client._watchdog.expired
    imap.disconnect(client)


def test_a_slow_command_within_its_deadline_is_left_alone(trickle):
    """The watchdog fires only while a command runs: time spent between commands never kills the connection."""
    server = trickle(answers=True, interval=0.01)
    client = imap.Client("127.0.0.1", server.port, ssl=False, timeout=0.5)
    time.sleep(0.8)  # longer than the deadline, outside any command
    assert client.socket().fileno() != -1 and not client._watchdog.expired
    imap.disconnect(client)


@pytest.fixture
def cli(tmp_path):
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(ROOT), **{imap.DEADLINE_ENV: "2"})
    env.pop("LEADBOOK_DATA_DIR", None)

    def run(*args: str, stdin: str | None = None) -> tuple[subprocess.CompletedProcess, float]:
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "desktop.cli", "--data-dir", str(tmp_path / "data"), *args],
                              input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        return proc, time.monotonic() - started

    return run


def test_account_add_test_and_fetch_end_at_the_deadline(trickle, cli):
    """`account add`, `account test` and `fetch` against a trickling server end in seconds with the deadline error."""
    server = trickle()
    add = ["account", "add", "Slow", "--host", "127.0.0.1", "--port", str(server.port), "--security", "none",
           "--username", "u", "--password-stdin"]
    said = f"Mail account 'Slow' (127.0.0.1:{server.port}): the server stopped answering within 2 s"
    proc, took = cli(*add, stdin="secret\n")
    assert proc.returncode != 0 and said in proc.stderr and took < 15, (proc.stderr, took)
    proc, _ = cli(*add, "--no-test", stdin="secret\n")
    assert proc.returncode == 0, proc.stderr
    proc, took = cli("account", "test", "Slow")
    assert proc.returncode != 0 and said in proc.stderr and took < 15, (proc.stderr, took)
    proc, took = cli("fetch")
    assert proc.returncode != 0 and said in proc.stdout and took < 15, (proc.stdout, proc.stderr, took)


def test_the_watcher_reports_the_deadline_and_keeps_trying(store, trickle):
    """A watcher on a trickling server reports the deadline error, backs off, reconnects and keeps running."""
    server = trickle()
    account = MailAccount.create(name="Slow", host="127.0.0.1", port=server.port, security="none", username="u",
                                 since=now(), created_at=now())
    errors: list[str] = []
    watcher = Watcher(account.id, lambda result: None, lambda name, message: errors.append(message),
                      timeout=0.5, backoff_start=0.1, backoff_max=0.2, password="secret")
    watcher.start()
    try:
        waited = time.monotonic() + 10
        while len(errors) < 2 and time.monotonic() < waited:
            time.sleep(0.05)
        assert len(errors) >= 2 and all("stopped answering within 0.5 s" in e for e in errors), errors
        assert watcher.is_alive() and server.connections >= 2
    finally:
        watcher.stop()
    assert not watcher.is_alive()
