"""Mail accounts: add (tested, password to the keychain only), list, test, remove."""
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

from . import imap
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


def _info(row: MailAccount) -> AccountInfo:
    return AccountInfo(name=row.name, host=row.host, port=row.port, security=row.security, username=row.username,
                       folders=tuple(account_folders(row)), sent_folder=row.sent_folder, since=row.since, id=row.id,
                       last_check_at=row.last_check_at, last_error=row.last_error)


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
                since: datetime | None = None, test: bool = True,
                ssl_context: ssl.SSLContext | None = None) -> AccountInfo:
    """Add an account; with a password the connection is tested first and nothing is kept on failure.

    The password goes to the system keychain and nowhere else.
    """
    port = _validate(name, host, port, security, username)
    row = MailAccount(name=name.strip(), host=host.strip(), port=port, security=security,
                      username=username.strip(), folders=json.dumps(list(folders or ["INBOX"])),
                      sent_folder=sent_folder or None, since=since or now() - timedelta(days=DEFAULT_SINCE_DAYS),
                      created_at=now())
    if password and test:
        client = imap.connect(row, password, ssl_context=ssl_context)
        try:
            for folder in folders or ():
                imap.select_readonly(client, folder)
        finally:
            imap.disconnect(client)
    if password:
        credentials.set_password(row.name, row.username, password)
    try:
        with database.atomic("IMMEDIATE"):
            row.save(force_insert=True)
    except Exception:
        if password:
            credentials.delete_password(row.name, row.username)
        raise
    return _info(row)


def update_account(name: str, *, new_name: str, host: str, port: int | None, security: str, username: str,
                   folders: Sequence[str], sent_folder: str | None, since: datetime, password: str | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> AccountInfo:
    """Change an account after testing the new settings; nothing changes if the test fails.

    Without a new password the keychain's is kept. The same mailbox (host and user unchanged)
    keeps its folder cursors, so nothing is read again; another mailbox starts from `since`.
    """
    row = find_account(name)
    port = _validate(new_name, host, port, security, username, renaming=row.name)
    password = password or credentials.get_password(row.name, row.username)
    if not password:
        raise InvalidInput(f"Type the password of '{row.name}': the system keychain has none for it.")
    changed = MailAccount(id=row.id, name=new_name.strip(), host=host.strip(), port=port, security=security,
                          username=username.strip(), folders=json.dumps(list(folders or ["INBOX"])),
                          sent_folder=sent_folder or None, since=since, created_at=row.created_at)
    check_connection(changed, password, ssl_context=ssl_context)
    same_mailbox = (changed.host, changed.username) == (row.host, row.username)
    credentials.set_password(changed.name, changed.username, password)
    with database.atomic("IMMEDIATE"):
        if not same_mailbox:
            MailCursor.delete().where(MailCursor.account == row.id).execute()
        changed.save(only=[MailAccount.name, MailAccount.host, MailAccount.port, MailAccount.security,
                           MailAccount.username, MailAccount.folders, MailAccount.sent_folder, MailAccount.since])
    if (changed.name, changed.username) != (row.name, row.username):
        credentials.delete_password(row.name, row.username)
    return _info(MailAccount.get_by_id(row.id))


def list_accounts() -> list[AccountInfo]:
    return [_info(row) for row in MailAccount.select().order_by(MailAccount.name)]


def test_account(name: str, ssl_context: ssl.SSLContext | None = None) -> str:
    """One line saying what works: login, folders, Sent folder. Raises MailError on failure."""
    row = find_account(name)
    password = credentials.get_password(row.name, row.username)
    if password is None:
        raise imap.MailAuthError(f"Mail account '{row.name}' has no password in the system keychain: remove the "
                                 "account and add it again with its password.")
    return check_connection(row, password, ssl_context=ssl_context)


def check_connection(row: MailAccount, password: str, ssl_context: ssl.SSLContext | None = None,
                     timeout: float = 30) -> str:
    """Log in with these settings (saved or not) and check the folders; one line on success."""
    client = imap.connect(row, password, timeout=timeout, ssl_context=ssl_context)
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
    return (f"OK: logged in to {row.host}:{row.port} ({row.security}) as {row.username}; {len(names)} folders "
            f"({shown}); Sent folder: {sent or 'not found (replies will not be tracked)'}; {idle}.")


# --- the account form (Settings, first run) ---------------------------------------------------------

def check_settings(form: AccountForm, password: str | None, existing: str | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> str:
    """Log in with the form's settings (stored or not) and check the folders; one line saying what works.

    With no password typed, the existing account's stored one is used. Raises MailError or InvalidInput.
    """
    if not password and existing:
        row = find_account(existing)
        password = credentials.get_password(row.name, row.username)
    if not password:
        raise InvalidInput("Type the password to test the connection.")
    if form.security == "none" and not imap.is_loopback(form.host):
        raise InvalidInput("An unencrypted connection is only allowed to this computer: choose SSL or STARTTLS.")
    unsaved = MailAccount(name=form.name or "new account", host=form.host, port=form.port, security=form.security,
                          username=form.username, folders=json.dumps(list(form.folders)),
                          sent_folder=form.sent_folder, since=form.since)
    return check_connection(unsaved, password, ssl_context=ssl_context, timeout=20)


def save_account(form: AccountForm, password: str | None, existing: str | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> AccountInfo:
    """Add an account, or change the one named `existing`: tested first, nothing changes on failure."""
    values = dict(host=form.host, port=form.port, security=form.security, username=form.username,
                  folders=list(form.folders), sent_folder=form.sent_folder, since=form.since)
    if existing is None:
        if not password:
            raise InvalidInput("Type the account's password: it goes to your system keychain, nowhere else.")
        return add_account(form.name, **values, password=password, ssl_context=ssl_context)
    return update_account(existing, new_name=form.name, **values, password=password or None,
                          ssl_context=ssl_context)


def remove_account(name: str) -> None:
    """Forget an account, its password and cursors; the messages already read stay (and their leads)."""
    row = find_account(name)
    with database.atomic("IMMEDIATE"):
        MailCursor.delete().where(MailCursor.account == row.id).execute()
        row.delete_instance()  # stored messages keep their verdicts; their account_id becomes NULL
    credentials.delete_password(row.name, row.username)
