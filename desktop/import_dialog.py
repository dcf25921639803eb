"""File › Import…: a preview of what a file will become (the export it looks like, where each column
goes, status words to place, duplicates and problems), then the import with progress, cancel and undo.

The plan and the import run off the UI thread (models.importing); progress is read from a counter the
worker updates, by the bar's timer (desktop/progress.py), so no signal crosses threads outside the controller.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models import board, importing
from models.import_columns import CHOICES, DETAILS, IGNORE, LABEL
from models.import_report import counts, describe
from models.plural import counted

from .controller import Controller
from .progress import Progress, ProgressBar
from .widgets import button_row

FILE_FILTER = "Leads (*.csv *.xlsx *.vcf);;CSV (*.csv);;Excel (*.xlsx);;vCard (*.vcf)"
CHOICE_TITLES = {DETAILS: "keep on the timeline", IGNORE: "leave out"}
KEEP_NEW = ""  # an unknown status word's default: the lead comes in as New, the word on its timeline


def plan_with_stages(path: Path, overrides: dict[str, str], duplicates: str,
                     values: dict[str, str]) -> tuple[importing.ImportPlan, tuple[str, ...]]:
    """The plan, and the stage names an unknown status word can be placed on."""
    stage_names = tuple(stage.name for stage in board.stage_infos())
    return importing.plan_import(path, overrides, duplicates=duplicates, values=values), stage_names


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class ImportDialog(QDialog):
    planned = Signal()  # a plan is shown (tests)
    finished_import = Signal()  # the import (or its undo) ended (tests)

    def __init__(self, controller: Controller, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.path = Path(path)
        self.plan: importing.ImportPlan | None = None
        self.result: importing.ImportResult | None = None
        self.overrides: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(760, 640)

        self.profile = QLabel(f"Reading {self.path.name}…")
        self.profile.setWordWrap(True)
        self.summary = QLabel(wordWrap=True)
        self.columns = QTableWidget(0, 2)
        self.columns.setHorizontalHeaderLabels(["Column in the file", "Goes to"])
        self.columns.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.columns.setColumnWidth(1, 240)
        self.columns.verticalHeader().setVisible(False)
        self.words = QTableWidget(0, 3)
        self.words.setHorizontalHeaderLabels(["Status word", "Leads", "Becomes"])
        self.words.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.words.setColumnWidth(1, 70)
        self.words.setColumnWidth(2, 300)
        self.words.verticalHeader().setVisible(False)
        self.words_label = QLabel("Status words that are not stages (left alone, those leads come in as New "
                                  "and keep the word on their timeline):")
        self.words_label.setWordWrap(True)
        self.merge = QCheckBox("Merge rows for leads you already have into them (instead of skipping them)")
        self.merge.toggled.connect(self.replan)
        self.problems = QPlainTextEdit(readOnly=True)
        self.problems.setMaximumBlockCount(500)
        self.progress = ProgressBar()

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.undo_button = QPushButton("Undo import")
        self.undo_button.setVisible(False)
        self.undo_button.clicked.connect(self.undo)
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        for widget, stretch in ((self.profile, 0), (self.summary, 0), (self.columns, 3), (self.words_label, 0),
                                (self.words, 0), (self.merge, 0), (QLabel("Needs a look:"), 0), (self.problems, 1),
                                (self.progress, 0)):
            layout.addWidget(widget, stretch)
        layout.addLayout(button_row(self.undo_button, self.cancel_button, self.import_button))
        self.replan()

    # --- the preview ---------------------------------------------------------------------------
    def replan(self) -> None:
        self.import_button.setEnabled(False)
        duplicates = "merge" if self.merge.isChecked() else "skip"
        self.controller.read(partial(plan_with_stages, self.path, dict(self.overrides), duplicates, dict(self.values)),
                             lambda planned: self._show_plan(*planned), failed=self._plan_failed)

    def _plan_failed(self, error: str) -> None:
        self.profile.setText(f"<b>{self.path.name} cannot be imported:</b> {error}")
        self.import_button.setEnabled(False)

    def _show_plan(self, plan: importing.ImportPlan, stage_names: tuple[str, ...]) -> None:
        self.plan = plan
        self.profile.setText(f"<b>{self.path.name}</b>: " + (f"looks like a {plan.profile} export."
                                                             if plan.profile else "a spreadsheet of your own."))
        n = counts(plan)
        parts = [plural(n["add"], "new lead")]
        if n["merge"]:
            parts.append(plural(n["merge"], "row") + " merged into leads you have")
        if n["skip"]:
            parts.append(plural(n["skip"], "duplicate") + " skipped")
        if plan.rejected:
            parts.append(plural(len(plan.rejected), "row") + " rejected")
        self.summary.setText(" · ".join(parts) + (
            " — they count as answered; each open one gets a next step at its stage's usual interval"
            if n["add"] else ""))
        self._fill_columns(plan)
        self._fill_words(plan, stage_names)
        shown_above = ("Columns: ", "Status words of ")  # the tables above show these
        lines = describe(plan)[1:]  # the first line is the profile, shown above too
        self.problems.setPlainText("\n".join(line for line in lines if not line.startswith(shown_above))
                                   or "Nothing: every row reads cleanly.")
        self.import_button.setText(f"Import {counted(n['add'] + n['merge'], 'lead')}")
        self.import_button.setEnabled(n["add"] + n["merge"] > 0)  # rejected rows are left out, as listed
        self.planned.emit()

    def _fill_columns(self, plan: importing.ImportPlan) -> None:
        shown = [(column, choice) for column, choice in plan.columns.items() if choice != LABEL]
        self.columns.setRowCount(len(shown))
        for row, (column, choice) in enumerate(shown):
            self.columns.setItem(row, 0, QTableWidgetItem(column))
            box = QComboBox()
            for option in CHOICES:
                box.addItem(CHOICE_TITLES.get(option, option.replace("_", " ")), option)
            box.setCurrentIndex(max(box.findData(choice), 0))
            box.currentIndexChanged.connect(partial(self._choose_column, column, box))
            self.columns.setCellWidget(row, 1, box)

    def _choose_column(self, column: str, box: QComboBox, _index: int) -> None:
        self.overrides[column] = box.currentData()
        self.replan()

    def _fill_words(self, plan: importing.ImportPlan, stage_names: tuple[str, ...]) -> None:
        words = [(column, word, n) for column, found in plan.unknown.items() for word, n in found.items()]
        self.words.setRowCount(len(words))
        self.words.setFixedHeight(self.words.horizontalHeader().sizeHint().height() + 32 * min(len(words), 4) + 4)
        self.words.setVisible(bool(words))
        self.words_label.setVisible(bool(words))
        for row, (column, word, n) in enumerate(words):
            self.words.setItem(row, 0, QTableWidgetItem(f"{word}  ({column})"))
            self.words.setItem(row, 1, QTableWidgetItem(f"{n:,}"))
            box = QComboBox()
            box.addItem("New (the word kept on the timeline)", KEEP_NEW)
            for name in stage_names:
                box.addItem(name, name)
            box.setCurrentIndex(max(box.findData(self.values.get(f"{column}:{word}", KEEP_NEW)), 0))
            box.currentIndexChanged.connect(partial(self._place_word, column, word, box))
            self.words.setCellWidget(row, 2, box)

    def _place_word(self, column: str, word: str, box: QComboBox, _index: int) -> None:
        key = f"{column}:{word}"
        if box.currentData() == KEEP_NEW:
            self.values.pop(key, None)
        else:
            self.values[key] = box.currentData()
        self.replan()

    # --- importing -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.plan is None:
            return
        plan, state = self.plan, Progress()
        self._running(state, "Importing…")
        self.controller.run(partial(importing.apply_import, plan, True, state, state.stop.is_set), self._imported,
                            failed=self._failed, changes_data=True)

    def _running(self, state: Progress, text: str) -> None:
        self.progress.follow(state, text)
        for widget in (self.import_button, self.undo_button, self.columns, self.words, self.merge):
            widget.setEnabled(False)
        self.cancel_button.setText("Stop")

    def _stopped(self) -> None:
        self.progress.stop()
        self.cancel_button.setText("Close")

    def _imported(self, result: importing.ImportResult) -> None:
        self._stopped()
        self.result = result
        if result.cancelled:
            self.summary.setText("Stopped: nothing was imported (what had been written was taken back).")
        else:
            self.summary.setText(f"Imported: {result.added:,} added, {result.merged:,} merged, "
                                 f"{result.skipped:,} skipped, {result.rejected:,} rejected.")
            self.undo_button.setVisible(result.undo is not None)
            self.undo_button.setEnabled(result.undo is not None)
            self.controller.inform(f"Imported {counted(result.added, 'lead')} from {self.path.name}.")
        self.finished_import.emit()

    def _failed(self, error: str) -> None:
        self._stopped()
        self.summary.setText(f"<b>The import failed, nothing was imported:</b> {error}")
        self.finished_import.emit()

    def undo(self) -> None:
        if self.result is None or self.result.undo is None:
            return
        token, state = self.result.undo, Progress()
        self._running(state, "Taking the import back…")
        self.controller.run(partial(importing.undo_import, token, state), self._undone, failed=self._failed,
                            changes_data=True)

    def _undone(self, _none: Any) -> None:
        self._stopped()
        self.result = None
        self.summary.setText("The import was taken back: the leads it added are gone.")
        self.controller.inform(f"Took back the import of {self.path.name}.")
        self.finished_import.emit()

    def cancel(self) -> None:
        if self.progress.state is not None:
            self.progress.state.stop.set()  # the worker stops between batches and takes back what it wrote
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Esc while importing stops, not hides
        if event.key() == Qt.Key.Key_Escape and self.progress.state is not None:
            self.cancel()
            return
        super().keyPressEvent(event)
