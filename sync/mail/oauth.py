"""OAuth 2.0 sign-in for IMAP (XOAUTH2): Google, Microsoft, or any issuer with published metadata.

Microsoft 365 and Google Workspace refuse passwords over IMAP, so these accounts sign in the
way RFC 8252 asks of a desktop app: the authorization code flow with PKCE (S256) and `state`,
in the system browser (`webbrowser`, so BROWSER is honoured; the address is also shown for a
machine without one), answered on a loopback listener at 127.0.0.1 on a free port.

The protocol itself (authorization URL, PKCE challenge, the state check, token requests and
their errors) is Authlib's OAuth2Session: a kept, widely used library that covers the
authorization code grant with PKCE and refresh tokens in one package, for any provider
(msal speaks only to Microsoft, google-auth-oauthlib only to Google; requests-oauthlib
would do too, with PKCE since 2.0, but stacks two libraries where one does).

The refresh token is kept in the keychain only (sync.credentials); access tokens live in
memory, are renewed a minute before they expire and once more when the IMAP server refuses
one. A revoked grant (invalid_grant) is one sentence: sign in again.
"""
from __future__ import annotations

import html
import http.server
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import MismatchingStateException

from models import settings
from models.errors import InvalidInput, LeadbookError
from sync import credentials

from . import imap

SIGN_IN_SECONDS = 300  # the whole browser sign-in, from opening the page to the answer
HTTP_SECONDS = 30  # one request to the authorization server
LEEWAY = 60  # seconds: an access token this close to its expiry is renewed first
ISSUER_SCOPES = ("openid", "email", "offline_access")  # asked of a discovered issuer, where it offers them


class SignInError(LeadbookError):
    """The browser sign-in did not finish: refused, cancelled, timed out, or answered wrongly."""


class SignInNeeded(imap.MailAuthError):
    """The grant is gone (revoked, expired or never made): only a new sign-in helps."""

    def __init__(self, account_name: str):
        super().__init__(f"Mail account '{account_name}': sign in again: `leadbook account signin {account_name}`.")


@dataclass(frozen=True)
class Provider:
    """Where to sign in and what to ask for."""

    key: str  # google | microsoft | the issuer URL
    label: str
    authorize_url: str
    token_url: str
    scope: str
    redirect_host: str = "127.0.0.1"  # what the redirect URI names; the listener is on 127.0.0.1 either way
    extra: tuple[tuple[str, str], ...] = ()  # more authorization parameters

    @property
    def named(self) -> bool:
        return self.key in PROVIDERS


PROVIDERS: dict[str, Provider] = {
    # offline_access is Google's access_type=offline; prompt=consent makes it hand out a refresh token every time
    "google": Provider("google", "Google", "https://accounts.google.com/o/oauth2/v2/auth",
                       "https://oauth2.googleapis.com/token", "https://mail.google.com/",
                       extra=(("access_type", "offline"), ("prompt", "consent"))),
    # Microsoft's app registration accepts http://localhost with any port for desktop clients
    "microsoft": Provider("microsoft", "Microsoft", "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                          "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                          "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
                          redirect_host="localhost", extra=(("prompt", "select_account"),)),
}
_discovered: dict[str, Provider] = {}
_discover_lock = threading.Lock()


