"""Settings: you, mail accounts (with Test connection), stages, lost reasons, notifications.

Everything is read and written off the UI thread through the controller. A mail password
goes from its QLineEdit straight to sync.mail.accounts, which puts it into the system
keychain: never into the database, QSettings or a log.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import phonenumbers
from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models import settings, stage_settings, stages
from models.clock import to_local, to_utc
from models.errors import InvalidInput
from models.tables import MailAccount, database
from sync import credentials
from sync.mail import accounts, imap

from .controller import Controller

log = logging.getLogger("leadbook.desktop.settings")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2


# --- data (read and written off the UI thread) ---------------------------------------------------

@dataclass(frozen=True)
class StageRow:
    id: str
    name: str
    definition: str
    followup_days: int
    stale_days: int
    kind: str


@dataclass(frozen=True)
class SettingsData:
    user_name: str
    phone_region: str
    my_addresses: str
    notify_new: bool
    stages: tuple[StageRow, ...]
    lost_reasons: tuple[tuple[str, str], ...]  # (id, text)
    accounts: tuple[accounts.AccountInfo, ...]


def load_settings() -> SettingsData:
    from models.tables import LostReason

    rows = tuple(StageRow(s.id, s.name, s.definition, s.followup_days, s.stale_days, s.kind)
                 for s in stages.all_stages())
    reasons = tuple((r.id, r.text) for r in LostReason.select().order_by(LostReason.position))
    return SettingsData(settings.get("user_name") or "", settings.phone_region(), settings.get("my_addresses") or "",
                        (settings.get("notify_new") or "1") != "0", rows, reasons,
                        tuple(accounts.list_accounts()))


def save_settings(values: dict[str, str], stage_edits: list[stage_settings.StageEdit] | None,
                  reason_edits: list[stage_settings.ReasonEdit] | None) -> None:
    """All of the dialog's changes in one transaction: all or nothing."""
    with database.atomic("IMMEDIATE"):
        for key, value in values.items():
            settings.put(key, value)
        if stage_edits is not None:
            stage_settings.save_stages(stage_edits)
        if reason_edits is not None:
            stage_settings.save_lost_reasons(reason_edits)


def region_choices() -> list[tuple[str, str]]:
    """(code, "Germany (DE)") for every region phonenumbers knows, by country name."""
    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else code
        out.append((code, f"{name} ({code})" if name != code else code))
    return sorted(out, key=lambda pair: pair[1].lower())


@dataclass(frozen=True)
class AccountForm:
    """What the account form holds (no password: that travels separately, straight to the keychain)."""

    name: str
    host: str
    port: int
    security: str
    username: str
    folders: tuple[str, ...]
    sent_folder: str | None
    since: datetime


def _transient(form: AccountForm) -> MailAccount:
    """An unsaved account row, for testing settings before they are stored."""
    return MailAccount(name=form.name or "new account", host=form.host, port=form.port, security=form.security,
                       username=form.username, folders=json.dumps(list(form.folders)),
                       sent_folder=form.sent_folder, since=form.since)


def check_settings(form: AccountForm, password: str | None, existing: str | None = None,
                  ssl_context: Any = None) -> str:
    """Log in with these settings and check the folders; one line saying what works. Raises MailError.

    With no password typed, an existing account's stored password is used.
    """
    if not password and existing:
        row = accounts.find_account(existing)
        password = credentials.get_password(row.name, row.username)
    if not password:
        raise InvalidInput("Type the password to test the connection.")
    if form.security == "none" and not imap.is_loopback(form.host):
        raise InvalidInput("An unencrypted connection is only allowed to this computer: choose SSL or STARTTLS.")
    return accounts.check_connection(_transient(form), password, ssl_context=ssl_context, timeout=20)


def save_account(form: AccountForm, password: str | None, existing: accounts.AccountInfo | None = None,
                 ssl_context: Any = None) -> accounts.AccountInfo:
    """Add an account (tested first), or change one (tested first; nothing changes on failure)."""
    values = dict(host=form.host, port=form.port, security=form.security, username=form.username,
                  folders=list(form.folders), sent_folder=form.sent_folder, since=form.since)
    if existing is None:
        if not password:
            raise InvalidInput("Type the account's password: it goes to your system keychain, nowhere else.")
        return accounts.add_account(form.name, **values, password=password, ssl_context=ssl_context)
    return accounts.update_account(existing.name, new_name=form.name, **values, password=password or None,
                                   ssl_context=ssl_context)


