"""Insights: how fast we answer, which sources pay, why we lose, who is stuck — for a period and an owner.

Every figure comes from models.insights.report, read off the UI thread; every bar and every count
opens exactly the leads behind it (insights.leads_behind). Data-health counts come with their fix:
merge duplicates, give leads without one a next step, open Review.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models import board, bulk, detail, history, insights
from models.board import UNCLAIMED
from models.insights import minutes_text, share_text
from models.plural import counted
from models.report_file import write_report

from . import money, widgets
from .charts import Bar, BarChart
from .controller import Controller
from .lead_list import LeadListDialog
from .widgets import LiveView, view_title

PERIODS = ("This month", "Last 30 days", "Last 90 days", "This year", "Custom…")
LIST_TITLES = {  # the lead list's title for each figure a click opens
    "response.within_5m": "First answer within 5 minutes", "response.within_1h": "First answer within 1 hour",
    "response.within_24h": "First answer within 24 hours", "response.never": "Never answered",
    "response.imported": "Imported (no answer time)",
    "sources.received": "Received from {key}", "lost_reasons.count": "Lost: {key}",
    "stages.stuck": "Stuck in {key}", "speed_to_result.leads": "Closed leads, first answer {bucket}",
    "followup.overdue": "Overdue next steps", "health.open_without_next_step": "Open without a next step",
    "health.duplicate_candidates": "Possible duplicates (same email or phone)",
    "health.missing_contact": "Without phone or email",
}
EVERYONE = None


def period_days(choice: str, today: date) -> tuple[date, date]:
    """The first and last local day of a named period ending today."""
    if choice == "This month":
        return today.replace(day=1), today
    if choice == "This year":
        return today.replace(month=1, day=1), today
    days = 90 if choice == "Last 90 days" else 30
    return today - timedelta(days=days - 1), today


def overdue_trend(by_day: tuple[tuple[date, int, int], ...], points: int = 4) -> str:
    """' · overdue on 2 Nov 14, 9 Nov 11, 16 Nov 9, 30 Nov 7': a few of the recorded days, first and last
    included ('' with fewer than two)."""
    if len(by_day) < 2:
        return ""
    step = max(1, (len(by_day) - 1) // (points - 1))
    chosen = [*by_day[:-1:step][:points - 1], by_day[-1]]
    return " · overdue on " + ", ".join(f"{day.day} {day:%b} {overdue:,}" for day, overdue, _open in chosen)


def card(title: str, *widgets: QWidget) -> QFrame:
    """A titled panel of the Insights page."""
    frame = QFrame(objectName="insightsCard")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(frame)
    heading = QLabel(f"<b>{title}</b>")
    layout.addWidget(heading)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return frame


def link(text: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setFlat(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setProperty("role", "link")
    button.clicked.connect(slot)
    return button


class InsightsView(LiveView):
    loaded = Signal()  # a report is shown (tests, benchmarks)

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(controller, parent)
        self.report: insights.Report | None = None
        self.lead_list: LeadListDialog | None = None
        self.last_undo: history.Undo | None = None
        self.undo_action = widgets.view_action(self, "Undo", QKeySequence.StandardKey.Undo, self.undo, enabled=False)
        self.period = QComboBox()
        self.period.addItems(PERIODS)
        self.period.setCurrentText("Last 30 days")
        self.period.setToolTip("Leads count in the period they were received in")
        self.first, self.last = QDateEdit(calendarPopup=True), QDateEdit(calendarPopup=True)
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setVisible(False)
            edit.dateChanged.connect(self.refresh)
        self.owner = QComboBox()
        self.owner.addItem("Everyone", EVERYONE)
        self.owner.addItem("Unclaimed", UNCLAIMED)
        self.period.currentTextChanged.connect(self._on_period)
        self.owner.currentIndexChanged.connect(self.refresh)
        export = QToolButton(text="Export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction("Report as CSV…", partial(self.export_report, "csv"))
        menu.addAction("Report as Excel…", partial(self.export_report, "xlsx"))
        menu.addAction("Charts as a picture (PNG)…", self.export_picture)
        export.setMenu(menu)
        head = QHBoxLayout()
        head.addWidget(view_title("Insights"))
        head.addStretch(1)
        for widget in (QLabel("Period"), self.period, self.first, self.last, QLabel("Owner"), self.owner, export):
            head.addWidget(widget)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.response_chart = BarChart("No leads received in this period.")
        self.response_chart.activated.connect(lambda key: self.show_leads(f"response.{key}", None))
        self.sources_chart = BarChart("No leads received in this period.")
        self.sources_chart.activated.connect(lambda key: self.show_leads("sources.received", key))
        self.reasons_chart = BarChart("No lost leads in this period.")
        self.reasons_chart.activated.connect(lambda key: self.show_leads("lost_reasons.count", key))
        self.stages_chart = BarChart("No open stages.")
        self.stages_chart.activated.connect(lambda key: self.show_leads("stages.stuck", key))
        self.speed_chart = BarChart("No closed leads in this period.")
        self.speed_chart.activated.connect(lambda key: self.show_leads("speed_to_result.leads", key))
        finding = QLabel(f"Published: {insights.PUBLISHED_FINDING}")
        finding.setWordWrap(True)
        finding.setProperty("role", "hint")
        self.health = QGridLayout()
        health = QWidget()
        health.setLayout(self.health)

        grid = QGridLayout()
        grid.setSpacing(12)
        grid.addWidget(card("How fast we answer", self.summary, self.response_chart), 0, 0)
        grid.addWidget(card("Which sources bring work (received, won darker)", self.sources_chart), 0, 1)
        grid.addWidget(card("Why we lose", self.reasons_chart), 1, 0)
        grid.addWidget(card("Who is stuck: median days in each stage", self.stages_chart), 1, 1)
        grid.addWidget(card("Speed to result: closed leads won, by first answer", self.speed_chart, finding), 2, 0)
        grid.addWidget(card("Follow-up and data health", health), 2, 1)
        page = QWidget()
        page.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        self.page = page

    # --- loading ----------------------------------------------------------------------------
    def days(self) -> tuple[date, date]:
        if self.period.currentText() == "Custom…":
            return self.first.date().toPython(), self.last.date().toPython()
        return period_days(self.period.currentText(), date.today())

    def _on_period(self, choice: str) -> None:
        custom = choice == "Custom…"
        if custom:
            first, last = period_days("Last 30 days", date.today())
            for edit, day in ((self.first, first), (self.last, last)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.first.setVisible(custom)
        self.last.setVisible(custom)
        self.refresh()

    def load(self) -> None:
        first, last = self.days()
        owner = self.owner.currentData()

        def read() -> tuple[insights.Report, board.Choices]:
            filters = dataclasses.replace(insights.period(first, last), owner_id=owner)
            return insights.report(filters), board.choices(sources=False)

        self.controller.read(read, lambda loaded: self._show(*loaded))

    def _show(self, report: insights.Report, choices: board.Choices) -> None:
        self.report = report
        money.set_currency(choices.currency)
        self._fill_owners(choices.owners)
        r, received = report.response, report.received
        self.summary.setText(f"<b>{received:,}</b> leads received · median first answer "
                             f"<b>{minutes_text(r.median_minutes)}</b> · 90 % answered within "
                             f"{minutes_text(r.p90_minutes)}")
        self.response_chart.set_bars([
            Bar(key, label, count, f"{count:,} ({share_text(count, received)})")
            for key, label, count in (("within_5m", "within 5 minutes", r.within_5m),
                                      ("within_1h", "within 1 hour", r.within_1h),
                                      ("within_24h", "within 24 hours", r.within_24h),
                                      ("never", "never answered", r.never))]
            + ([Bar("imported", "imported (no answer time)", r.imported,
                    f"{r.imported:,} ({share_text(r.imported, received)})",
                    tip="Imported leads: when they were first answered is not known, so they are left out of "
                        "the answer times")] if r.imported else []), scale=received or 1)
        self.sources_chart.set_bars([
            Bar(s.source, s.source or "(no source)", s.received,
                f"{s.received:,} · {s.won:,} won" + (f" · {money.format_money(s.won_value)}" if s.won_value else ""),
                part=s.won, tip=f"Median first answer {minutes_text(s.median_response_minutes)}; click for the leads")
            for s in report.sources])
        self.reasons_chart.set_bars([Bar(x.reason, x.reason or "(no reason)", x.count, f"{x.count:,}")
                                     for x in report.lost_reasons])
        self.stages_chart.set_bars([
            Bar(st.stage, st.stage, st.median_days or 0,
                ("—" if st.median_days is None else f"{st.median_days:.1f} days")
                + (f" · {st.stuck} stuck" if st.stuck else ""),
                tip=f"{counted(st.stuck, 'open lead')} here longer than {st.allowance_days} days; click for them")
            for st in report.stages])
        self.speed_chart.set_bars([
            Bar(row.bucket, insights.BUCKET_TITLES[row.bucket], row.win_rate or 0,
                f"{row.won:,} of {row.leads:,} won" + (f" ({share_text(row.won, row.leads)})" if row.leads else ""))
            for row in report.speed_to_result], scale=1.0)
        self._fill_health(report)
        self.loaded.emit()

    def _fill_owners(self, owners: tuple[tuple[str, str], ...]) -> None:
        chosen = self.owner.currentData()
        self.owner.blockSignals(True)
        while self.owner.count() > 2:
            self.owner.removeItem(2)
        for member_id, name in owners:
            self.owner.addItem(name, member_id)
        self.owner.setCurrentIndex(max(self.owner.findData(chosen), 0))
        self.owner.blockSignals(False)

    def _fill_health(self, report: insights.Report) -> None:
        while self.health.count():
            self.health.takeAt(0).widget().deleteLater()
        f, h = report.followup, report.health
        rows = (
            (f"{f.overdue:,} of {f.open:,} open leads are overdue; {share_text(f.with_next_step, f.open)} have a "
             "dated next step" + overdue_trend(f.by_day), "Show overdue",
             lambda: self.show_leads("followup.overdue", None)),
            (f"{h.open_without_next_step:,} open without a next step", "Give each a next step…",
             lambda: self.show_leads("health.open_without_next_step", None,
                                     [("Give each a next step", self.give_next_steps)])),
            (f"{h.duplicate_candidates:,} possible duplicates (same email or phone)", "Show and merge…",
             lambda: self.show_leads("health.duplicate_candidates", None, [("Merge the two selected", self.merge)])),
            (f"{h.missing_contact:,} without phone or email", "Show",
             lambda: self.show_leads("health.missing_contact", None)),
            (f"{h.review_waiting:,} mail waiting in Review", "Open Review",
             lambda: self.controller.open_view("review")),
        )
        for row, (text, action, slot) in enumerate(rows):
            label = QLabel(text)
            label.setWordWrap(True)
            self.health.addWidget(label, row, 0)
            self.health.addWidget(link(action, slot), row, 1)
        self.health.setColumnStretch(0, 1)

    # --- click-through and fixes ------------------------------------------------------------
    def show_leads(self, figure: str, key: str | None,
                   fixes: list[tuple[str, Callable[[list[str]], None]]] | None = None) -> None:
        """The leads behind a figure, in a list that opens each one (and offers the figure's fix)."""
        if self.report is None:
            return
        report = self.report
        title = LIST_TITLES.get(figure, figure).format(key=key or "(none)",
                                                        bucket=insights.BUCKET_TITLES.get(key or "", key))
        self.controller.read(partial(insights.leads_behind, report.filters, figure, key, report.at),
                             lambda ids: self._list(title, ids, fixes or []))

    def _list(self, title: str, ids: list[str], fixes: list[tuple[str, Callable[[list[str]], None]]]) -> None:
        self.lead_list = LeadListDialog(self.controller, title, ids, fixes, self)
        self.lead_list.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lead_list.open()

    def give_next_steps(self, ids: list[str]) -> None:
        self.controller.write(partial(bulk.give_next_steps, ids), self._offer_undo)

    def merge(self, ids: list[str]) -> None:
        keep, other = ids
        self.controller.write(partial(detail.merge_into, keep, other), success="Merged the two leads.")

    def _offer_undo(self, token: history.Undo | None) -> None:
        if token is not None:
            self.last_undo = token
            self.undo_action.setEnabled(True)
            self.controller.inform(f"{token.text}. Ctrl+Z undoes it.")

    def undo(self) -> None:
        token, self.last_undo = self.last_undo, None
        self.undo_action.setEnabled(False)
        if token is not None:
            self.controller.write(partial(history.undo, token), success=f"Undone: {token.text}.")

    # --- export -----------------------------------------------------------------------------
    def export_report(self, fmt: str) -> None:
        if self.report is None:
            return
        name = f"Leadbook insights {date.today():%Y-%m-%d}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, "Export the report", name,
                                              "CSV (*.csv)" if fmt == "csv" else "Excel (*.xlsx)")
        if path:
            report = self.report
            self.controller.read(partial(write_report, Path(path), report),
                                 lambda count: self.controller.inform(f"Wrote {count} figures to {path}."))

    def export_picture(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the charts", f"Leadbook insights {date.today():%Y-%m-%d}.png",
                                              "PNG (*.png)")
        if path:
            saved = self.page.grab().save(path, "PNG")
            (self.controller.inform if saved else self.controller.warn)(
                f"Saved the charts to {path}." if saved else f"The picture could not be written to {path}.")
