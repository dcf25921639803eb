"""Mail passwords, OAuth refresh tokens and team keys in the OS keychain (keyring), and nowhere else.

Nothing here logs, prints or puts a password into an error message. When no keychain
is available the user is told so: we never fall back to storing the password ourselves.
"""
from __future__ import annotations

import base64

import keyring
import keyring.errors

from models.errors import LeadbookError

SERVICE = "Leadbook mail"
NO_KEYCHAIN = ("No system keychain is available: install and unlock one (GNOME Keyring, KWallet, "
               "macOS Keychain or Windows Credential Manager); Leadbook does not store passwords anywhere else.")


class KeychainError(LeadbookError):
    """The OS keychain is missing, locked or refused the request."""


def _entry(account_id: str) -> str:
    # The account's stable id, never its name: two data folders may hold accounts of the same name and user.
    return f"account:{account_id}"


def _translate(exc: keyring.errors.KeyringError) -> KeychainError:
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeychainError(NO_KEYCHAIN)
    # The backend's own text is left out on purpose: we cannot vouch it never echoes a secret.
    return KeychainError(f"The system keychain refused the request ({type(exc).__name__}): unlock it and try "
                         "again; Leadbook does not store passwords anywhere else.")


def _set(service: str, entry: str, secret: str) -> None:
    try:
        keyring.set_password(service, entry, secret)
    except keyring.errors.KeyringError as exc:
        raise _translate(exc) from None


def _get(service: str, entry: str) -> str | None:
    try:
        return keyring.get_password(service, entry)
    except keyring.errors.KeyringError as exc:
        raise _translate(exc) from None


def _delete(service: str, entry: str) -> None:
    """A missing entry is not an error."""
    try:
        keyring.delete_password(service, entry)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise _translate(exc) from None


def set_password(account_id: str, password: str) -> None:
    _set(SERVICE, _entry(account_id), password)


def get_password(account_id: str, legacy: tuple[str, str] | None = None) -> str | None:
    """The stored password, or None when there is none.

    `legacy` is the account's (name, user name): an entry kept under them by older versions is
    moved to the id-keyed entry the first time it is read.
    """
    password = _get(SERVICE, _entry(account_id))
    if password is None and legacy is not None:
        old = ":".join(legacy)
        password = _get(SERVICE, old)
        if password is not None:
            _set(SERVICE, _entry(account_id), password)
            _delete(SERVICE, old)
    return password


def delete_password(account_id: str) -> None:
    _delete(SERVICE, _entry(account_id))


OAUTH_SERVICE = "Leadbook mail OAuth"


def set_refresh_token(account_id: str, token: str) -> None:
    """An OAuth account's refresh token: the one secret that lets it read mail without a new sign-in."""
    _set(OAUTH_SERVICE, _entry(account_id), token)


def get_refresh_token(account_id: str) -> str | None:
    return _get(OAUTH_SERVICE, _entry(account_id))


def delete_refresh_token(account_id: str) -> None:
    _delete(OAUTH_SERVICE, _entry(account_id))


TEAM_SERVICE = "Leadbook team"


def set_team_key(team_id: str, key: bytes) -> None:
    """The team's encryption key (derived from its passphrase), kept for this user after joining."""
    _set(TEAM_SERVICE, team_id, base64.b64encode(key).decode("ascii"))


def get_team_key(team_id: str) -> bytes | None:
    stored = _get(TEAM_SERVICE, team_id)
    return None if stored is None else base64.b64decode(stored)


def delete_team_key(team_id: str) -> None:
    _delete(TEAM_SERVICE, team_id)
