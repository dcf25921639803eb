"""A loopback OAuth 2.0 authorization server of the tests' own, and a stand-in for the browser.

Real HTTP on 127.0.0.1 (TESTING.md): discovery, /authorize that redirects to the app's
loopback redirect_uri with code and state, /token that checks the PKCE verifier and issues,
refreshes and refuses tokens, and /introspect for Dovecot's oauth2 passdb. The signed-in
user is the login_hint the app sends. `revoke()`, `expire()` and `rotate` let a test play
what real providers do; `calls` records what was asked (form fields, no secrets of the app).
"""
from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import shlex
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "leadbook-test-client"
BROWSER_SCRIPT = Path(__file__).with_name("fake_browser.py")


def browser_command() -> str:
    """A BROWSER value that stands in for the system browser (webbrowser waits for it: it returns at once)."""
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(BROWSER_SCRIPT))} %s"


def browse(url: str) -> None:
    """The browser in-process: open the authorization page and follow its redirect to the app's listener."""
    try:
        urllib.request.urlopen(url, timeout=10).read()
    except urllib.error.HTTPError:
        pass  # the listener's refusal page is still an answer


@dataclass
class _Code:
    user: str
    client_id: str
    redirect_uri: str
    challenge: str


class AuthServer:
    """start(), stop(); revoke(user), expire(); mint(user) for the test's own IMAP logins."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime  # seconds an access token lives (expires_in)
        self.rotate = False  # hand out a new refresh token with every refresh, as Microsoft does
        self.deny = False  # the user clicks "Cancel" on the consent page
        self.codes: dict[str, _Code] = {}
        self.access: dict[str, tuple[str, float]] = {}  # token -> (user, expires at)
        self.refresh: dict[str, str] = {}  # refresh token -> user
        self.calls: list[tuple[str, dict[str, str]]] = []  # (path, form or query)
        self.lock = threading.Lock()
        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.auth = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def start(self) -> AuthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5)

    # --- what a test plays --------------------------------------------------------------

    def mint(self, user: str) -> str:
        """An access token for `user`, as if signed in elsewhere (the tests' own IMAP helpers use it)."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.access[token] = (user, time.time() + 3600)
        return token

    def expire(self) -> None:
        """Every access token handed to the app stops working now (the app's own clock does not know)."""
        with self.lock:
            self.access = {t: (u, 0.0) for t, (u, _at) in self.access.items()}

    def revoke(self, user: str) -> None:
        """The owner removed the app's access (or an admin did): refresh and access tokens die."""
        with self.lock:
            self.refresh = {t: u for t, u in self.refresh.items() if u != user}
            self.access = {t: v for t, v in self.access.items() if v[0] != user}

    def count(self, path: str, **fields: str) -> int:
        return sum(1 for p, form in self.calls if p == path and all(form.get(k) == v for k, v in fields.items()))

    # --- the protocol -------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "introspection_endpoint": f"{self.url}/introspect",
                "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "scopes_supported": ["openid", "email", "offline_access"]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or urlsplit(redirect).hostname not in ("127.0.0.1", "localhost"):
            return 400, {}, {"error": "invalid_request"}
        if self.deny:
            answer = {"error": "access_denied", "error_description": "The user declined.",
                      "state": query.get("state", "")}
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            answer = {"error": "invalid_request", "error_description": "PKCE (S256) is required.",
                      "state": query.get("state", "")}
        else:
            code = secrets.token_urlsafe(16)
            with self.lock:
                self.codes[code] = _Code(query.get("login_hint") or "test", CLIENT_ID, redirect,
                                         query["code_challenge"])
            answer = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{redirect}?{urlencode(answer)}"}, None

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type")
        with self.lock:
            if grant == "authorization_code":
                code = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                if (code is None or form.get("client_id") != code.client_id
                        or form.get("redirect_uri") != code.redirect_uri or challenge.decode() != code.challenge):
                    return 400, {"error": "invalid_grant", "error_description": "Bad code or PKCE verifier."}
                user = code.user
                refresh = secrets.token_urlsafe(24)
                self.refresh[refresh] = user
            elif grant == "refresh_token":
                user = self.refresh.get(form.get("refresh_token", ""))
                if user is None or form.get("client_id") != CLIENT_ID:
                    return 400, {"error": "invalid_grant", "error_description": "Token has been revoked."}
                refresh = form["refresh_token"]
                if self.rotate:
                    del self.refresh[refresh]
                    refresh = secrets.token_urlsafe(24)
                    self.refresh[refresh] = user
            else:
                return 400, {"error": "unsupported_grant_type"}
            access = secrets.token_urlsafe(24)
            self.access[access] = (user, time.time() + self.lifetime)
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": self.lifetime,
                     "refresh_token": refresh, "scope": form.get("scope", "")}

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            user, expires_at = self.access.get(form.get("token", ""), ("", 0.0))
        return {"active": True, "username": user} if expires_at > time.time() else {"active": False}


class _Handler(http.server.BaseHTTPRequestHandler):
    server: http.server.ThreadingHTTPServer

    @property
    def auth(self) -> AuthServer:
        return self.server.auth  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.auth.calls.append((parts.path, query))
        if parts.path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
            self._send(200, {}, self.auth.metadata())
        elif parts.path == "/authorize":
            self._send(*self.auth.authorize(query))
        else:
            self._send(404, {}, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        path = urlsplit(self.path).path
        self.auth.calls.append((path, form))
        if path == "/token":
            status, body = self.auth.token(form)
            self._send(status, {}, body)
        elif path == "/introspect":
            self._send(200, {}, self.auth.introspect(form))
        else:
            self._send(404, {}, {"error": "not_found"})

    def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
