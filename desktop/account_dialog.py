"""The form to add or edit one IMAP account, with Test connection (Settings and the first run).

Provider presets (sync.mail.presets) fill in server, port and security, guessed from the address
as it is typed, and say what the provider wants instead of the normal password.

The password goes from its QLineEdit straight to sync.mail.accounts, which puts it into
the system keychain: never into the database, QSettings or a log. "Sign in with Google" /
"Sign in with Microsoft" beside it sign in through the browser (OAuth) instead, which is
what a preset whose provider needs it does on Save. Testing, saving and signing in talk to
the server, so all run off the UI thread and hold no transaction meanwhile.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from models.clock import to_local, to_utc
from sync.mail import accounts, imap, presets
from sync.mail.accounts import AccountForm, AccountInfo

from .controller import Controller
from .labels import hint, show_result
from .sign_in import SignIn

SECURITY_CHOICES = (("ssl", "SSL/TLS (recommended)"), ("starttls", "STARTTLS"), ("none", "None (this computer only)"))


class DateField(QDateEdit):
    """A date edit whose Tab leaves the field instead of stepping through year, month and day."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 (Qt's name)
        return QWidget.focusNextPrevChild(self, next)


class AccountDialog(QDialog):
    """Add or edit one IMAP account; "Test connection" shows one line saying what works."""

    saved = Signal(str)  # the account's name
    tested = Signal(bool, str)  # ok, the one-line result

    def __init__(self, controller: Controller, parent: QWidget | None = None,
                 existing: AccountInfo | None = None, ssl_context: Any = None,
                 open_browser: Callable[[str], Any] | None = None):
        super().__init__(parent)
        self.controller = controller
        self.existing = existing
        self.ssl_context = ssl_context
        self.signing_in = SignIn(controller, open_browser)
        self.setWindowTitle("Edit mail account" if existing else "Add a mail account")
        self.setModal(True)

        self.name = QLineEdit(placeholderText="e.g. Shop inbox")
        self.username = QLineEdit(placeholderText="you@example.com")
        self.username.textEdited.connect(self._on_username_edited)
        self.provider = QComboBox()
        for preset in presets.PRESETS:
            self.provider.addItem(preset.label, preset.key)
        self.provider.activated.connect(self._on_provider_chosen)
        self.chosen_by_hand = existing is not None  # a saved account's provider is never guessed over
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty to keep the saved password" if existing else
                                         "kept in your system keychain")
        self.sign_in_buttons: dict[str, QPushButton] = {}
        sign_in_row = QHBoxLayout()
        for key, label in (("google", "Sign in with Google"), ("microsoft", "Sign in with Microsoft")):
            button = self.sign_in_buttons[key] = QPushButton(label)
            button.setToolTip("Sign in through your browser (OAuth): Leadbook never sees your password")
            button.clicked.connect(partial(self.sign_in, key))
            sign_in_row.addWidget(button)
        sign_in_row.addStretch(1)
        self.provider_hint = hint("")
        self.host = QLineEdit(placeholderText="imap.example.com")
        self.port = QSpinBox(objectName="port")  # the stylesheet hides its arrows: a port is typed, not stepped
        self.port.setRange(1, 65535)
        self.port.setValue(993)
        self.port.setMinimumWidth(self.fontMetrics().horizontalAdvance("65535") * 2)
        self.port.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.security = QComboBox()
        for key, label in SECURITY_CHOICES:
            self.security.addItem(label, key)
        self.security.currentIndexChanged.connect(self._on_security_changed)
        self.folders = QLineEdit("INBOX")
        self.folders.setToolTip("Folders to read for inquiries, separated by commas")
        self.sent_folder = QLineEdit(placeholderText="blank = find it automatically")
        self.since = DateField(calendarPopup=True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setDate(QDate.currentDate().addDays(-accounts.DEFAULT_SINCE_DAYS))

        form = QFormLayout()
        for label, field in (("Name", self.name), ("Email address", self.username), ("Provider", self.provider),
                             ("Password", self.password), ("", sign_in_row), ("", self.provider_hint),
                             ("IMAP server", self.host),
                             ("Port", self.port), ("Security", self.security), ("Folders", self.folders),
                             ("Sent folder", self.sent_folder), ("Read mail since", self.since)):
            form.addRow(label, field)
        form.labelForField(self.username).setToolTip("The user name you sign in with; usually your email address")

        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint("The password (or sign-in) goes to your system keychain and nowhere else. Only mail "
                              "since the date above is read; Leadbook never changes your mail (read-only)."))
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)
        if existing is not None:
            self._fill(existing)
        else:
            self._show_preset(presets.OTHER)
        self.resize(520, self.sizeHint().height())

    def _fill(self, info: AccountInfo) -> None:
        self.name.setText(info.name)
        self._show_preset(presets.for_host(info.host))
        self.host.setText(info.host)
        self.security.setCurrentIndex(max(self.security.findData(info.security), 0))
        self.port.setValue(info.port)
        self.username.setText(info.username)
        self.folders.setText(", ".join(info.folders))
        self.sent_folder.setText(info.sent_folder or "")
        if info.oauth:
            self.password.setPlaceholderText(f"signed in with OAuth ({info.oauth}); a password would replace it")
        since = to_local(info.since)
        self.since.setDate(QDate(since.year, since.month, since.day))

    def _on_security_changed(self) -> None:
        if self.port.value() in imap.SECURITY.values():  # the user has not typed a port of their own
            self.port.setValue(imap.SECURITY.get(self.security.currentData(), 993))

    def _show_preset(self, preset: presets.Preset) -> None:
        self.provider.setCurrentIndex(self.provider.findData(preset.key))
        self.provider_hint.setText(preset.hint)
        self.password.setEnabled(preset.password)  # Microsoft takes no password over IMAP at all
        for key, button in self.sign_in_buttons.items():
            button.setDefault(key == preset.oauth)

    def apply_preset(self, preset: presets.Preset) -> None:
        """Select the provider and fill in its server, security and port."""
        self._show_preset(preset)
        if preset.host:
            self.host.setText(preset.host_for(self.username.text()))
        elif presets.for_host(self.host.text()) is not presets.OTHER:
            self.host.clear()  # "Other": a provider's server would only mislead
        self.security.setCurrentIndex(self.security.findData(preset.security))
        self.port.setValue(preset.port)

    def _on_provider_chosen(self) -> None:
        self.chosen_by_hand = True
        self.apply_preset(presets.preset(self.provider.currentData()))

    def _on_username_edited(self, text: str) -> None:
        """Guess the provider from the address's domain until the user picks one by hand."""
        current = presets.preset(self.provider.currentData())
        guessed = presets.guess(text)
        if guessed is not None and guessed is not current and not self.chosen_by_hand:
            self.apply_preset(guessed)
        elif current.host and self.host.text() in (current.host, *current.hosts.values()):
            self.host.setText(current.host_for(text))  # gmx.net -> web.de: same provider, its other server

    def form(self) -> AccountForm:
        folders = tuple(f.strip() for f in self.folders.text().split(",") if f.strip()) or ("INBOX",)
        day = self.since.date().toPython()
        return AccountForm(self.name.text().strip(), self.host.text().strip(), self.port.value(),
                           self.security.currentData(), self.username.text().strip(), folders,
                           self.sent_folder.text().strip() or None, to_utc(datetime.combine(day, time.min)))

    def _busy(self, busy: bool, keep: QPushButton | None = None) -> None:
        for button in (self.test_button, self.buttons, *self.sign_in_buttons.values()):
            button.setEnabled(not busy or button is keep)

    def _finished(self, ok: bool, text: str) -> None:
        self._busy(False)
        show_result(self.result, ok, text)
        self.tested.emit(ok, text)

    def test_connection(self) -> None:
        form, password, context = self.form(), self.password.text(), self.ssl_context
        existing = self.existing.name if self.existing else None
        self._busy(True)
        show_result(self.result, None, "Connecting…")
        self.controller.run(lambda: accounts.check_settings(form, password, existing, context),
                            lambda text: self._finished(True, text), lambda text: self._finished(False, text))

    def save(self) -> None:
        form, password, context = self.form(), self.password.text() or None, self.ssl_context
        existing = self.existing.name if self.existing else None
        preset = presets.preset(self.provider.currentData())
        if preset.oauth and not password and existing is None:  # the provider signs in with OAuth
            self.sign_in(preset.oauth)
            return
        self._busy(True)
        show_result(self.result, None, "Checking the connection and saving…")
        self.controller.run(lambda: accounts.save_account(form, password, existing, context), self._on_saved,
                            lambda text: self._finished(False, text), changes_data=True)

    def sign_in(self, provider: str) -> None:
        """Sign in through the browser with this provider, then save (the button cancels while it waits)."""
        if self.signing_in.running:
            self.signing_in.cancel()
            return
        form, context = self.form(), self.ssl_context
        existing = self.existing.name if self.existing else None
        button = self.sign_in_buttons[provider]
        self._busy(True, keep=button)
        show_result(self.result, None, "Sign in in the browser window that opened (up to 5 minutes)…")
        self.signing_in.start(button, lambda browser: accounts.save_account(form, None, existing, context, provider,
                                                                            browser),
                              self._on_saved, lambda text: self._finished(False, text))

    def reject(self) -> None:
        self.signing_in.cancel()  # closing the dialog ends a sign-in that waits for the browser
        super().reject()

    def _on_saved(self, info: AccountInfo) -> None:
        self._busy(False)
        self.password.clear()
        self.saved.emit(info.name)
        self.accept()
