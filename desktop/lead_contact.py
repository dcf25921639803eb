"""The lead's contact form: name, company, email, phone, value, source and owner, checked as
typed and saved together; a reload never overwrites edits the user has not saved yet."""
from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models import detail
from models.contacts import display_phone
from models.timeline import LeadInfo

from . import widgets
from .controller import Controller
from .labels import phone_example
from .widgets import format_amount

LABELS = {"name": "Name", "company": "Company", "email": "Email", "phone": "Phone", "value": "Value",
          "source": "Source"}


def _error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    widgets.make_error_label(label)
    label.setWordWrap(True)
    label.hide()
    return label


class ContactForm(QGroupBox):
    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__("Contact", parent)
        self.controller = controller
        self.info: LeadInfo | None = None
        self.owners: list[str] = []
        self.region = "US"
        self.dirty = False
        self._filling = False
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, QLabel] = {}
        for name, label in LABELS.items():
            edit = self.edits[name] = QLineEdit(objectName=f"field_{name}")
            edit.textEdited.connect(self._on_edited)
            edit.editingFinished.connect(partial(self._check_field, name))
            error = self.field_errors[name] = _error_label()
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(edit)
            box.addWidget(error)
            form.addRow(label + ":", box)
        self.edits["value"].setPlaceholderText("e.g. 1200")
        self.owner = QComboBox(editable=True, insertPolicy=QComboBox.InsertPolicy.NoInsert)
        self.owner.lineEdit().setPlaceholderText("unclaimed — type a name to assign")
        self.owner.lineEdit().textEdited.connect(self._on_edited)
        self.owner.activated.connect(self._on_edited)
        form.addRow("Owner:", self.owner)
        self.form_error = _error_label()
        form.addRow(self.form_error)
        self.save_button = QPushButton("Save changes", enabled=False)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert", enabled=False)
        self.revert_button.clicked.connect(self.revert)
        form.addRow(widgets.button_row(self.revert_button, self.save_button))

    def show_lead(self, info: LeadInfo, owners: list[str], region: str) -> None:
        """Show the lead as stored, unless the user is editing it."""
        self.info, self.owners, self.region = info, owners, region
        self.edits["phone"].setPlaceholderText(f"e.g. {phone_example(region)}")
        if self.dirty:
            return
        self._filling = True
        values = {"name": info.name, "company": info.company, "email": info.email,
                  "phone": display_phone(info.phone), "value": format_amount(info.value).replace(",", ""),
                  "source": info.source}
        for name, edit in self.edits.items():
            edit.setText(values[name] or "")
            self._set_field_error(name, None)
        self.owner.clear()
        self.owner.addItems(self.owners)
        self.owner.setCurrentIndex(self.owner.findText(info.owner) if info.owner else -1)
        self.owner.setEditText(info.owner or "")
        self.form_error.hide()
        self._filling = False

    def _on_edited(self, *_args: Any) -> None:
        if not self._filling:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.save_button.setEnabled(dirty)
        self.save_button.setDefault(dirty)
        self.revert_button.setEnabled(dirty)

    def revert(self) -> None:
        self._set_dirty(False)
        if self.info is not None:
            self.show_lead(self.info, self.owners, self.region)

    def _set_field_error(self, name: str, text: str | None) -> None:
        edit, label = self.edits[name], self.field_errors[name]
        edit.setProperty("invalid", bool(text))
        edit.style().unpolish(edit)
        edit.style().polish(edit)
        label.setText(text or "")
        label.setVisible(bool(text))

    def _check_field(self, name: str) -> bool:
        problem = detail.field_problem(name, self.edits[name].text(), self.region)
        self._set_field_error(name, problem)
        return problem is None

    def save(self) -> None:
        """Check every field in place; save the changed ones in one write."""
        if self.info is None:
            return
        if not all([self._check_field(name) for name in self.edits]):
            self._show_error("Fix the marked fields; nothing was saved.")
            return
        texts = {name: edit.text() for name, edit in self.edits.items()}
        fields, owner = detail.edited_fields(self.info, texts, self.owner.currentText())
        if not fields and owner is None:
            self._set_dirty(False)
            return
        self.form_error.hide()
        self.controller.write(partial(detail.save_fields, self.info.id, fields, owner),
                              lambda _r: self._set_dirty(False),  # the reload then shows the saved values
                              failed=lambda error: self._show_error(error + " Nothing was saved."))

    def _show_error(self, text: str) -> None:
        self.form_error.setText(text)
        self.form_error.show()