def _check_transport(url: str, what: str) -> None:
    """https, or http to this computer only: a token must never cross a network in clear text."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and imap.is_loopback(parts.hostname):
        return
    raise InvalidInput(f"The {what} {url} is not an https address (http is allowed only for this computer).")


def provider(spec: str, timeout: float = HTTP_SECONDS) -> Provider:
    """google, microsoft, or an issuer URL whose metadata is read (once per run) from its well-known address."""
    spec = spec.strip()
    if spec.lower() in PROVIDERS:
        return PROVIDERS[spec.lower()]
    if "://" not in spec:
        raise InvalidInput(f"'{spec}' is not a sign-in provider: use google, microsoft or the issuer's https URL.")
    _check_transport(spec, "sign-in issuer")
    issuer = spec.rstrip("/")
    with _discover_lock:
        if issuer not in _discovered:
            _discovered[issuer] = _discover(issuer, timeout)
        return _discovered[issuer]


def _discover(issuer: str, timeout: float) -> Provider:
    metadata: dict[str, Any] | None = None
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        try:
            response = requests.get(issuer + path, timeout=timeout)
        except requests.RequestException as exc:
            raise SignInError(f"The sign-in issuer {issuer} cannot be reached ({type(exc).__name__}).") from None
        if response.ok:
            try:
                metadata = response.json()
            except ValueError:
                metadata = None
            if isinstance(metadata, dict):
                break
    if not metadata or not metadata.get("authorization_endpoint") or not metadata.get("token_endpoint"):
        raise SignInError(f"{issuer} publishes no OAuth metadata (neither /.well-known/openid-configuration nor "
                          "/.well-known/oauth-authorization-server names its endpoints).")
    for key in ("authorization_endpoint", "token_endpoint"):
        _check_transport(metadata[key], f"issuer's {key.replace('_', ' ')}")
    offered = metadata.get("scopes_supported") or ISSUER_SCOPES
    scope = " ".join(s for s in ISSUER_SCOPES if s in offered)
    return Provider(issuer, urlsplit(issuer).hostname or issuer, metadata["authorization_endpoint"],
                    metadata["token_endpoint"], scope)


def client_id(spec: str, given: str | None = None) -> str:
    """The OAuth client id: the one given, else the `oauth_<provider>_client_id` setting; a clear error if none."""
    if given and given.strip():
        return given.strip()
    key = spec.strip().lower()
    if key in PROVIDERS:
        stored = settings.get(f"oauth_{key}_client_id")
        if stored:
            return stored
        raise InvalidInput(f"Sign-in with {PROVIDERS[key].label} needs an OAuth client id: give --oauth-client-id ID, "
                           f"or set it once with `leadbook config oauth_{key}_client_id ID` (the README says how "
                           "to register one).")
    raise InvalidInput(f"Sign-in with {spec} needs the client id registered there: give --oauth-client-id ID.")


def _client_secret(prov: Provider) -> str | None:
    # Google's desktop clients come with a "secret" that Google documents as not confidential for installed
    # apps, yet its token endpoint asks for it; public clients (Microsoft, most issuers) have none.
    return settings.get(f"oauth_{prov.key}_client_secret") if prov.named else None


def _session(prov: Provider, client: str, **kw: Any) -> OAuth2Session:
    secret = _client_secret(prov)
    return OAuth2Session(client, secret, scope=prov.scope, code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_post" if secret else "none", **kw)


# --- the browser sign-in -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    refresh_token: str
    access_token: str
    expires_at: float  # time.time()


class _Listener(http.server.ThreadingHTTPServer):
    """The loopback redirect target: takes the first answer at / and says so to the browser."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.expected_state = ""
        self.answer: str | None = None  # the path and query of the redirect
        self.arrived = threading.Event()


class _Answer(http.server.BaseHTTPRequestHandler):
    server: _Listener

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path != "/" or not ({"code", "error"} & query.keys()) or self.server.arrived.is_set():
            self._page(404, "Nothing here.")
            return
        self.server.answer = self.path
        self.server.arrived.set()
        if query.get("state", [""])[0] != self.server.expected_state:
            self._page(400, "This answer does not belong to the sign-in Leadbook started; it was refused.")
        elif "error" in query:
            self._page(200, "Sign-in was not completed; you can close this window.")
        else:
            self._page(200, "Signed in: you can close this window and return to Leadbook.")

    def _page(self, status: int, text: str) -> None:
        body = f"<!doctype html><title>Leadbook</title><p>{html.escape(text)}</p>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the query holds the code: no logs
        pass


@dataclass(frozen=True)
class Browser:
    """How a sign-in meets the user: the address shown (for a machine without a browser), a way to cancel."""

    show: Callable[[str], None] | None = None
    cancelled: Callable[[], bool] | None = None
    open: Callable[[str], Any] = webbrowser.open  # honours BROWSER
    timeout: float = SIGN_IN_SECONDS


def sign_in(prov: Provider, client: str, login_hint: str = "", browser: Browser | None = None) -> Grant:
    """Sign in through the browser and return the grant. Raises SignInError (refused, cancelled, timed out)."""
    browser = browser or Browser()
    listener = _Listener()
    serving = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.1},
                               name="leadbook-oauth-listener", daemon=True)
    serving.start()
    try:
        session = _session(prov, client, redirect_uri=f"http://{prov.redirect_host}:{listener.server_port}/")
        verifier = generate_token(64)
        url, state = session.create_authorization_url(prov.authorize_url, code_verifier=verifier,
                                                      **({"login_hint": login_hint} if login_hint else {}),
                                                      **dict(prov.extra))
        listener.expected_state = state
        if browser.show is not None:
            browser.show(url)
        try:
            browser.open(url)
        except (webbrowser.Error, OSError):  # no browser here: the address was shown to open elsewhere
            pass
        deadline = time.monotonic() + browser.timeout
        while not listener.arrived.wait(0.1):
            if browser.cancelled is not None and browser.cancelled():
                raise SignInError("Sign-in cancelled.")
            if time.monotonic() > deadline:
                raise SignInError(f"Sign-in with {prov.label} did not finish within {browser.timeout / 60:g} "
                                  "minutes; try again.")
    finally:
        listener.shutdown()
        listener.server_close()
        serving.join(5)
    answer = f"http://{prov.redirect_host}{listener.answer}"
    query = parse_qs(urlsplit(answer).query)
    if "error" in query:  # the user said no, or the server would not sign in this client
        raise SignInError(_refusal(prov, query["error"][0], query.get("error_description", [""])[0]))
    try:
        token = session.fetch_token(prov.token_url, authorization_response=answer, state=state,
                                    code_verifier=verifier, timeout=HTTP_SECONDS)
    except MismatchingStateException:
        raise SignInError("The sign-in answer did not match the sign-in Leadbook started (wrong state), so it "
                          "was refused; try again.") from None
    except OAuthError as exc:
        raise SignInError(_refusal(prov, exc.error, exc.description)) from None
    except requests.RequestException as exc:
        raise SignInError(f"{prov.label} cannot be reached to finish the sign-in ({type(exc).__name__}).") from None
    if not token.get("refresh_token"):
        raise SignInError(f"{prov.label} signed you in but gave no refresh token, so Leadbook could not read mail "
                          "later on its own; check that the client may ask for offline access.")
    return Grant(token["refresh_token"], token["access_token"], _expiry(token))


