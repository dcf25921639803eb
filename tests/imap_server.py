"""A real IMAP server on loopback for tests and benchmarks: Dovecot in a temporary folder.

Dovecot is the reference (TESTING.md). With `oauth=` (tests/oauth_server.AuthServer) it accepts
only OAuth 2.0 tokens (XOAUTH2, OAUTHBEARER), checked at the authorization server's
introspection endpoint; its mailbox helpers then log in with tokens minted there. The folder
comes from `tempfile.mkdtemp()` and is made world-traversable because pytest's tmp_path sits
under a 0700 folder that Dovecot's `nobody` processes cannot enter when the tests run as root.
pymap is used only when Dovecot is missing; without either the caller skips with `ImapServer.unavailable()`.
"""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
PYMAP = shutil.which("pymap")
POOL = 300  # fresh users per server, one per test that wants an empty mailbox

CONFIG = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 0
imap_idle_notify_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
"""


# Dovecot 2.3's names (2.4 renamed them oauth2_*); the passdb asks the test's authorization server
OAUTH_AUTH = """\
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
"""
OAUTH_DB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
"""
OAUTH_CONF = """\
introspection_mode = post
introspection_url = {url}/introspect
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
"""


def _oauth_config(config: str, d: Path, url: str) -> str:
    """The password configuration with its mechanisms, passdb and userdb swapped for token-only ones."""
    auth, mail, db, namespace = (config.index(key) for key in ("auth_mechanisms", "mail_location", "passdb {",
                                                                "namespace inbox"))
    (d / "oauth2.conf.ext").write_text(OAUTH_CONF.format(url=url))
    return config[:auth] + OAUTH_AUTH + config[mail:db] + OAUTH_DB.format(d=d) + config[namespace:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"the IMAP server did not listen on port {port} within {timeout} s")


