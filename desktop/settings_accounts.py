"""Settings › Mail accounts: the inboxes Leadbook reads, with add, edit, test, sign in again and remove."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sync.mail import accounts
from sync.mail.accounts import AccountInfo

from .account_dialog import AccountDialog
from .controller import Controller
from .labels import hint, show_result
from .sign_in import SignIn

INFO_ROLE = Qt.ItemDataRole.UserRole + 1


def account_text(info: AccountInfo) -> str:
    if info.needs_sign_in:
        state = "signed out: use Sign in again"
    elif info.last_error:
        state = f"last error: {info.last_error}"
    else:
        state = f"checked {info.last_check_at:%Y-%m-%d %H:%M} UTC" if info.last_check_at else "not checked yet"
    return (f"{info.name} — {info.username} @ {info.host}:{info.port} ({info.security}, {info.sign_in})\n"
            f"    folders: {', '.join(info.folders)} · {state}")


class AccountsPane(QWidget):
    changed = Signal()  # an account was added, changed or removed: restart the watchers

    def __init__(self, controller: Controller, parent: QWidget | None = None, ssl_context: Any = None,
                 open_browser: Callable[[str], Any] | None = None):
        super().__init__(parent)
        self.controller = controller
        self.ssl_context = ssl_context
        self.open_browser = open_browser
        self.signing_in = SignIn(controller, open_browser)
        self.dialog: AccountDialog | None = None
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_account())
        buttons = QVBoxLayout()
        self.add_button, self.edit_button, self.test_button, self.sign_in_button, self.remove_button = (
            self._button(buttons, text, slot) for text, slot in (
                ("Add…", self.add_account), ("Edit…", self.edit_account), ("Test connection", self.test_account),
                ("Sign in again", self.sign_in_again), ("Remove", self.remove_account)))
        self.sign_in_button.setToolTip("Sign in through your browser again (the account's sign-in was revoked or "
                                       "has expired)")
        buttons.addStretch(1)
        self.result = hint("Inquiries in these inboxes become leads on their own; your replies in the Sent "
                           "folder move them along.")
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.result)

    @staticmethod
    def _button(layout: QVBoxLayout, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda: slot())
        layout.addWidget(button)
        return button

    def reload(self) -> None:
        self.controller.read(accounts.list_accounts, self.fill)

    def fill(self, infos: list[AccountInfo]) -> None:
        self.list.clear()
        for info in infos:
            item = QListWidgetItem(account_text(info))
            item.setData(INFO_ROLE, info)
            self.list.addItem(item)
        if infos:
            self.list.setCurrentRow(0)
        else:
            item = QListWidgetItem("No inbox yet: add the mailbox your inquiries arrive in.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
        self._update_buttons()

    def current_account(self) -> AccountInfo | None:
        item = self.list.currentItem()
        return item.data(INFO_ROLE) if item is not None else None

    def _update_buttons(self) -> None:
        info = self.current_account()
        for button in (self.edit_button, self.test_button, self.remove_button):
            button.setEnabled(info is not None)
        # shown for OAuth accounts only; the default button when the grant is gone
        self.sign_in_button.setVisible(bool(info and info.oauth) or self.signing_in.running)
        self.sign_in_button.setDefault(bool(info and info.needs_sign_in))

    def _open_dialog(self, existing: AccountInfo | None) -> AccountDialog:
        self.dialog = AccountDialog(self.controller, self, existing, ssl_context=self.ssl_context,
                                    open_browser=self.open_browser)
        self.dialog.saved.connect(
            lambda name: self._changed(f"Saved '{name}'. Mail is checked in the background from now on."))
        self.dialog.open()
        return self.dialog

    def add_account(self) -> AccountDialog:
        return self._open_dialog(None)

    def edit_account(self) -> AccountDialog | None:
        info = self.current_account()
        return self._open_dialog(info) if info else None

    def _changed(self, text: str) -> None:
        show_result(self.result, True, text)
        self.changed.emit()
        self.reload()

    def test_account(self) -> None:
        info = self.current_account()
        if info is None:
            return
        show_result(self.result, None, f"Testing '{info.name}'…")
        self.test_button.setEnabled(False)
        context = self.ssl_context
        self.controller.run(lambda: accounts.test_account(info.name, ssl_context=context),
                            lambda text: self._tested(True, text), lambda text: self._tested(False, text))

    def _tested(self, ok: bool, text: str) -> None:
        self.test_button.setEnabled(self.current_account() is not None)
        show_result(self.result, ok, text)

    def sign_in_again(self) -> None:
        """Run the current OAuth account's browser sign-in again; the button cancels while it waits."""
        if self.signing_in.running:
            self.signing_in.cancel()
            return
        info = self.current_account()
        if info is None:
            return
        show_result(self.result, None, f"Sign in to '{info.name}' in the browser window that opened…")
        context = self.ssl_context
        self.signing_in.start(self.sign_in_button,
                              lambda browser: accounts.sign_in_again(info.name, browser, ssl_context=context),
                              lambda _info: self._changed(f"Signed in to '{info.name}' again."),
                              lambda text: show_result(self.result, False, text))

    def remove_account(self, confirm: bool = True) -> None:
        info = self.current_account()
        if info is None:
            return
        if confirm and QMessageBox.question(
                self, "Remove mail account",
                f"Stop reading '{info.name}' and forget its password? Leads already captured stay.") \
                != QMessageBox.StandardButton.Yes:
            return
        self.controller.write(lambda: accounts.remove_account(info.name),
                              lambda _result: self._changed(f"Removed '{info.name}'."))
