"""The lead's stage and next step: move it (asking only what the stage needs), reschedule the
pending step, or tick it off with the shared Done dialog."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from models import bulk, detail, followups
from models.board import Choices
from models.clock import now, to_local, to_utc
from models.timeline import LeadInfo

from . import followup_dialogs, resources, stage_dialogs, widgets
from .controller import Controller


class StepPane(QGroupBox):
    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__("Stage and next step", parent)
        self.controller = controller
        self.info: LeadInfo | None = None
        self.choices: Choices | None = None
        self.done_dialog: followup_dialogs.DoneDialog | None = None
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.stage = QComboBox(accessibleName="Stage")
        self.stage.activated.connect(self._on_stage_chosen)
        form.addRow("Stage:", self.stage)
        self.next_title = QLineEdit(placeholderText="What is the next step?")
        self.next_due = QDateTimeEdit(calendarPopup=True, displayFormat="ddd d MMM yyyy  HH:mm")
        self.next_title.textEdited.connect(self._on_next_edited)
        self.next_due.dateTimeChanged.connect(self._on_next_edited)
        form.addRow("Next step:", self.next_title)
        form.addRow("Due:", self.next_due)
        self.next_state = QLabel(wordWrap=True)
        form.addRow(self.next_state)
        self.save_next_button = QPushButton("Save next step", enabled=False)
        self.save_next_button.clicked.connect(self.save_next)
        self.done_button = QPushButton(resources.icon("done"), "Done…")
        self.done_button.setToolTip("Tick off this step: say what happened and what comes next, or close the lead")
        self.done_button.clicked.connect(self.done_step)
        form.addRow(widgets.button_row(self.save_next_button, self.done_button))

    def show_lead(self, info: LeadInfo, choices: Choices) -> None:
        self.info, self.choices = info, choices
        self.stage.clear()
        for stage in choices.stages:
            self.stage.addItem(stage.name, stage.id)
            self.stage.setItemData(self.stage.count() - 1, stage.definition, Qt.ItemDataRole.ToolTipRole)
        self.stage.setCurrentIndex(self.stage.findData(info.stage_id))
        is_open = info.status == "open"
        for widget in (self.next_title, self.next_due, self.done_button):
            widget.setEnabled(is_open)
        self.next_due.blockSignals(True)
        step = info.next_step
        self.next_title.setText(step.title if step else "")
        self.next_due.setDateTime(to_local(step.due).replace(tzinfo=None) if step else
                                  datetime.now().replace(second=0, microsecond=0) + timedelta(days=1))
        self.next_due.blockSignals(False)
        if step is not None:
            self._say("Overdue." if step.due < now() else "")
        elif is_open:
            self._say("No next step: every open lead needs one. Set it and save.")
        else:
            self.next_state.setText(f"Closed as {info.status}: no next step. Move it to an open stage "
                                    "to work on it again.")
            self.next_state.setPalette(self.palette())
        self.save_next_button.setEnabled(is_open and step is None)

    def _say(self, problem: str) -> None:
        self.next_state.setText(problem)
        widgets.make_error_label(self.next_state)

    def _on_stage_chosen(self, index: int) -> None:
        stage_id = self.stage.itemData(index)
        if self.info is not None and stage_id != self.info.stage_id:
            self.move_to(stage_id)

    def move_to(self, stage_id: str) -> None:
        """Move the lead, asking only what the stage needs; cancelling restores the combo."""
        assert self.info is not None and self.choices is not None
        info = self.info
        stage = next(s for s in self.choices.stages if s.id == stage_id)
        answer = stage_dialogs.ask_move(self, stage, self.choices.lost_reasons, info.name, info.value)
        if answer is None:
            self.stage.setCurrentIndex(self.stage.findData(info.stage_id))
            return
        self.controller.write(partial(bulk.move_leads, [info.id], stage_id, answer.reason, answer.value),
                              success=f"Moved {info.name} to {stage.name}.")

    def _on_next_edited(self, *_args: object) -> None:
        if self.info is not None and self.info.status == "open":
            self.save_next_button.setEnabled(bool(self.next_title.text().strip()))

    def save_next(self) -> None:
        info = self.info
        if info is None or info.status != "open":
            return
        title = self.next_title.text().strip()
        if not title:
            self._say("Say what the next step is.")
            return
        due = to_utc(self.next_due.dateTime().toPython())
        self.controller.write(partial(detail.save_next_step, info.id, due, title),
                              success=f"Next step for {info.name} saved.")

    def done_step(self) -> None:
        """Tick off the pending step with the shared Done dialog."""
        info = self.info
        if info is None or info.status != "open":
            return
        dialog = self.done_dialog = followup_dialogs.DoneDialog(self.controller, info.id, info.name, self)
        dialog.accepted.connect(lambda: self.controller.write(partial(followups.complete, info.id, dialog.choice())))
        dialog.open()
