"""OAuth 2.0 sign-in over real loopback HTTP (the tests' own authorization server) and a token-only Dovecot."""
from __future__ import annotations

import base64
import hashlib
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import mail_samples as samples
import pytest
from oauth_server import CLIENT_ID, AuthServer, browse

from models.errors import InvalidInput
from models.tables import MailAccount
from sync import credentials
from sync.mail import accounts, imap, oauth
from sync.mail.capture import capture_account


@pytest.fixture
def auth():
    server = AuthServer().start()
    yield server
    server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def redirect_of(url: str) -> str:
    """Where the authorization page sends the browser (not followed)."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        return answer.headers["Location"]
    raise AssertionError("the authorization page did not redirect")


def test_sign_in_sends_the_pkce_verifier_of_its_challenge(auth):
    """Authorization asks with an S256 challenge and state; the token request carries the matching verifier."""
    grant = oauth.sign_in(oauth.provider(auth.url), CLIENT_ID, "me@example.com", oauth.Browser(open=browse))
    assert grant.refresh_token in auth.refresh and grant.access_token in auth.access
    [(_, asked)] = [c for c in auth.calls if c[0] == "/authorize"]
    [(_, token)] = [c for c in auth.calls if c[0] == "/token"]
    assert asked["code_challenge_method"] == "S256" and asked["state"] and asked["login_hint"] == "me@example.com"
    digest = hashlib.sha256(token["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert urlsplit(asked["redirect_uri"]).hostname == "127.0.0.1" and token["client_id"] == CLIENT_ID


def test_an_answer_with_another_state_is_refused(auth):
    """A redirect whose state is not the one sent is refused (400 to the browser) and no token is asked for."""
    statuses = []

    def forged(url: str) -> None:
        location = urlsplit(redirect_of(url))
        query = {k: v[0] for k, v in parse_qs(location.query).items()} | {"state": "forged"}
        try:
            urllib.request.urlopen(f"{location.scheme}://{location.netloc}/?{urlencode(query)}", timeout=10)
        except urllib.error.HTTPError as answer:
            statuses.append(answer.code)

    with pytest.raises(oauth.SignInError, match="wrong state"):
        oauth.sign_in(oauth.provider(auth.url), CLIENT_ID, "me@example.com", oauth.Browser(open=forged))
    assert statuses == [400] and auth.count("/token") == 0


def test_a_declined_consent_is_one_sentence(auth):
    """The user declines in the browser: the sign-in says the provider refused, with its reason."""
    auth.deny = True
    with pytest.raises(oauth.SignInError, match=r"refused the sign-in \(access_denied: The user declined.\)"):
        oauth.sign_in(oauth.provider(auth.url), CLIENT_ID, "me@example.com", oauth.Browser(open=browse))


def test_cancel_ends_the_wait_and_closes_the_listener(auth):
    """Cancelled while waiting for the browser: SignInError, and the loopback port is closed again."""
    seen: list[str] = []
    cancel = threading.Event()

    def opened(url: str) -> None:
        seen.append(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        cancel.set()

    started = time.monotonic()
    with pytest.raises(oauth.SignInError, match="cancelled"):
        oauth.sign_in(oauth.provider(auth.url), CLIENT_ID, "", oauth.Browser(open=opened, cancelled=cancel.is_set))
    assert time.monotonic() - started < 5
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(seen[0] + "?code=x&state=y", timeout=2)


def test_the_sign_in_has_an_overall_deadline(auth):
    """A browser that never comes back ends the sign-in after its deadline."""
    with pytest.raises(oauth.SignInError, match="did not finish"):
        oauth.sign_in(oauth.provider(auth.url), CLIENT_ID, "", oauth.Browser(open=lambda url: None, timeout=0.3))


def test_an_http_issuer_is_refused_unless_it_is_this_computer(auth):
    """http:// is allowed only on loopback; google and microsoft need no discovery."""
    for spec in ("http://login.example.com", "ftp://127.0.0.1", "login.example.com"):
        with pytest.raises(InvalidInput):
            oauth.provider(spec)
    assert oauth.provider(auth.url).token_url == f"{auth.url}/token"
    assert oauth.provider("Microsoft").scope == "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
    assert oauth.provider("google").scope == "https://mail.google.com/"


