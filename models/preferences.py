"""What the Settings dialog shows and saves (you, notifications, stages, lost reasons), and
whether a data folder still needs its first-run screen. Mail accounts: sync.mail.accounts.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import settings
from .errors import InvalidInput
from .stage_settings import (
    ReasonEdit,
    StageEdit,
    current_lost_reasons,
    current_stages,
    save_lost_reasons,
    save_stages,
)
from .tables import Lead, database
from .today import RESPONSE_TARGET_MINUTES, response_target_minutes

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Preferences:
    user_name: str  # "" keeps the stored name
    phone_region: str  # "" means US
    my_addresses: str
    notify_new: bool
    currency: str = ""  # an ISO code such as EUR; "" means the desktop's locale decides
    response_target_minutes: int = RESPONSE_TARGET_MINUTES  # a new inquiry turns amber, then red, past it


@dataclass(frozen=True)
class SettingsData:
    preferences: Preferences
    stages: tuple[StageEdit, ...]
    lost_reasons: tuple[ReasonEdit, ...]


def currency_code(text: str) -> str:
    """An ISO currency code, upper case ("" leaves it to the desktop's locale); InvalidInput otherwise."""
    code = text.strip().upper()
    if code and not _CURRENCY.match(code):
        raise InvalidInput(f"'{text}' is not a currency code: use three letters such as EUR, USD or GBP.")
    return code


def response_target(minutes: int | str) -> int:
    """Minutes between 1 and a week; InvalidInput naming the value otherwise."""
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 7 * 24 * 60:
        raise InvalidInput(f"{minutes} minutes is not a response target: choose between 1 minute and a week "
                           "(10080).")
    return value


def load_settings() -> SettingsData:
    """Everything the Settings dialog edits, as stored now."""
    preferences = Preferences(settings.get("user_name") or "", settings.phone_region(),
                              settings.get("my_addresses") or "", settings.notify_new(),
                              settings.currency() or "", response_target_minutes())
    return SettingsData(preferences, current_stages(), current_lost_reasons())


def save_settings(preferences: Preferences, stage_edits: Sequence[StageEdit] | None = None,
                  reason_edits: Sequence[ReasonEdit] | None = None) -> None:
    """All of the dialog's changes, all or nothing; None leaves the stages (or reasons) as they are."""
    currency = currency_code(preferences.currency)
    target = response_target(preferences.response_target_minutes)
    with database.atomic():
        if preferences.user_name.strip():
            settings.put("user_name", preferences.user_name.strip())
        settings.put("phone_region", preferences.phone_region or "US")
        settings.put("my_addresses", preferences.my_addresses.strip())
        settings.put("notify_new", "1" if preferences.notify_new else "0")
        settings.put("currency", currency)
        settings.put("response_target_minutes", str(target))
        if stage_edits is not None:
            save_stages(stage_edits)
        if reason_edits is not None:
            save_lost_reasons(reason_edits)


def needs_first_run() -> bool:
    """Nobody has set up this data folder yet: no name stored and no leads."""
    return settings.get("user_name") is None and not Lead.select().exists()