# --- the account form --------------------------------------------------------------------------------

class AccountDialog(QDialog):
    """Add or edit one IMAP account; "Test connection" runs off the UI thread and shows one line."""

    saved = Signal(str)  # the account's name
    tested = Signal(bool, str)  # ok, the one-line result

    def __init__(self, controller: Controller, parent: QWidget | None = None,
                 existing: accounts.AccountInfo | None = None, ssl_context: Any = None):
        super().__init__(parent)
        self.controller = controller
        self.existing = existing
        self.ssl_context = ssl_context
        self.setWindowTitle("Edit mail account" if existing else "Add a mail account")
        self.setModal(True)

        self.name = QLineEdit(placeholderText="e.g. Shop inbox")
        self.host = QLineEdit(placeholderText="imap.example.com")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(993)
        self.security = QComboBox()
        for key, label in (("ssl", "SSL/TLS (recommended)"), ("starttls", "STARTTLS"),
                           ("none", "None (this computer only)")):
            self.security.addItem(label, key)
        self.security.currentIndexChanged.connect(self._on_security_changed)
        self.username = QLineEdit(placeholderText="you@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in your system keychain" if not existing else
                                         "leave empty to keep the saved password")
        self.folders = QLineEdit("INBOX")
        self.folders.setToolTip("Folders to read for inquiries, separated by commas")
        self.sent_folder = QLineEdit(placeholderText="blank = find it automatically")
        self.since = QDateEdit(calendarPopup=True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setDate(QDate.currentDate().addDays(-accounts.DEFAULT_SINCE_DAYS))

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("IMAP server", self.host)
        form.addRow("Port", self.port)
        form.addRow("Security", self.security)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        form.addRow("Folders", self.folders)
        form.addRow("Sent folder", self.sent_folder)
        form.addRow("Read mail since", self.since)

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

        note = QLabel("The password goes to your system keychain and nowhere else. Only mail since the date "
                      "above is read; Leadbook never changes your mail (read-only).")
        note.setWordWrap(True)
        note.setProperty("role", "hint")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())
        if existing is not None:
            self._fill(existing)

    def _fill(self, info: accounts.AccountInfo) -> None:
        self.name.setText(info.name)
        self.host.setText(info.host)
        index = self.security.findData(info.security)
        self.security.setCurrentIndex(max(index, 0))
        self.port.setValue(info.port)
        self.username.setText(info.username)
        self.folders.setText(", ".join(info.folders))
        self.sent_folder.setText(info.sent_folder or "")
        since = to_local(info.since)
        self.since.setDate(QDate(since.year, since.month, since.day))

    def _on_security_changed(self) -> None:
        default = imap.SECURITY.get(self.security.currentData(), 993)
        if self.port.value() in imap.SECURITY.values():
            self.port.setValue(default)

    def form(self) -> AccountForm:
        folders = tuple(f.strip() for f in self.folders.text().split(",") if f.strip()) or ("INBOX",)
        day = self.since.date().toPython()
        return AccountForm(self.name.text().strip(), self.host.text().strip(), self.port.value(),
                           self.security.currentData(), self.username.text().strip(), folders,
                           self.sent_folder.text().strip() or None, to_utc(datetime.combine(day, time.min)))

    def _busy(self, busy: bool, text: str = "") -> None:
        self.test_button.setEnabled(not busy)
        self.buttons.setEnabled(not busy)
        if text:
            self._set_result(None, text)

    def _set_result(self, ok: bool | None, text: str) -> None:
        self.result.setProperty("role", "" if ok is None else ("hint" if ok else "error"))
        self.result.setText(text)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

    def test_connection(self) -> None:
        form, password = self.form(), self.password.text()
        existing = self.existing.name if self.existing else None
        self._busy(True, "Connecting…")
        self.controller.tasks.run(lambda: check_settings(form, password, existing, self.ssl_context),
                                  self._on_tested)

    def _on_tested(self, result: str | None, error: BaseException | None) -> None:
        self._busy(False)
        ok = error is None
        text = result if ok else _error_text(error)
        self._set_result(ok, text or "")
        self.tested.emit(ok, text or "")

    def save(self) -> None:
        form, password = self.form(), self.password.text() or None
        self._busy(True, "Checking the connection and saving…")
        self.controller.tasks.run(lambda: save_account(form, password, self.existing, self.ssl_context),
                                  self._on_saved, write=True)

    def _on_saved(self, info: accounts.AccountInfo | None, error: BaseException | None) -> None:
        self._busy(False)
        if error is not None:
            self._set_result(False, _error_text(error))
            self.tested.emit(False, _error_text(error))
            return
        self.password.clear()
        self.saved.emit(info.name if info else "")
        self.controller.data_changed.emit()
        self.accept()


