"""Settings › You and › Notifications: your name, phone region and own addresses; the desktop
notification switch."""
from __future__ import annotations

from dataclasses import replace

import phonenumbers
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from models.preferences import Preferences

from .labels import hint


def region_choices() -> list[tuple[str, str]]:
    """(code, "Germany (DE)") for every region phonenumbers knows, by country name."""
    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else code
        out.append((code, f"{name} ({code})" if name != code else code))
    return sorted(out, key=lambda pair: pair[1].lower())


class YouPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.user_name = QLineEdit(placeholderText="blank = your computer account's full name")
        self.user_name.setToolTip("Shown as the author of your notes, calls and changes")
        self.region = QComboBox()
        for code, label in region_choices():
            self.region.addItem(label, code)
        self.my_addresses = QLineEdit(placeholderText="you@example.com, info@example.com")
        self.my_addresses.setToolTip("Your own addresses besides your mail accounts: mail from them counts as "
                                     "your reply, not as an inquiry")
        form = QFormLayout(self)
        form.addRow("Your name", self.user_name)
        form.addRow("Default phone region", self.region)
        form.addRow("", hint("Phone numbers written without a country code are read as numbers of this region."))
        form.addRow("My addresses", self.my_addresses)

    def fill(self, preferences: Preferences) -> None:
        self.user_name.setText(preferences.user_name)
        self.region.setCurrentIndex(max(self.region.findData(preferences.phone_region), 0))
        self.my_addresses.setText(preferences.my_addresses)

    def edited(self, preferences: Preferences) -> Preferences:
        return replace(preferences, user_name=self.user_name.text(), phone_region=self.region.currentData() or "",
                       my_addresses=self.my_addresses.text())


class NotificationsPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.notify_new = QCheckBox("Show a desktop notification when a new inquiry arrives")
        layout = QVBoxLayout(self)
        layout.addWidget(self.notify_new)
        layout.addStretch(1)

    def fill(self, preferences: Preferences) -> None:
        self.notify_new.setChecked(preferences.notify_new)

    def edited(self, preferences: Preferences) -> Preferences:
        return replace(preferences, notify_new=self.notify_new.isChecked())
