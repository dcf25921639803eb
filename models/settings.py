"""Per-machine settings in the database (not synced)."""
from __future__ import annotations

import getpass
import locale
import os

from .tables import Setting


def get(key: str, default: str | None = None) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def put(key: str, value: str) -> None:
    Setting.insert(key=key, value=value).on_conflict_replace().execute()


def user_name() -> str:
    """Who is working here: the author of timeline entries; unset, the account's full name, else the login."""
    name = get("user_name")
    if name:
        return name
    login = getpass.getuser()
    try:
        import pwd  # Unix only

        return pwd.getpwnam(login).pw_gecos.split(",", 1)[0].strip() or login  # gecos: "Full Name,room,phone"
    except (ImportError, KeyError):
        return login


DEMO_KEY = "demo_data"  # set in a data folder that demo data was generated into


def is_demo_folder() -> bool:
    return get(DEMO_KEY) == "1"


def notify_new() -> bool:
    """Whether a new inquiry shows a desktop notification (on unless switched off)."""
    return get("notify_new") != "0"


def phone_region() -> str:
    """Default region for numbers written without a country code, e.g. 'DE'."""
    return get("phone_region") or guess_region()


def currency() -> str | None:
    """The ISO code money is shown in, e.g. 'EUR'; None: the one of the desktop's locale."""
    return get("currency") or None


def guess_region() -> str:
    """The region of the system locale (LC_ALL/LANG), or US when nothing says."""
    for candidate in (os.environ.get("LC_ALL"), os.environ.get("LANG"), locale.getlocale()[0]):
        if candidate and "_" in candidate:
            region = candidate.split("_", 1)[1][:2].upper()
            if region.isalpha():
                return region
    return "US"
