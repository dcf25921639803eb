"""Moving leads between stages: ask only what the target stage needs, then move.

Lost needs a reason (from the configured list), a stage that requires a value (Quoted)
and Won offer an optional value; every other move asks nothing. Cancelling changes nothing.
The board, the leads table and the lead detail all use `ask_move`, then models.bulk.move_leads.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from models import leads
from models.board import StageInfo
from models.errors import InvalidInput

from .widgets import MUTED_ROLE, format_amount, make_error_label


@dataclass(frozen=True)
class MoveAnswer:
    reason: str | None = None
    value: str | None = None  # as typed; models.leads normalises it


def needs_asking(stage: StageInfo) -> bool:
    return stage.kind in ("won", "lost") or stage.requires in ("value", "reason")


class MoveDialog(QDialog):
    """The question a move needs: a lost reason, or an optional value."""

    def __init__(self, stage: StageInfo, lost_reasons: Sequence[str], what: str, value: float | None = None,
                 count: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        self.stage = stage
        self.setWindowTitle(f"Move to {stage.name}")
        self.setModal(True)
        self.setMinimumWidth(440)  # room for the longest lost reason and the button's "Move to …"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        intro = QLabel(f"Move <b>{escape(what)}</b> to <b>{escape(stage.name)}</b>.")
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        if stage.definition:
            definition = QLabel(stage.definition)
            definition.setWordWrap(True)
            definition.setForegroundRole(MUTED_ROLE)
            layout.addWidget(definition)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.setHorizontalSpacing(12)
        layout.addLayout(form)
        self.reason: QComboBox | None = None
        self.value: QLineEdit | None = None
        if stage.kind == "lost" or stage.requires == "reason":
            self.reason = QComboBox()
            self.reason.addItems(list(lost_reasons))
            self.reason.setCurrentIndex(-1)
            self.reason.setPlaceholderText("Choose why…")
            self.reason.currentIndexChanged.connect(self._update)
            form.addRow("Reason:", self.reason)
        else:
            self.value = QLineEdit(format_amount(value).replace(",", ""))
            self.value.setPlaceholderText("optional")
            self.value.textChanged.connect(self._update)
            label = "Value of the offer:" if stage.kind == "open" else "Value of the job:"
            form.addRow(label, self.value)
            if count > 1:
                hint = QLabel(f"Applies to each of the {count} leads; leave empty to keep their values.")
                hint.setForegroundRole(MUTED_ROLE)
                form.addRow("", hint)
        self.error = QLabel()
        self.error.setWordWrap(True)
        make_error_label(self.error)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(f"Move to {stage.name}")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _problem(self) -> str | None:
        if self.reason is not None and self.reason.currentIndex() < 0:
            return ""  # not an error to shout about: the button just waits for a choice
        if self.value is not None:
            try:
                amount = leads.parse_amount(self.value.text())
            except InvalidInput as exc:
                return str(exc)
            if amount is not None and amount < 0:
                return "A value cannot be negative."
        return None

    def _update(self) -> None:
        problem = self._problem()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        self.error.setText(problem or "")
        self.error.setVisible(bool(problem))

    def accept(self) -> None:
        if self._problem() is None:
            super().accept()

    def answer(self) -> MoveAnswer:
        reason = self.reason.currentText() if self.reason is not None else None
        value = None
        if self.value is not None:
            amount = leads.parse_amount(self.value.text())
            value = None if amount is None else str(amount)
        return MoveAnswer(reason=reason, value=value)


def ask_move(parent: QWidget | None, stage: StageInfo, lost_reasons: Sequence[str], what: str,
             value: float | None = None, count: int = 1) -> MoveAnswer | None:
    """What the move to stage needs (an empty answer when nothing), or None when cancelled."""
    if not needs_asking(stage):
        return MoveAnswer()
    dialog = MoveDialog(stage, lost_reasons, what, value, count, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted.value:
            return None
        return dialog.answer()
    finally:
        dialog.deleteLater()
