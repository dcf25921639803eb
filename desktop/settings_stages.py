"""Settings › Stages and › Lost reasons: short lists edited in place, saved with the dialog.

Each pane hands back its edits only when the user touched it, so saving the other
tabs never rewrites the pipeline.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.stage_settings import MAX_OPEN_STAGES, ReasonEdit, StageEdit

from .labels import hint

ID_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
EDIT = Qt.ItemDataRole.EditRole


def _layout(page: QWidget, editor: QWidget, buttons: list[tuple[str, Callable[[], None]]],
            note: str) -> list[QPushButton]:
    """The editor over a row of buttons over a hint; returns the buttons."""
    row = QHBoxLayout()
    made = []
    for text, slot in buttons:
        button = QPushButton(text)
        button.clicked.connect(lambda _checked=False, slot=slot: slot())
        row.addWidget(button)
        made.append(button)
    row.addStretch(1)
    layout = QVBoxLayout(page)
    layout.addWidget(editor, 1)
    layout.addLayout(row)
    layout.addWidget(hint(note))
    return made


class StagesPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.touched = False
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Stage", "Definition", "Follow up every (days)", "Stale after (days)"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 1
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._touch)
        self.add_button, self.remove_button, self.up_button, self.down_button = _layout(
            self, self.table, [("Add stage", self.add_stage), ("Remove", self.remove_stage),
                               ("Move up", lambda: self.move_stage(-1)), ("Move down", lambda: self.move_stage(1))],
            f"Keep it short: at most {MAX_OPEN_STAGES} open stages, each with a plain definition. Won and Lost "
            "close a lead; they can be renamed but not removed.")

    def _touch(self, *_args: object) -> None:
        self.touched = True
        self.add_button.setEnabled(self._open_rows() < MAX_OPEN_STAGES)

    def fill(self, stages: tuple[StageEdit, ...]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for stage in stages:
            self._insert(self.table.rowCount(), stage)
        self.table.blockSignals(False)
        self._touch()
        self.touched = False

    def _insert(self, row: int, stage: StageEdit) -> None:
        self.table.insertRow(row)
        name = QTableWidgetItem(stage.name)
        name.setData(ID_ROLE, stage.id)
        name.setData(KIND_ROLE, stage.kind)
        self.table.setItem(row, 0, name)
        self.table.setItem(row, 1, QTableWidgetItem(stage.definition))
        for column, value in ((2, stage.followup_days), (3, stage.stale_days)):
            item = QTableWidgetItem()
            item.setData(EDIT, int(value))
            if stage.kind != "open":
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.DisplayRole, "—")
                item.setToolTip("A closed lead has no follow-ups")
            self.table.setItem(row, column, item)

    def _kind(self, row: int) -> str:
        return self.table.item(row, 0).data(KIND_ROLE)

    def _open_rows(self) -> int:
        return sum(1 for r in range(self.table.rowCount()) if self._kind(r) == "open")

    def add_stage(self) -> None:
        row = self._open_rows()  # new stages go after the open ones, before Won and Lost
        self.table.blockSignals(True)
        self._insert(row, StageEdit(None, "New stage", "", 3, 10))
        self.table.blockSignals(False)
        self._touch()
        self.table.setCurrentCell(row, 0)
        self.table.editItem(self.table.item(row, 0))

    def remove_stage(self) -> None:
        row = self.table.currentRow()
        if row >= 0 and self._kind(row) == "open" and self._open_rows() > 1:
            self.table.removeRow(row)
            self._touch()

    def move_stage(self, step: int) -> None:
        row, target = self.table.currentRow(), self.table.currentRow() + step
        if row < 0 or not 0 <= target < self._open_rows() or self._kind(row) != "open":
            return
        self.table.blockSignals(True)
        moving = [self.table.takeItem(row, c) for c in range(4)]
        others = [self.table.takeItem(target, c) for c in range(4)]
        for c in range(4):
            self.table.setItem(target, c, moving[c])
            self.table.setItem(row, c, others[c])
        self.table.blockSignals(False)
        self.table.setCurrentCell(target, 0)
        self._touch()

    def _days(self, row: int, column: int) -> int:
        value = str(self.table.item(row, column).data(EDIT))
        return int(value) if self._kind(row) == "open" and value.lstrip("-").isdigit() else 0

    def edits(self) -> list[StageEdit] | None:
        """The stages as the user left them; None when they were not touched."""
        if not self.touched:
            return None
        return [StageEdit(self.table.item(r, 0).data(ID_ROLE), self.table.item(r, 0).text(),
                          self.table.item(r, 1).text(), self._days(r, 2), self._days(r, 3), self._kind(r))
                for r in range(self.table.rowCount())]


class ReasonsPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.touched = False
        self.list = QListWidget()
        self.list.itemChanged.connect(self._touch)
        self.add_button, self.remove_button, _up, _down = _layout(
            self, self.list, [("Add reason", self.add_reason), ("Remove", self.remove_reason),
                              ("Move up", lambda: self.move_reason(-1)), ("Move down", lambda: self.move_reason(1))],
            "Moving a lead to Lost asks for one of these. Leads lost earlier keep their reason.")

    def _touch(self, *_args: object) -> None:
        self.touched = True

    def fill(self, reasons: tuple[ReasonEdit, ...]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for reason in reasons:
            self._append(reason)
        self.list.blockSignals(False)
        self.touched = False

    def _append(self, reason: ReasonEdit) -> QListWidgetItem:
        item = QListWidgetItem(reason.text)
        item.setData(ID_ROLE, reason.id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)
        return item

    def add_reason(self) -> None:
        self.list.blockSignals(True)
        item = self._append(ReasonEdit(None, "New reason"))
        self.list.blockSignals(False)
        self._touch()
        self.list.setCurrentItem(item)
        self.list.editItem(item)

    def remove_reason(self) -> None:
        row = self.list.currentRow()
        if row >= 0 and self.list.count() > 1:
            self.list.takeItem(row)
            self._touch()

    def move_reason(self, step: int) -> None:
        row, target = self.list.currentRow(), self.list.currentRow() + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        self.list.insertItem(target, self.list.takeItem(row))
        self.list.setCurrentRow(target)
        self._touch()

    def edits(self) -> list[ReasonEdit] | None:
        """The reasons as the user left them; None when they were not touched."""
        if not self.touched:
            return None
        return [ReasonEdit(self.list.item(r).data(ID_ROLE), self.list.item(r).text()) for r in range(self.list.count())]
