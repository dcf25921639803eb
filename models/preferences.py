"""What the Settings dialog shows and saves (you, notifications, stages, lost reasons), and
whether a data folder still needs its first-run screen. Mail accounts: sync.mail.accounts.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import settings
from .stage_settings import (
    ReasonEdit,
    StageEdit,
    current_lost_reasons,
    current_stages,
    save_lost_reasons,
    save_stages,
)
from .tables import Lead, database


@dataclass(frozen=True)
class Preferences:
    user_name: str  # "" keeps the stored name
    phone_region: str  # "" means US
    my_addresses: str
    notify_new: bool


@dataclass(frozen=True)
class SettingsData:
    preferences: Preferences
    stages: tuple[StageEdit, ...]
    lost_reasons: tuple[ReasonEdit, ...]


def load_settings() -> SettingsData:
    """Everything the Settings dialog edits, as stored now."""
    preferences = Preferences(settings.get("user_name") or "", settings.phone_region(),
                              settings.get("my_addresses") or "", settings.notify_new())
    return SettingsData(preferences, current_stages(), current_lost_reasons())


def save_settings(preferences: Preferences, stage_edits: Sequence[StageEdit] | None = None,
                  reason_edits: Sequence[ReasonEdit] | None = None) -> None:
    """All of the dialog's changes, all or nothing; None leaves the stages (or reasons) as they are."""
    with database.atomic():
        if preferences.user_name.strip():
            settings.put("user_name", preferences.user_name.strip())
        settings.put("phone_region", preferences.phone_region or "US")
        settings.put("my_addresses", preferences.my_addresses.strip())
        settings.put("notify_new", "1" if preferences.notify_new else "0")
        if stage_edits is not None:
            save_stages(stage_edits)
        if reason_edits is not None:
            save_lost_reasons(reason_edits)


def needs_first_run() -> bool:
    """Nobody has set up this data folder yet: no name stored and no leads."""
    return settings.get("user_name") is None and not Lead.select().exists()