def _error_text(error: BaseException | None) -> str:
    from models.errors import LeadbookError

    if isinstance(error, LeadbookError):
        return str(error)
    log.error("account check failed", exc_info=error)
    return f"Something went wrong ({type(error).__name__}); nothing was saved."


# --- the settings dialog ---------------------------------------------------------------------------

class SettingsDialog(QDialog):
    accounts_changed = Signal()  # an account was added, changed or removed: restart the watchers
    saved = Signal()
    loaded = Signal()

    def __init__(self, controller: Controller, parent: QWidget | None = None, ssl_context: Any = None):
        super().__init__(parent)
        self.controller = controller
        self.ssl_context = ssl_context
        self.data: SettingsData | None = None
        self.account_dialog: AccountDialog | None = None
        self.setWindowTitle("Settings")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._you_tab(), "You")
        self.tabs.addTab(self._accounts_tab(), "Mail accounts")
        self.tabs.addTab(self._stages_tab(), "Stages")
        self.tabs.addTab(self._reasons_tab(), "Lost reasons")
        self.tabs.addTab(self._notify_tab(), "Notifications")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self._stages_touched = False
        self._reasons_touched = False
        self.reload()

    # --- tabs ----------------------------------------------------------------------------------------
    def _you_tab(self) -> QWidget:
        page = QWidget()
        self.user_name = QLineEdit(placeholderText="shown as the author of your notes and calls")
        self.region = QComboBox()
        self.region.setEditable(False)
        for code, label in region_choices():
            self.region.addItem(label, code)
        self.my_addresses = QLineEdit(placeholderText="you@example.com, info@example.com")
        self.my_addresses.setToolTip("Your own addresses besides your mail accounts: mail from them counts as "
                                     "your reply, not as an inquiry")
        form = QFormLayout(page)
        form.addRow("Your name", self.user_name)
        form.addRow("Default phone region", self.region)
        hint = QLabel("Phone numbers written without a country code are read as numbers of this region.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        form.addRow("", hint)
        form.addRow("My addresses", self.my_addresses)
        return page

    def _accounts_tab(self) -> QWidget:
        page = QWidget()
        self.account_list = QListWidget()
        self.account_list.currentRowChanged.connect(self._update_account_buttons)
        self.account_list.itemDoubleClicked.connect(lambda _item: self.edit_account())
        self.add_account_button = QPushButton("Add…")
        self.add_account_button.clicked.connect(self.add_account)
        self.edit_account_button = QPushButton("Edit…")
        self.edit_account_button.clicked.connect(self.edit_account)
        self.test_account_button = QPushButton("Test connection")
        self.test_account_button.clicked.connect(self.test_account)
        self.remove_account_button = QPushButton("Remove")
        self.remove_account_button.clicked.connect(self.remove_account)
        buttons = QVBoxLayout()
        for button in (self.add_account_button, self.edit_account_button, self.test_account_button,
                       self.remove_account_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.account_result = QLabel("Inquiries in these inboxes become leads on their own; your replies in the "
                                     "Sent folder move them along.")
        self.account_result.setWordWrap(True)
        self.account_result.setProperty("role", "hint")
        row = QHBoxLayout()
        row.addWidget(self.account_list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(page)
        layout.addLayout(row, 1)
        layout.addWidget(self.account_result)
        return page

    def _stages_tab(self) -> QWidget:
        page = QWidget()
        self.stage_table = QTableWidget(0, 4)
        self.stage_table.setHorizontalHeaderLabels(["Stage", "Definition", "Follow up every (days)",
                                                    "Stale after (days)"])
        self.stage_table.verticalHeader().setVisible(False)
        self.stage_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.stage_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.stage_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.stage_table.itemChanged.connect(self._on_stage_edited)
        self.add_stage_button = QPushButton("Add stage")
        self.add_stage_button.clicked.connect(self.add_stage)
        self.remove_stage_button = QPushButton("Remove")
        self.remove_stage_button.clicked.connect(self.remove_stage)
        self.stage_up = QPushButton("Move up")
        self.stage_up.clicked.connect(lambda: self.move_stage(-1))
        self.stage_down = QPushButton("Move down")
        self.stage_down.clicked.connect(lambda: self.move_stage(1))
        row = QHBoxLayout()
        for button in (self.add_stage_button, self.remove_stage_button, self.stage_up, self.stage_down):
            row.addWidget(button)
        row.addStretch(1)
        hint = QLabel(f"Keep it short: at most {stage_settings.MAX_OPEN_STAGES} open stages, each with a plain "
                      "definition. Won and Lost close a lead; they can be renamed but not removed.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        layout = QVBoxLayout(page)
        layout.addWidget(self.stage_table, 1)
        layout.addLayout(row)
        layout.addWidget(hint)
        return page

    def _reasons_tab(self) -> QWidget:
        page = QWidget()
        self.reason_list = QListWidget()
        self.reason_list.itemChanged.connect(self._on_reason_edited)
        self.add_reason_button = QPushButton("Add reason")
        self.add_reason_button.clicked.connect(self.add_reason)
        self.remove_reason_button = QPushButton("Remove")
        self.remove_reason_button.clicked.connect(self.remove_reason)
        up = QPushButton("Move up")
        up.clicked.connect(lambda: self.move_reason(-1))
        down = QPushButton("Move down")
        down.clicked.connect(lambda: self.move_reason(1))
        row = QHBoxLayout()
        for button in (self.add_reason_button, self.remove_reason_button, up, down):
            row.addWidget(button)
        row.addStretch(1)
        hint = QLabel("Moving a lead to Lost asks for one of these. Leads lost earlier keep their reason.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(self.reason_list, 1)
        layout.addLayout(row)
        layout.addWidget(hint)
        return page

    def _notify_tab(self) -> QWidget:
        page = QWidget()
        self.notify_new = QCheckBox("Show a desktop notification when a new inquiry arrives")
        layout = QVBoxLayout(page)
        layout.addWidget(self.notify_new)
        layout.addStretch(1)
        return page

    # --- loading -------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.controller.read(load_settings, self._on_loaded)

    def _on_loaded(self, data: SettingsData) -> None:
        self.data = data
        self.user_name.setText(data.user_name)
        index = self.region.findData(data.phone_region)
        self.region.setCurrentIndex(max(index, 0))
        self.my_addresses.setText(data.my_addresses)
        self.notify_new.setChecked(data.notify_new)
        self._fill_accounts(data.accounts)
        self.stage_table.blockSignals(True)
        self.stage_table.setRowCount(0)
        for stage in data.stages:
            self._append_stage(stage.id, stage.name, stage.definition, stage.followup_days, stage.stale_days,
                               stage.kind)
        self.stage_table.blockSignals(False)
        self.reason_list.blockSignals(True)
        self.reason_list.clear()
        for reason_id, text in data.lost_reasons:
            self._append_reason(reason_id, text)
        self.reason_list.blockSignals(False)
        self._stages_touched = self._reasons_touched = False
        self._update_stage_buttons()
        self.loaded.emit()

    def _fill_accounts(self, infos: tuple[accounts.AccountInfo, ...] | list[accounts.AccountInfo]) -> None:
        self.account_list.clear()
        for info in infos:
            state = f"last error: {info.last_error}" if info.last_error else (
                f"checked {info.last_check_at:%Y-%m-%d %H:%M} UTC" if info.last_check_at else "not checked yet")
            item = QListWidgetItem(f"{info.name} — {info.username} @ {info.host}:{info.port} ({info.security})\n"
                                   f"    folders: {', '.join(info.folders)} · {state}")
            item.setData(ID_ROLE, info)
            self.account_list.addItem(item)
        if not infos:
            item = QListWidgetItem("No inbox yet: add the mailbox your inquiries arrive in.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.account_list.addItem(item)
        else:
            self.account_list.setCurrentRow(0)
        self._update_account_buttons()

    # --- accounts ------------------------------------------------------------------------------------
    def current_account(self) -> accounts.AccountInfo | None:
        item = self.account_list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def _update_account_buttons(self) -> None:
        has = self.current_account() is not None
        for button in (self.edit_account_button, self.test_account_button, self.remove_account_button):
            button.setEnabled(has)

    def _open_account_dialog(self, existing: accounts.AccountInfo | None) -> AccountDialog:
        dialog = AccountDialog(self.controller, self, existing, ssl_context=self.ssl_context)
        dialog.saved.connect(self._on_account_saved)
        self.account_dialog = dialog
        dialog.open()
        return dialog

    def add_account(self) -> AccountDialog:
        return self._open_account_dialog(None)

    def edit_account(self) -> AccountDialog | None:
        info = self.current_account()
        return self._open_account_dialog(info) if info else None

    def _on_account_saved(self, name: str) -> None:
        self.account_result.setText(f"Saved '{name}'. Mail is checked in the background from now on.")
        self.accounts_changed.emit()
        self.controller.read(accounts.list_accounts, self._fill_accounts)

    def test_account(self) -> None:
        info = self.current_account()
        if info is None:
            return
        self.account_result.setText(f"Testing '{info.name}'…")
        self.test_account_button.setEnabled(False)
        context = self.ssl_context
        self.controller.tasks.run(lambda: accounts.test_account(info.name, ssl_context=context),
                                  self._on_account_tested)

    def _on_account_tested(self, result: str | None, error: BaseException | None) -> None:
        self.test_account_button.setEnabled(self.current_account() is not None)
        self.account_result.setProperty("role", "hint" if error is None else "error")
        self.account_result.style().unpolish(self.account_result)
        self.account_result.style().polish(self.account_result)
        self.account_result.setText(result if error is None else _error_text(error))

    def remove_account(self, confirm: bool = True) -> None:
        info = self.current_account()
        if info is None:
            return
        if confirm and QMessageBox.question(
                self, "Remove mail account",
                f"Stop reading '{info.name}' and forget its password? Leads already captured stay.") \
                != QMessageBox.StandardButton.Yes:
            return

        def removed(_result: Any) -> None:
            self.account_result.setText(f"Removed '{info.name}'.")
            self.accounts_changed.emit()
            self.controller.read(accounts.list_accounts, self._fill_accounts)

        self.controller.write(lambda: accounts.remove_account(info.name), removed)

    # --- stages ----------------------------------------------------------------------------------------
    def _append_stage(self, stage_id: str | None, name: str, definition: str, followup: int, stale: int,
                      kind: str, row: int | None = None) -> None:
        row = self.stage_table.rowCount() if row is None else row
        self.stage_table.insertRow(row)
        name_item = QTableWidgetItem(name)
        name_item.setData(ID_ROLE, stage_id)
        name_item.setData(KIND_ROLE, kind)
        self.stage_table.setItem(row, 0, name_item)
        self.stage_table.setItem(row, 1, QTableWidgetItem(definition))
        for column, value in ((2, followup), (3, stale)):
            item = QTableWidgetItem()
            item.setData(Qt.ItemDataRole.EditRole, int(value))
            if kind != "open":
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.DisplayRole, "—")
                item.setToolTip("A closed lead has no follow-ups")
            self.stage_table.setItem(row, column, item)

    def _open_rows(self) -> int:
        return sum(1 for r in range(self.stage_table.rowCount())
                   if self.stage_table.item(r, 0).data(KIND_ROLE) == "open")

    def add_stage(self) -> None:
        row = self._open_rows()
        self.stage_table.blockSignals(True)
        self._append_stage(None, "New stage", "", 3, 10, "open", row)
        self.stage_table.blockSignals(False)
        self._stages_touched = True
        self.stage_table.setCurrentCell(row, 0)
        self.stage_table.editItem(self.stage_table.item(row, 0))
        self._update_stage_buttons()

    def remove_stage(self) -> None:
        row = self.stage_table.currentRow()
        if row < 0 or self.stage_table.item(row, 0).data(KIND_ROLE) != "open" or self._open_rows() <= 1:
            return
        self.stage_table.removeRow(row)
        self._stages_touched = True
        self._update_stage_buttons()

    def move_stage(self, step: int) -> None:
        row = self.stage_table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self._open_rows() or self.stage_table.item(row, 0).data(KIND_ROLE) != "open":
            return
        self.stage_table.blockSignals(True)
        items = [self.stage_table.takeItem(row, c) for c in range(4)]
        others = [self.stage_table.takeItem(target, c) for c in range(4)]
        for c in range(4):
            self.stage_table.setItem(target, c, items[c])
            self.stage_table.setItem(row, c, others[c])
        self.stage_table.blockSignals(False)
        self.stage_table.setCurrentCell(target, 0)
        self._stages_touched = True

    def _on_stage_edited(self, _item: QTableWidgetItem) -> None:
        self._stages_touched = True

    def _update_stage_buttons(self) -> None:
        self.add_stage_button.setEnabled(self._open_rows() < stage_settings.MAX_OPEN_STAGES)

    def stage_edits(self) -> list[stage_settings.StageEdit]:
        edits = []
        for r in range(self.stage_table.rowCount()):
            name = self.stage_table.item(r, 0)
            kind = name.data(KIND_ROLE)
            followup = self.stage_table.item(r, 2).data(Qt.ItemDataRole.EditRole)
            stale = self.stage_table.item(r, 3).data(Qt.ItemDataRole.EditRole)
            edits.append(stage_settings.StageEdit(
                name.data(ID_ROLE), name.text(), self.stage_table.item(r, 1).text(),
                int(followup) if kind == "open" and str(followup).lstrip("-").isdigit() else 0,
                int(stale) if kind == "open" and str(stale).lstrip("-").isdigit() else 0, kind))
        return edits

    # --- lost reasons ----------------------------------------------------------------------------------
    def _append_reason(self, reason_id: str | None, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(ID_ROLE, reason_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.reason_list.addItem(item)
        return item

    def add_reason(self) -> None:
        self.reason_list.blockSignals(True)
        item = self._append_reason(None, "New reason")
        self.reason_list.blockSignals(False)
        self._reasons_touched = True
        self.reason_list.setCurrentItem(item)
        self.reason_list.editItem(item)

    def remove_reason(self) -> None:
        row = self.reason_list.currentRow()
        if row >= 0 and self.reason_list.count() > 1:
            self.reason_list.takeItem(row)
            self._reasons_touched = True

    def move_reason(self, step: int) -> None:
        row = self.reason_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.reason_list.count():
            return
        item = self.reason_list.takeItem(row)
        self.reason_list.insertItem(target, item)
        self.reason_list.setCurrentRow(target)
        self._reasons_touched = True

    def _on_reason_edited(self, _item: QListWidgetItem) -> None:
        self._reasons_touched = True

    def reason_edits(self) -> list[stage_settings.ReasonEdit]:
        return [stage_settings.ReasonEdit(self.reason_list.item(r).data(ID_ROLE), self.reason_list.item(r).text())
                for r in range(self.reason_list.count())]

    # --- saving ----------------------------------------------------------------------------------------
    def save(self) -> None:
        values = {"phone_region": self.region.currentData() or "US",
                  "my_addresses": self.my_addresses.text().strip(),
                  "notify_new": "1" if self.notify_new.isChecked() else "0"}
        if self.user_name.text().strip():
            values["user_name"] = self.user_name.text().strip()
        stage_edits = self.stage_edits() if self._stages_touched else None
        reason_edits = self.reason_edits() if self._reasons_touched else None

        def done(_result: Any) -> None:
            self.saved.emit()
            self.accept()

        self.controller.write(lambda: save_settings(values, stage_edits, reason_edits), done,
                              success="Settings saved.")
