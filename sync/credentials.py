"""Mail passwords and team keys in the OS keychain (keyring), and nowhere else.

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


def _entry(account_name: str, username: str) -> str:
    # One entry per account: two accounts may share a user name on different servers.
    return f"{account_name}:{username}"


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


def set_password(account_name: str, username: str, password: str) -> None:
    _set(SERVICE, _entry(account_name, username), password)


def get_password(account_name: str, username: str) -> str | None:
    """The stored password, or None when there is none."""
    return _get(SERVICE, _entry(account_name, username))


def delete_password(account_name: str, username: str) -> None:
    _delete(SERVICE, _entry(account_name, username))


TEAM_SERVICE = "Leadbook team"


def set_team_key(team_id: str, key: bytes) -> None:
    """The team's encryption key (derived from its passphrase), kept for this user after joining."""
    _set(TEAM_SERVICE, team_id, base64.b64encode(key).decode("ascii"))


def get_team_key(team_id: str) -> bytes | None:
    stored = _get(TEAM_SERVICE, team_id)
    return None if stored is None else base64.b64decode(stored)


def delete_team_key(team_id: str) -> None:
    _delete(TEAM_SERVICE, team_id)
