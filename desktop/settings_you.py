"""Settings › You and › Notifications: your name, phone region and own addresses; the desktop
notification switch."""
from __future__ import annotations

from dataclasses import replace

import phonenumbers
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from models.preferences import Preferences

from . import money
from .labels import hint

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "INR",
              "ZAR", "BRL", "MXN")
# (minutes, label): how soon a new inquiry should be answered; it turns amber at half, red past it
RESPONSE_TARGETS = ((15, "15 minutes"), (30, "30 minutes"), (60, "1 hour"), (120, "2 hours"), (240, "4 hours"),
                    (480, "8 hours (a working day)"), (1440, "24 hours"))


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
        self.currency = QComboBox()
        self.currency.addItem(f"As your computer's region ({money.locale_currency()})", "")
        for code in CURRENCIES:
            self.currency.addItem(code, code)
        self.currency.setToolTip("The currency lead values are shown in, on the board, in Leads and in reports")
        self.response_target = QComboBox()
        for minutes, label in RESPONSE_TARGETS:
            self.response_target.addItem(label, minutes)
        self.response_target.setToolTip("A new inquiry shows calmly with its waiting time, turns amber at half "
                                        "this time and red once it has waited longer")
        form = QFormLayout(self)
        form.addRow("Your name", self.user_name)
        form.addRow("Default phone region", self.region)
        form.addRow("", hint("Phone numbers written without a country code are read as numbers of this region."))
        form.addRow("My addresses", self.my_addresses)
        form.addRow("Currency", self.currency)
        form.addRow("Answer new inquiries within", self.response_target)

    def fill(self, preferences: Preferences) -> None:
        self.user_name.setText(preferences.user_name)
        self.region.setCurrentIndex(max(self.region.findData(preferences.phone_region), 0))
        self.my_addresses.setText(preferences.my_addresses)
        _choose(self.currency, preferences.currency, preferences.currency)
        _choose(self.response_target, preferences.response_target_minutes,
                f"{preferences.response_target_minutes} minutes")

    def edited(self, preferences: Preferences) -> Preferences:
        return replace(preferences, user_name=self.user_name.text(), phone_region=self.region.currentData() or "",
                       my_addresses=self.my_addresses.text(), currency=self.currency.currentData(),
                       response_target_minutes=self.response_target.currentData())


def _choose(box: QComboBox, value: object, label: str) -> None:
    """Select value, adding it first when it is not one of the choices (set from the command line)."""
    if box.findData(value) < 0:
        box.addItem(label, value)
    box.setCurrentIndex(box.findData(value))


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
