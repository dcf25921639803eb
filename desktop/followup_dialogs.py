"""Done and Snooze: the dialog that asks what happened and what comes next, the snooze menu.

They only ask; the operations (complete, snooze, undo) are in models.followups and run
through the controller.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial
from html import escape

from PySide6.QtCore import QDate, QPoint, QTime, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QRadioButton,
    QStackedWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from models import leads
from models.clock import to_utc
from models.followups import DoneChoice, LeadBrief, load_brief

from . import resources
from .controller import Controller

WORKDAY_START = time(9)


def at_workday_start(day: date) -> datetime:
    """09:00 local time on day, as stored (naive UTC)."""
    return to_utc(datetime.combine(day, WORKDAY_START).astimezone())


def presets(today: date | None = None) -> list[tuple[str, str, date]]:
    """(key, label, day) for the quick date choices."""
    today = today or date.today()
    next_monday = today + timedelta(days=7 - today.weekday())
    return [
        ("tomorrow", "Tomorrow", today + timedelta(days=1)),
        ("3days", "In 3 days", today + timedelta(days=3)),
        ("nextweek", "Next week", next_monday),
    ]


def short_day(day: date) -> str:
    return QDate(day).toString("ddd d MMM")


# --- the Done dialog --------------------------------------------------------------------------

class DoneDialog(QDialog):
    """Asks what happened and what comes next: a dated next step, or closing the lead."""

    NEXT, WON, LOST = 0, 1, 2

    def __init__(self, controller: Controller, lead_id: str, name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.lead_id = lead_id
        self.brief: LeadBrief | None = None
        self.setWindowTitle(f"Done — {name}" if name else "Done")
        self.setWindowIcon(resources.icon("done"))
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 72)

        self.heading = QLabel(f"<b>{escape(name)}</b>" if name else "")
        self.heading.setProperty("role", "title")
        self.outcome = QLineEdit(placeholderText="What happened? e.g. Called, sent the quote")

        self.kind_group = QButtonGroup(self)
        kinds = QHBoxLayout()
        for number, (text, icon) in enumerate((("Next step", "today"), ("Won", "won"), ("Lost", "lost"))):
            button = QRadioButton(text)
            button.setIcon(resources.icon(icon))
            self.kind_group.addButton(button, number)
            kinds.addWidget(button)
        kinds.addStretch(1)
        self.kind_group.button(self.NEXT).setChecked(True)

        # Next step: title and when.
        self.next_title = QLineEdit(leads.FOLLOW_UP)
        self.when = QComboBox()
        self.when.addItem("As the stage says", "default")
        for key, label, day in presets():
            self.when.addItem(f"{label} ({short_day(day)})", key)
        self.when.addItem("Pick a date…", "pick")
        self.pick = QCalendarWidget()
        self.pick.setMinimumDate(QDate.currentDate())
        self.pick.setSelectedDate(QDate.currentDate().addDays(1))
        self.pick.setGridVisible(False)
        self.pick.setVisible(False)
        self.when.currentIndexChanged.connect(self._on_when_changed)
        next_page = QWidget()
        next_form = QFormLayout(next_page)
        next_form.setContentsMargins(0, 0, 0, 0)
        next_form.addRow("Next step", self.next_title)
        next_form.addRow("When", self.when)
        next_form.addRow("", self.pick)

        won_page = QWidget()
        won_form = QFormLayout(won_page)
        won_form.setContentsMargins(0, 0, 0, 0)
        self.value = QLineEdit(placeholderText="optional, e.g. 1200")
        won_form.addRow("Value", self.value)

        lost_page = QWidget()
        lost_form = QFormLayout(lost_page)
        lost_form.setContentsMargins(0, 0, 0, 0)
        self.reason = QComboBox()
        self.reason.addItem("Choose a reason…", None)
        lost_form.addRow("Why lost", self.reason)

        self.pages = QStackedWidget()
        for page in (next_page, won_page, lost_page):
            self.pages.addWidget(page)
        self.kind_group.idToggled.connect(self._on_kind_toggled)
        self.reason.currentIndexChanged.connect(self._update_ok)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Done")
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        form = QFormLayout()
        form.addRow("What happened", self.outcome)
        layout.addLayout(form)
        layout.addLayout(kinds)
        layout.addWidget(self.pages)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.outcome.setFocus()
        self._update_ok()
        controller.read(partial(load_brief, lead_id), self._on_brief_loaded)

    def _on_brief_loaded(self, brief: LeadBrief) -> None:
        self.brief = brief
        if not self.heading.text():
            self.heading.setText(f"<b>{escape(brief.name)}</b>")
        self.heading.setText(self.heading.text() + f" · {escape(brief.stage)}"
                             + (f" · {escape(brief.step_title)}" if brief.step_title else ""))
        days = brief.default_days
        when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        self.when.setItemText(0, f"{when.capitalize()}, as usual in {brief.next_stage}")
        current = self.reason.currentData()
        self.reason.clear()
        self.reason.addItem("Choose a reason…", None)
        for text in brief.lost_reasons:
            self.reason.addItem(text, text)
        if current:
            self.reason.setCurrentIndex(max(0, self.reason.findData(current)))

    def _on_when_changed(self) -> None:
        self.pick.setVisible(self.when.currentData() == "pick")
        self.adjustSize()

    def _on_kind_toggled(self, number: int, checked: bool) -> None:
        if checked:
            self.pages.setCurrentIndex(number)
            self.ok.setText(("Done", "Close as won", "Close as lost")[number])
            self._update_ok()

    def _update_ok(self) -> None:
        lost = self.kind_group.checkedId() == self.LOST
        self.ok.setEnabled(not lost or self.reason.currentData() is not None)

    def choose(self, *, when: str | None = None, day: date | None = None) -> None:
        """Select a date preset ("default", "tomorrow", "3days", "nextweek") or a picked day."""
        if day is not None:
            self.when.setCurrentIndex(self.when.findData("pick"))
            self.pick.setSelectedDate(QDate(day))
        elif when is not None:
            self.when.setCurrentIndex(self.when.findData(when))

    def next_due(self) -> datetime | None:
        key = self.when.currentData()
        if key == "default":
            return None
        if key == "pick":
            return at_workday_start(self.pick.selectedDate().toPython())
        return at_workday_start(next(day for k, _label, day in presets() if k == key))

    def choice(self) -> DoneChoice:
        kind = self.kind_group.checkedId()
        outcome = self.outcome.text().strip() or None
        if kind == self.WON:
            return DoneChoice(outcome=outcome, close="won", value=self.value.text().strip() or None)
        if kind == self.LOST:
            return DoneChoice(outcome=outcome, close="lost", reason=self.reason.currentData())
        return DoneChoice(outcome=outcome, next_title=self.next_title.text().strip() or None,
                          next_due=self.next_due())


# --- snoozing --------------------------------------------------------------------------------

LATER_TODAY_HOURS = 3
END_OF_AFTERNOON = time(17)


def snooze_times(moment: datetime | None = None) -> list[tuple[str, str, datetime]]:
    """(key, label, local time) for the snooze menu: later today (+3 h, or 17:00 if that is later
    and still today), tomorrow and next Monday at the start of the workday."""
    moment = (moment or datetime.now().astimezone()).replace(second=0, microsecond=0)
    later = moment + timedelta(hours=LATER_TODAY_HOURS)
    afternoon = datetime.combine(moment.date(), END_OF_AFTERNOON, moment.tzinfo)
    later = max(later, afternoon)
    day = moment.date()
    return [
        ("later", "Later today" if later.date() == day else "Later", later),
        ("tomorrow", "Tomorrow", datetime.combine(day + timedelta(days=1), WORKDAY_START, moment.tzinfo)),
        ("nextweek", "Next week", datetime.combine(day + timedelta(days=7 - day.weekday()), WORKDAY_START,
                                                   moment.tzinfo)),
    ]


def when_label(moment: datetime, today: date | None = None) -> str:
    """'17:00' today, else 'Tue 1 Dec 09:00'."""
    if moment.date() == (today or date.today()):
        return f"{moment:%H:%M}"
    return f"{short_day(moment.date())} {moment:%H:%M}"


class SnoozeMenu(QMenu):
    """Later today, tomorrow, next week, or a picked date and time: emits `chosen` with the new due time.

    It opens with its first choice active, so Enter snoozes at once.
    """

    chosen = Signal(object)  # datetime (naive UTC)

    def __init__(self, parent: QWidget | None = None, moment: datetime | None = None):
        super().__init__("Snooze", parent)
        self.setIcon(resources.icon("snooze"))
        for key, label, when in snooze_times(moment):
            action = QAction(f"{label}\t{when_label(when)}", self)
            action.setData(key)
            action.triggered.connect(lambda _=False, w=when: self.chosen.emit(to_utc(w)))
            self.addAction(action)
        self.addSeparator()
        pick = QAction("Pick…", self)
        pick.setData("pick")
        pick.triggered.connect(self._pick)
        self.addAction(pick)
        self.date_dialog: PickDateDialog | None = None

    def action_for(self, key: str) -> QAction:
        return next(a for a in self.actions() if a.data() == key)

    def _pick(self) -> None:
        self.date_dialog = PickDateDialog(self.parentWidget())
        self.date_dialog.accepted.connect(lambda: self.chosen.emit(to_utc(self.date_dialog.moment())))
        self.date_dialog.open()

    def popup(self, pos: QPoint, at: QAction | None = None) -> None:  # type: ignore[override]
        super().popup(pos, at)
        self.setActiveAction(self.actions()[0])


class PickDateDialog(QDialog):
    """A day on the calendar and a time (09:00 unless changed)."""

    def __init__(self, parent: QWidget | None = None, title: str = "Snooze until"):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.calendar = QCalendarWidget()
        self.calendar.setMinimumDate(QDate.currentDate())
        self.calendar.setSelectedDate(QDate.currentDate().addDays(1))
        self.calendar.setGridVisible(False)
        self.calendar.activated.connect(self.accept)
        self.time = QTimeEdit(QTime(WORKDAY_START.hour, WORKDAY_START.minute))
        self.time.setDisplayFormat("HH:mm")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.calendar)
        form = QFormLayout()
        form.addRow("Time", self.time)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def moment(self) -> datetime:
        """The picked day and time, local."""
        return datetime.combine(self.day(), self.time.time().toPython()).astimezone()

    def day(self) -> date:
        return self.calendar.selectedDate().toPython()
