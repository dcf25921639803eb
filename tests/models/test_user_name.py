"""Per-machine settings: who signs the changes when no name is set."""
from __future__ import annotations

import getpass
import pwd

import pytest

from models import settings


@pytest.fixture
def account(monkeypatch):
    """The login 'sam', whose account entry (gecos) the test sets."""
    entry = {"gecos": ""}
    monkeypatch.setattr(getpass, "getuser", lambda: "sam")

    def getpwnam(login):
        assert login == "sam"
        return pwd.struct_passwd(("sam", "x", 1000, 1000, entry["gecos"], "/home/sam", "/bin/sh"))

    monkeypatch.setattr(pwd, "getpwnam", getpwnam)
    return entry


def test_user_name_is_the_accounts_full_name(store, account):
    """With no name set, changes are signed with the account's full name, not the login."""
    account["gecos"] = "Sam Baker,Room 4,555-0100,"
    assert settings.user_name() == "Sam Baker"


def test_user_name_falls_back_to_the_login(store, account):
    """An account without a full name signs with its login."""
    assert settings.user_name() == "sam"


def test_a_set_name_wins(store, account):
    """The name from Settings › You beats the account's."""
    account["gecos"] = "Sam Baker"
    settings.put("user_name", "Samantha")
    assert settings.user_name() == "Samantha"
