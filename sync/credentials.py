"""Mail passwords in the OS keychain (keyring), and nowhere else.

Nothing here logs, prints or puts a password into an error message. When no keychain
is available the user is told so: we never fall back to storing the password ourselves.
"""
from __future__ import annotations

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


def set_password(account_name: str, username: str, password: str) -> None:
    try:
        keyring.set_password(SERVICE, _entry(account_name, username), password)
    except keyring.errors.KeyringError as exc:
        raise _translate(exc) from None


def get_password(account_name: str, username: str) -> str | None:
    """The stored password, or None when there is none."""
    try:
        return keyring.get_password(SERVICE, _entry(account_name, username))
    except keyring.errors.KeyringError as exc:
        raise _translate(exc) from None


def delete_password(account_name: str, username: str) -> None:
    """Forget the password; a missing entry is not an error."""
    try:
        keyring.delete_password(SERVICE, _entry(account_name, username))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise _translate(exc) from None
