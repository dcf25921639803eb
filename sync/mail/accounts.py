"""Mail accounts: add (tested; password or OAuth refresh token to the keychain only), sign in, list, test, remove.

Keychain entries are keyed by the account's id, so renaming an account moves nothing, and two data
folders with an account of the same name keep their secrets apart.
"""
from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.clock import now
from models.errors import InvalidInput, NotFound
from models.tables import MailAccount, MailCursor, database
from sync import credentials

from . import imap, oauth
from .capture import account_folders

DEFAULT_SINCE_DAYS = 30


@dataclass(frozen=True)
class AccountForm:
    """What the account form holds (no password: that travels separately, straight to the keychain)."""

    name: str
    host: str
    port: int
    security: str
    username: str
    folders: tuple[str, ...]
    sent_folder: str | None
    since: datetime


@dataclass(frozen=True)
class AccountInfo(AccountForm):
    """An account as lists show it (no password, ever)."""

    id: str
    last_check_at: datetime | None
    last_error: str | None
    oauth: str | None = None  # google | microsoft | an issuer URL; None: a password

    @property
    def sign_in(self) -> str:
        """How the account signs in, as lists say it."""
        return f"OAuth ({self.oauth})" if self.oauth else "password"

    @property
    def needs_sign_in(self) -> bool:
        """The last check said only a new sign-in helps (the grant was revoked or expired)."""
        return bool(self.oauth) and oauth.asks_sign_in(self.last_error)


def _info(row: MailAccount) -> AccountInfo:
    return AccountInfo(name=row.name, host=row.host, port=row.port, security=row.security, username=row.username,
                       folders=tuple(account_folders(row)), sent_folder=row.sent_folder, since=row.since, id=row.id,
                       last_check_at=row.last_check_at, last_error=row.last_error, oauth=row.oauth)


def find_account(name: str) -> MailAccount:
    row = MailAccount.get_or_none(MailAccount.name == name.strip())
    if row is None:
        names = ", ".join(a.name for a in MailAccount.select().order_by(MailAccount.name)) or "none yet"
        raise NotFound(f"There is no mail account '{name}' (accounts: {names}).")
    return row


def _validate(name: str, host: str, port: int | None, security: str, username: str,
              renaming: str | None = None) -> int:
    if not name.strip():
        raise InvalidInput("A mail account needs a name.")
    if not host.strip():
        raise InvalidInput("A mail account needs the IMAP server's host name.")
    if not username.strip():
        raise InvalidInput("A mail account needs a user name.")
    if security not in imap.SECURITY:
        raise InvalidInput(f"'{security}' is not a security mode: use ssl, starttls or none.")
    if security == "none" and not imap.is_loopback(host):
        raise InvalidInput(f"An unencrypted connection (--security none) is only allowed to this computer, "
                           f"not to {host}: use ssl or starttls.")
    port = port or imap.SECURITY[security]
    if not 0 < port < 65536:
        raise InvalidInput(f"{port} is not a port number.")
    if name.strip() != renaming and MailAccount.select().where(MailAccount.name == name.strip()).exists():
        raise InvalidInput(f"There is already a mail account named '{name.strip()}': pick another name "
                           "or remove that one first.")
    return port


def add_account(name: str, host: str, port: int | None = None, security: str = "ssl", username: str = "",
                password: str | None = None, folders: Sequence[str] | None = None, sent_folder: str | None = None,
                since: datetime | None = None, test: bool = True, ssl_context: ssl.SSLContext | None = None,
                oauth_provider: str | None = None, oauth_client_id: str | None = None,
                browser: oauth.Browser | None = None) -> AccountInfo:
    """Add an account; with a password the connection is tested first and nothing is kept on failure.

    With `oauth_provider` (google, microsoft or an issuer URL) the owner signs in through the
    browser instead, and the connection is tested with the token. The password or refresh
    token goes to the system keychain and nowhere else.
    """
    port = _validate(name, host, port, security, username)
    row = MailAccount(name=name.strip(), host=host.strip(), port=port, security=security,
                      username=username.strip(), folders=json.dumps(list(folders or ["INBOX"])),
                      sent_folder=sent_folder or None, since=since or now() - timedelta(days=DEFAULT_SINCE_DAYS),
                      created_at=now())
    if oauth_provider:
        _choose_oauth(row, oauth_provider, oauth_client_id)
        _sign_in(row, browser, ssl_context, test)
    elif password and test:
        client = imap.connect(row, password, ssl_context=ssl_context)
        try:
            for folder in folders or ():
                imap.select_readonly(client, folder)
        finally:
            imap.disconnect(client)
    if password and not oauth_provider:
        credentials.set_password(row.id, password)
    try:
        with database.atomic("IMMEDIATE"):
            row.save(force_insert=True)
    except Exception:
        if password or oauth_provider:
            _forget_secrets(row.id)
        raise
    return _info(row)