def test_a_missing_client_id_says_how_to_set_it(store):
    """No client id given or configured: the sentence names the config key; a configured one is used."""
    with pytest.raises(InvalidInput, match="leadbook config oauth_microsoft_client_id ID"):
        oauth.client_id("microsoft")
    from models import settings

    settings.put("oauth_microsoft_client_id", "abc")
    assert oauth.client_id("microsoft") == "abc" and oauth.client_id("microsoft", "given") == "given"


@pytest.fixture
def signed_in(store, keyring_tmp, oauth_imap):
    """An OAuth account added through the browser sign-in against the token-only Dovecot."""
    box = oauth_imap.mailbox
    info = accounts.add_account("Work", box.server.host, port=box.server.port, security="none", username=box.user,
                                oauth_provider=oauth_imap.auth.url, oauth_client_id=CLIENT_ID,
                                browser=oauth.Browser(open=browse))
    return oauth_imap, MailAccount.get_by_id(info.id)


@pytest.mark.imap
def test_the_refresh_token_is_kept_in_the_keychain_and_access_tokens_in_memory(signed_in):
    """After sign-in only the refresh token is in the keychain; passes share one in-memory access token."""
    setup, account = signed_in
    [refresh] = setup.auth.refresh
    assert credentials.get_refresh_token(account.id) == refresh and credentials.get_password(account.id) is None
    setup.mailbox.append("INBOX", samples.wpforms())
    assert capture_account(account).counts["lead"] == 1
    assert capture_account(account).ok
    assert setup.auth.count("/token", grant_type="refresh_token") == 1  # the second pass reused the token


@pytest.mark.imap
def test_a_token_close_to_expiry_is_renewed_before_use(signed_in):
    """Access tokens are renewed within a minute of their expiry, before the server refuses them."""
    setup, account = signed_in
    setup.auth.lifetime = oauth.LEEWAY + 1
    oauth.token_source(account).access_token(fresh=True)
    time.sleep(1.1)
    assert capture_account(account).ok
    assert setup.auth.count("/token", grant_type="refresh_token") == 2
    assert "Authentication failed" not in setup.server.log()


@pytest.mark.imap
def test_a_refused_token_is_renewed_once_and_the_login_retried(signed_in):
    """The server refuses a token the app still thinks valid: one renewal, the same pass goes on."""
    setup, account = signed_in
    setup.auth.rotate = True  # the renewal hands out a new refresh token: it replaces the old one
    assert capture_account(account).ok
    setup.auth.expire()
    setup.mailbox.append("INBOX", samples.squarespace())
    assert capture_account(account).counts["lead"] == 1
    assert credentials.get_refresh_token(account.id) in setup.auth.refresh


@pytest.mark.imap
def test_a_revoked_grant_asks_to_sign_in_again(signed_in):
    """invalid_grant: one sentence naming the command; the dead refresh token is dropped; signin restores it."""
    setup, account = signed_in
    setup.auth.revoke(setup.mailbox.user)
    setup.auth.expire()
    result = capture_account(account)
    assert result.error == "Mail account 'Work': sign in again: `leadbook account signin Work`."
    assert credentials.get_refresh_token(account.id) is None
    [info] = accounts.list_accounts()
    assert info.needs_sign_in and info.sign_in == f"OAuth ({setup.auth.url})"
    with pytest.raises(imap.MailAuthError, match="sign in again"):
        accounts.test_account("Work")
    again = accounts.sign_in_again("Work", browser=oauth.Browser(open=browse))
    assert not again.needs_sign_in and again.last_error is None
    assert capture_account(MailAccount.get_by_id(account.id)).ok


@pytest.mark.imap
def test_removing_an_oauth_account_forgets_its_refresh_token(signed_in):
    """remove: the refresh token leaves the keychain with the account."""
    _setup, account = signed_in
    accounts.remove_account("Work")
    assert credentials.get_refresh_token(account.id) is None