def _refusal(prov: Provider, error: str, description: str | None) -> str:
    why = f": {description}" if description and description != error else ""
    return f"{prov.label} refused the sign-in ({error}{why})."


def _expiry(token: dict[str, Any]) -> float:
    if token.get("expires_at"):
        return float(token["expires_at"])
    return time.time() + float(token.get("expires_in") or 3600)


# --- access tokens for IMAP ---------------------------------------------------------------------------

class TokenSource:
    """The access tokens of one account (imap.TokenSource): in memory only, renewed with the keychain's
    refresh token before they expire, or at once when `fresh` is asked after a refused login."""

    def __init__(self, account_id: str, name: str, spec: str, client: str) -> None:
        self.account_id, self.name, self.spec, self.client = account_id, name, spec, client
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def access_token(self, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or time.time() > self._expires_at - LEEWAY:
                self._renew()
            assert self._token is not None
            return self._token

    def keep(self, grant: Grant) -> None:
        """Use the access token a sign-in just brought."""
        with self._lock:
            self._token, self._expires_at = grant.access_token, grant.expires_at

    def _renew(self) -> None:
        refresh = credentials.get_refresh_token(self.account_id)
        if not refresh:
            raise SignInNeeded(self.name)
        try:
            prov = provider(self.spec)
            token = _session(prov, self.client).refresh_token(prov.token_url, refresh_token=refresh,
                                                              timeout=HTTP_SECONDS)
        except OAuthError as exc:
            if exc.error in ("invalid_grant", "invalid_token"):
                self._token = None
                credentials.delete_refresh_token(self.account_id)  # useless now: the account shows "sign in again"
                raise SignInNeeded(self.name) from None
            raise imap.MailAuthError(f"Mail account '{self.name}': the sign-in server refused to renew access "
                                     f"({exc.error}).") from None
        except (requests.RequestException, SignInError) as exc:
            raise imap.MailConnectionError(f"Mail account '{self.name}': the sign-in server cannot be reached to "
                                           f"renew access ({type(exc).__name__}); it will be tried again.") from None
        if token.get("refresh_token") and token["refresh_token"] != refresh:  # rotated (Microsoft does)
            credentials.set_refresh_token(self.account_id, token["refresh_token"])
        self._token, self._expires_at = token["access_token"], _expiry(token)


_sources: dict[str, TokenSource] = {}
_sources_lock = threading.Lock()


def token_source(account: Any) -> TokenSource:
    """The one token source of an OAuth account in this process, so every pass and watcher shares its token."""
    with _sources_lock:
        source = _sources.get(account.id)
        if source is None or (source.spec, source.client) != (account.oauth, account.oauth_client_id):
            source = _sources[account.id] = TokenSource(account.id, account.name, account.oauth,
                                                        account.oauth_client_id)
        source.name = account.name
        return source


def forget(account_id: str) -> None:
    """Drop an account's cached access token (removed, or its sign-in failed)."""
    with _sources_lock:
        _sources.pop(account_id, None)


def asks_sign_in(message: str | None) -> bool:
    """Whether an account's error says that only a new sign-in helps."""
    return bool(message) and "sign in again: `leadbook account signin " in message


def account_credential(account: Any) -> imap.Credential:
    """What an account logs in with: its keychain password, or its OAuth token source."""
    if account.oauth:
        return token_source(account)
    password = credentials.get_password(account.id, legacy=(account.name, account.username))
    if password is None:
        raise imap.MailAuthError(f"Mail account '{account.name}' has no password in the system keychain: remove the "
                                 "account and add it again with its password.")
    return password