def _choose_oauth(row: MailAccount, spec: str, given_client_id: str | None) -> None:
    """Set the row's provider (checked, an issuer's metadata read) and client id (given or configured)."""
    row.oauth = oauth.provider(spec).key
    row.oauth_client_id = oauth.client_id(row.oauth, given_client_id)


def _sign_in(row: MailAccount, browser: oauth.Browser | None, ssl_context: ssl.SSLContext | None,
             test: bool = True) -> None:
    """Sign in through the browser, check that the server takes the token, then keep the refresh token."""
    grant = oauth.sign_in(oauth.provider(row.oauth), row.oauth_client_id, row.username, browser)
    source = oauth.TokenSource(row.id, row.name, row.oauth, row.oauth_client_id)
    source.keep(grant)
    if test:
        check_connection(row, source, ssl_context=ssl_context)
    credentials.set_refresh_token(row.id, grant.refresh_token)
    oauth.forget(row.id)  # the next pass starts from the new grant


def _forget_secrets(account_id: str) -> None:
    credentials.delete_password(account_id)
    credentials.delete_refresh_token(account_id)
    oauth.forget(account_id)


def sign_in_again(name: str, browser: oauth.Browser | None = None,
                  ssl_context: ssl.SSLContext | None = None) -> AccountInfo:
    """Run an OAuth account's browser sign-in again (its grant was revoked); the error is cleared."""
    row = find_account(name)
    if not row.oauth:
        raise InvalidInput(f"Mail account '{row.name}' signs in with a password, not OAuth: change the password "
                           f"with `leadbook account remove {row.name}` and add it again.")
    _sign_in(row, browser, ssl_context)
    MailAccount.update(last_error=None).where(MailAccount.id == row.id).execute()
    return _info(MailAccount.get_by_id(row.id))


def update_account(name: str, *, new_name: str, host: str, port: int | None, security: str, username: str,
                   folders: Sequence[str], sent_folder: str | None, since: datetime, password: str | None = None,
                   ssl_context: ssl.SSLContext | None = None, oauth_provider: str | None = None,
                   oauth_client_id: str | None = None, browser: oauth.Browser | None = None) -> AccountInfo:
    """Change an account after testing the new settings; nothing changes if the test fails.

    Without a new password the keychain's password (or OAuth grant) is kept; a new password
    makes an OAuth account a password account, and `oauth_provider` signs in anew. The same
    mailbox (host and user unchanged) keeps its folder cursors, so nothing is read again;
    another mailbox starts from `since`.
    """
    row = find_account(name)
    port = _validate(new_name, host, port, security, username, renaming=row.name)
    changed = MailAccount(id=row.id, name=new_name.strip(), host=host.strip(), port=port, security=security,
                          username=username.strip(), folders=json.dumps(list(folders or ["INBOX"])),
                          sent_folder=sent_folder or None, since=since, created_at=row.created_at,
                          oauth=None if password else row.oauth,
                          oauth_client_id=None if password else row.oauth_client_id)
    if oauth_provider:
        _choose_oauth(changed, oauth_provider, oauth_client_id)
        _sign_in(changed, browser, ssl_context)
    else:
        credential = password or (oauth.token_source(row) if row.oauth else
                                  credentials.get_password(row.id, legacy=(row.name, row.username)))
        if not credential:
            raise InvalidInput(f"Type the password of '{row.name}': the system keychain has none for it.")
        check_connection(changed, credential, ssl_context=ssl_context)
    same_mailbox = (changed.host, changed.username) == (row.host, row.username)
    if changed.oauth:
        credentials.delete_password(row.id)
    else:
        if password:
            credentials.set_password(row.id, password)
        credentials.delete_refresh_token(row.id)
    with database.atomic("IMMEDIATE"):
        if not same_mailbox:
            MailCursor.delete().where(MailCursor.account == row.id).execute()
        changed.save(only=[MailAccount.name, MailAccount.host, MailAccount.port, MailAccount.security,
                           MailAccount.username, MailAccount.folders, MailAccount.sent_folder, MailAccount.since,
                           MailAccount.oauth, MailAccount.oauth_client_id])
    oauth.forget(row.id)
    return _info(MailAccount.get_by_id(row.id))