class ImapServer:
    """One Dovecot instance with its own users; start(), stop(), restart() and mailbox helpers."""

    host = "127.0.0.1"

    def __init__(self, users: dict[str, str] | None = None, tls: bool = False, oauth: Any = None) -> None:
        self.users = users or {"test": "secret", "other": "secret2"}
        self.tls = tls
        self.oauth = oauth  # an AuthServer (url, mint): the server accepts only its tokens
        self.folder = Path(tempfile.mkdtemp(prefix="leadbook-imap-"))
        os.chmod(self.folder, 0o755)  # Dovecot's nobody processes must traverse it
        self.port = free_port()
        self.ssl_port = free_port() if tls else 0
        self.cert: Path | None = None
        self.process: subprocess.Popen | None = None
        self.kind = "dovecot" if DOVECOT else "pymap"
        self._pool = itertools.count(1)

    @staticmethod
    def unavailable() -> str | None:
        """Why no server can run here (for pytest.skip), or None."""
        if DOVECOT or PYMAP:
            return None
        return "neither dovecot (apt-get install dovecot-imapd) nor pymap (pip install pymap) is installed"

    # --- lifecycle -----------------------------------------------------------------

    def start(self) -> ImapServer:
        if self.kind == "pymap":
            return self._start_pymap()
        d = self.folder
        if self.process is None and not (d / "dovecot.conf").exists():
            self._write_config()
        # its own process group, so stop() ends the per-connection imap processes too
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(d / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        _wait_for_port(self.port)
        if self.tls:
            _wait_for_port(self.ssl_port)
        return self

    def _write_config(self) -> None:
        d = self.folder
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir(exist_ok=True)
        ssl_files = ""
        if self.tls:
            self.cert = self._make_cert()
            ssl_files = f"ssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem"
        config = CONFIG.format(d=d, port=self.port, ssl="yes" if self.tls else "no", ssl_files=ssl_files,
                               ssl_port=self.ssl_port)
        if self.oauth is not None:
            config = _oauth_config(config, d, self.oauth.url)
        (d / "dovecot.conf").write_text(config)
        self.users.update({f"box{n}": f"pw-{n}-Sekr3t!" for n in range(1, POOL + 1)})
        (d / "users").write_text("".join(
            f"{user}:{{PLAIN}}{password}::::{d}/mail/{user}\n" for user, password in self.users.items()))
        for user in self.users:  # Dovecot creates the homes of the pool on first login
            if not user.startswith("box"):
                (d / "mail" / user).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "nobody:nogroup", str(d / "mail")], check=True)

    def new_user(self) -> tuple[str, str]:
        """A fresh, empty mailbox from the pool written at start.

        Dovecot re-reads its users file at most once a second, so users added while it runs
        would fail to log in for up to a second: the pool avoids that wait.
        """
        if self.kind != "dovecot":  # pragma: no cover - pymap has its single demo user
            return next(iter(self.users.items()))
        user = f"box{next(self._pool)}"
        if user not in self.users:
            raise RuntimeError(f"the pool of {POOL} test users is used up")
        return user, self.users[user]

    def _make_cert(self) -> Path:
        d = self.folder
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                       check=True, capture_output=True)
        os.chmod(d / "key.pem", 0o644)
        return d / "cert.pem"

    def _start_pymap(self) -> ImapServer:  # pragma: no cover - only where dovecot is missing
        user, password = next(iter(self.users.items()))
        self.process = subprocess.Popen([PYMAP, "--host", self.host, "--port", str(self.port), "--no-tls", "dict",
                                         "--demo-user", user, "--demo-password", password],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """SIGTERM to the server's process group and wait: existing client connections are dropped."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
            _wait_closed(self.port)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate."""
        assert self.cert is not None, "start the server with tls=True"
        return ssl.create_default_context(cafile=str(self.cert))

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- mailbox helpers (each opens its own short connection) -----------------------

    def client(self, user: str = "test") -> IMAPClient:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=30)
        if self.oauth is not None:
            client.oauth2_login(user, self.oauth.mint(user))
        else:
            client.login(user, self.users[user])
        return client

    def append(self, folder: str, raw: bytes, flags: Iterable[bytes | str] = (), user: str = "test",
               when: datetime | None = None) -> int | None:
        """APPEND one message; returns its UID (from APPENDUID) when the server says it."""
        return self.append_many(folder, [raw], flags=flags, user=user, when=when)[0]

    def append_many(self, folder: str, raws: Iterable[bytes], flags: Iterable[bytes | str] = (),
                    user: str = "test", when: datetime | None = None) -> list[int | None]:
        uids = []
        with self.client(user) as client:
            if folder.upper() != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                response = client.append(folder, raw, flags=tuple(flags), msg_time=when)
                uids.append(_appenduid(response))
        return uids

    def create_folder(self, folder: str, user: str = "test") -> None:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)

    def delete_folder(self, folder: str, user: str = "test") -> None:
        with self.client(user) as client:
            if client.folder_exists(folder):
                client.delete_folder(folder)

    def uidvalidity(self, folder: str, user: str = "test") -> int:
        with self.client(user) as client:
            return client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]

    def renew_uidvalidity(self, folder: str, user: str = "test") -> None:
        """Force a new UIDVALIDITY over the same messages, as a rebuilt server does.

        INBOX cannot be deleted, so its UID list and indexes are removed while the server
        is down; other folders are copied out, deleted, recreated and refilled.
        """
        before = self.uidvalidity(folder, user)
        time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock in seconds
        if folder.upper() == "INBOX":
            self.stop()
            maildir = self.folder / "mail" / user / "Maildir"
            for path in maildir.iterdir():
                if path.name.startswith("dovecot") and path.is_file():
                    path.unlink()
            self.start()
        else:
            with self.client(user) as client:
                client.select_folder(folder, readonly=True)
                messages = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
                client.unselect_folder()
                client.delete_folder(folder)
                client.create_folder(folder)
                for uid in sorted(messages):
                    data = messages[uid]
                    flags = [f for f in data[b"FLAGS"] if f != b"\\Recent"]
                    client.append(folder, data[b"BODY[]"], flags=flags, msg_time=data[b"INTERNALDATE"])
        after = self.uidvalidity(folder, user)
        assert after != before, "UIDVALIDITY did not change"

    def flags(self, folder: str = "INBOX", user: str = "test") -> dict[int, tuple[bytes, ...]]:
        with self.client(user) as client:
            client.select_folder(folder, readonly=True)
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(client.search("ALL"), ["FLAGS"]).items()}


def _appenduid(response: bytes | str) -> int | None:
    text = response.decode() if isinstance(response, bytes) else str(response)
    if "APPENDUID" in text:
        try:
            return int(text.split("APPENDUID", 1)[1].split()[1].rstrip("]"))
        except (IndexError, ValueError):
            return None
    return None


def _wait_closed(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.05)
        except OSError:
            return


@dataclass
class Mailbox:
    server: ImapServer
    user: str
    password: str

    def append(self, folder: str, raw: bytes, **kw) -> int | None:
        return self.server.append(folder, raw, user=self.user, **kw)

    def append_many(self, folder: str, raws, **kw) -> list[int | None]:
        return self.server.append_many(folder, raws, user=self.user, **kw)


def new_mailbox(server: ImapServer) -> Mailbox:
    """A fresh, empty user on a running server: tests never see each other's mail."""
    user, password = server.new_user()
    return Mailbox(server, user, password)
