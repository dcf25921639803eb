"""New lead: a short form that checks as you type and warns about a duplicate before saving."""
from __future__ import annotations

from functools import partial
from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from models import settings
from models.contacts import normalise_email, normalise_phone
from models.errors import InvalidInput
from models.new_lead import Duplicate, find_duplicates, save_lead
from models.plural import counted

from . import resources
from .controller import Controller
from .labels import phone_example

SOURCES = ("", "Website", "Email", "Phone", "Referral", "Walk-in", "Social media", "Marketplace", "Other")


def duplicate_warning(dupes: list[Duplicate]) -> str:
    if not dupes:
        return ""
    first = dupes[0]
    where = f"{first.status}, {first.stage}" if first.status == "open" else first.status
    text = f"<b>{escape(first.name, quote=False)}</b> ({where}) has this {first.matched} — "
    if first.status == "open":
        text += "the inquiry will be added to their timeline instead of creating a new lead."
    else:
        text += "a new lead will be created beside the closed one."
    if len(dupes) > 1:
        text += f" ({counted(len(dupes) - 1, 'more lead')} {'matches' if len(dupes) == 2 else 'match'}.)"
    return text


class NewLeadDialog(QDialog):
    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.region = "US"
        self.duplicates: list[Duplicate] = []
        self._checked: tuple[str | None, str | None] = (None, None)
        self.setWindowTitle("New lead")
        self.setWindowIcon(resources.icon("add"))
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 60)

        self.name = QLineEdit(placeholderText="Anna Schmidt")
        self.email = QLineEdit(placeholderText="anna@example.com")
        self.phone = QLineEdit()
        self.company = QLineEdit()
        self.source = QComboBox(editable=True)
        self.source.addItems(SOURCES)
        self.service = QLineEdit(placeholderText="What they asked for")
        self.message = QPlainTextEdit(placeholderText="Their message (optional)")
        self.message.setTabChangesFocus(True)
        self.message.setMaximumHeight(self.fontMetrics().height() * 6)
        self.email_error = QLabel(visible=False)
        self.email_error.setProperty("role", "error")
        self.phone_error = QLabel(visible=False)
        self.phone_error.setProperty("role", "error")
        self.warning = QLabel(visible=False, wordWrap=True)
        self.warning.setProperty("role", "warning")
        self.warning.setTextFormat(Qt.TextFormat.RichText)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Email", self.email)
        form.addRow("", self.email_error)
        form.addRow("Phone", self.phone)
        form.addRow("", self.phone_error)
        form.addRow("Company", self.company)
        form.addRow("Source", self.source)
        form.addRow("Service", self.service)
        form.addRow("Message", self.message)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Add lead")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.buttons)

        self._dupe_timer = QTimer(self, singleShot=True, interval=250)
        self._dupe_timer.timeout.connect(self.check_duplicates)
        for edit in (self.name, self.email, self.phone):
            edit.textChanged.connect(self.validate)
        self.email.textChanged.connect(self._dupe_timer.start)
        self.phone.textChanged.connect(self._dupe_timer.start)
        self.saved_id: str | None = None
        self.validate()
        controller.read(settings.phone_region, self._on_region)

    def _on_region(self, region: str) -> None:
        self.region = region
        self.phone.setPlaceholderText(phone_example(region))
        self.validate()

    def _normalised(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(email, email error, phone, phone error)."""
        email = phone = email_error = phone_error = None
        try:
            email = normalise_email(self.email.text())
        except InvalidInput as exc:
            email_error = str(exc)
        try:
            phone = normalise_phone(self.phone.text(), self.region)
        except InvalidInput as exc:
            phone_error = str(exc)
        return email, email_error, phone, phone_error

    def validate(self) -> bool:
        email, email_error, phone, phone_error = self._normalised()
        for edit, label, error in ((self.email, self.email_error, email_error),
                                   (self.phone, self.phone_error, phone_error)):
            label.setText(error or "")
            label.setVisible(bool(error))
            if bool(edit.property("invalid")) != bool(error):
                edit.setProperty("invalid", bool(error))
                edit.style().unpolish(edit)
                edit.style().polish(edit)
        has_who = bool(self.name.text().strip() or email or phone)
        ok = has_who and not email_error and not phone_error
        self.save_button.setEnabled(ok)
        self.save_button.setToolTip("" if has_who else "A lead needs a name, an email or a phone number.")
        return ok

    def check_duplicates(self) -> None:
        email, _e, phone, _p = self._normalised()
        if (email, phone) == self._checked:
            return
        self._checked = (email, phone)
        if not email and not phone:
            self._on_duplicates([])
            return
        self.controller.read(partial(find_duplicates, email, phone), self._on_duplicates)

    def _on_duplicates(self, dupes: list[Duplicate]) -> None:
        self.duplicates = dupes
        self.warning.setText(duplicate_warning(dupes))
        self.warning.setVisible(bool(dupes))
        if dupes and dupes[0].status == "open":
            self.save_button.setText(f"Add to {dupes[0].name}")
        else:
            self.save_button.setText("Add lead")

    def fields(self) -> dict[str, str | None]:
        return {"name": self.name.text().strip() or None, "email": self.email.text().strip() or None,
                "phone": self.phone.text().strip() or None, "company": self.company.text().strip() or None,
                "source": self.source.currentText().strip() or None,
                "service": self.service.text().strip() or None,
                "message": self.message.toPlainText().strip() or None}

    def save(self) -> None:
        if not self.validate():
            return
        fields = self.fields()
        if not fields["name"]:
            fields["name"] = fields["email"] or fields["phone"]
        self.save_button.setEnabled(False)
        name = fields["name"]
        self.controller.write(partial(save_lead, fields), self._on_saved, success=f"Added {name}.",
                              failed=self._on_save_failed)

    def _on_saved(self, result: tuple[str, bool]) -> None:
        self.saved_id, _created = result
        self.accept()
        self.controller.open_lead(self.saved_id)

    def _on_save_failed(self, error: str) -> None:
        """Say why beside the form and let the user fix it and try again."""
        self.warning.setText(escape(error) + " Nothing was saved.")
        self.warning.show()
        self.validate()