def list_accounts() -> list[AccountInfo]:
    return [_info(row) for row in MailAccount.select().order_by(MailAccount.name)]


def test_account(name: str, ssl_context: ssl.SSLContext | None = None) -> str:
    """One line saying what works: login, folders, Sent folder. Raises MailError on failure."""
    row = find_account(name)
    return check_connection(row, oauth.account_credential(row), ssl_context=ssl_context)


def check_connection(row: MailAccount, credential: imap.Credential, ssl_context: ssl.SSLContext | None = None,
                     timeout: float = 30) -> str:
    """Log in with these settings (saved or not) and check the folders; one line on success."""
    client = imap.connect(row, credential, timeout=timeout, ssl_context=ssl_context)
    try:
        names = [str(n) for _flags, _delim, n in client.list_folders()]
        sent = row.sent_folder or imap.find_sent_folder(client)
        missing = [f for f in account_folders(row) if f not in names and f.upper() != "INBOX"]
        if row.sent_folder and row.sent_folder not in names:
            missing.append(row.sent_folder)
        idle = "IDLE" if client.has_capability("IDLE") else "no IDLE (polling)"
    finally:
        imap.disconnect(client)
    if missing:
        raise imap.FolderError(f"Mail account '{row.name}': logged in, but the folder(s) {', '.join(missing)} "
                               f"do not exist; the server has {', '.join(names)}.")
    shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    how = f" with OAuth ({row.oauth})" if row.oauth else ""
    return (f"OK: logged in to {row.host}:{row.port} ({row.security}) as {row.username}{how}; {len(names)} folders "
            f"({shown}); Sent folder: {sent or 'not found (replies will not be tracked)'}; {idle}.")


# --- the account form (Settings, first run) ---------------------------------------------------------

def check_settings(form: AccountForm, password: str | None, existing: str | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> str:
    """Log in with the form's settings (stored or not) and check the folders; one line saying what works.

    With no password typed, the existing account's stored one (or OAuth grant) is used. Raises MailError or
    InvalidInput.
    """
    credential: imap.Credential | None = password or None
    if not credential and existing:
        credential = oauth.account_credential(find_account(existing))
    if not credential:
        raise InvalidInput("Type the password to test the connection.")
    if form.security == "none" and not imap.is_loopback(form.host):
        raise InvalidInput("An unencrypted connection is only allowed to this computer: choose SSL or STARTTLS.")
    unsaved = MailAccount(name=form.name or "new account", host=form.host, port=form.port, security=form.security,
                          username=form.username, folders=json.dumps(list(form.folders)),
                          sent_folder=form.sent_folder, since=form.since)
    return check_connection(unsaved, credential, ssl_context=ssl_context, timeout=20)


def save_account(form: AccountForm, password: str | None, existing: str | None = None,
                 ssl_context: ssl.SSLContext | None = None, oauth_provider: str | None = None,
                 browser: oauth.Browser | None = None) -> AccountInfo:
    """Add an account, or change the one named `existing`: tested first, nothing changes on failure.

    With `oauth_provider` the owner signs in through the browser instead of typing a password
    (the client id comes from the `oauth_<provider>_client_id` setting).
    """
    values = dict(host=form.host, port=form.port, security=form.security, username=form.username,
                  folders=list(form.folders), sent_folder=form.sent_folder, since=form.since,
                  ssl_context=ssl_context, oauth_provider=oauth_provider, browser=browser)
    if existing is None:
        if not password and not oauth_provider:
            raise InvalidInput("Type the account's password: it goes to your system keychain, nowhere else.")
        return add_account(form.name, **values, password=password)
    return update_account(existing, new_name=form.name, **values, password=password or None)


def remove_account(name: str) -> None:
    """Forget an account, its password or grant and cursors; the messages already read stay (and their leads)."""
    row = find_account(name)
    with database.atomic("IMMEDIATE"):
        MailCursor.delete().where(MailCursor.account == row.id).execute()
        row.delete_instance()  # stored messages keep their verdicts; their account_id becomes NULL
    _forget_secrets(row.id)
