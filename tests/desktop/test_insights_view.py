"""The Insights view over demo data: charts from the report, click-through to exactly the leads behind a
figure, the data-health fixes, export, and last week's line on Today."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from desktop.charts import BarChart
from desktop.insights_view import InsightsView, period_days
from desktop.lead_list import LeadListDialog
from models import insights, leads, writes
from models.tables import FollowUp

pytestmark = pytest.mark.gui


@pytest.fixture
def view(demo_controller, qtbot):
    widget = InsightsView(demo_controller)
    qtbot.add_widget(widget)
    widget.resize(1200, 900)
    with qtbot.wait_signal(widget.loaded, timeout=5000):
        widget.show()
    return widget


def _report() -> insights.Report:
    return insights.report(insights.last_days(30))


def test_the_charts_show_the_report(view):
    """Each chart has a bar per row of the report, with the report's counts."""
    expected = _report()
    assert view.report.received == expected.received > 0
    assert [b.key for b in view.sources_chart.bars] == [s.source for s in expected.sources]
    assert [b.value for b in view.sources_chart.bars] == [s.received for s in expected.sources]
    assert [b.key for b in view.reasons_chart.bars] == [r.reason for r in expected.lost_reasons]
    assert [b.value for b in view.response_chart.bars] == [expected.response.within_5m, expected.response.within_1h,
                                                           expected.response.within_24h, expected.response.never]
    assert f"{expected.received:,}" in view.summary.text()


def test_clicking_a_source_lists_exactly_its_leads(view, qtbot):
    """A click on a source's bar opens the list of the leads received from it: as many as the bar says."""
    chart, first = view.sources_chart, view.report.sources[0]
    center = chart.bar_rect(0).center()
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(center.x(), center.y()))
    qtbot.waitUntil(lambda: isinstance(view.lead_list, LeadListDialog), timeout=3000)
    dialog = view.lead_list
    assert dialog.windowTitle() == f"Received from {first.source}"
    assert len(dialog.lead_ids) == first.received
    qtbot.waitUntil(lambda: dialog.model.rowCount() == first.received, timeout=3000)
    assert {leads.find_lead(i).source for i in dialog.lead_ids} == {first.source}
    dialog.reject()


def test_a_bar_opens_with_the_keyboard_too(view, qtbot):
    """Tab to a chart, Down to the second bar, Enter: the leads behind that bar (a lost reason)."""
    chart = view.reasons_chart
    chart.setFocus()
    qtbot.waitUntil(chart.hasFocus)
    qtbot.keyClick(chart, Qt.Key.Key_Down)
    assert chart.current == 1
    with qtbot.wait_signal(chart.activated) as blocker:
        qtbot.keyClick(chart, Qt.Key.Key_Return)
    assert blocker.args == [view.report.lost_reasons[1].reason]


def test_open_leads_without_a_step_get_one_from_insights_and_undo(view, qtbot, demo_controller):
    """The health fix gives every open lead without a step one; Ctrl+Z in the view takes them back."""
    lonely = [lead.id for lead in leads.live().where(leads.Lead.status == "open").limit(2)]
    for lead_id in lonely:
        writes.delete(FollowUp.get((FollowUp.lead == lead_id) & FollowUp.done_at.is_null()))
    demo_controller.refresh()
    qtbot.waitUntil(lambda: view.report.health.open_without_next_step == 2, timeout=3000)
    view.show_leads("health.open_without_next_step", None, [("Give each a next step", view.give_next_steps)])
    qtbot.waitUntil(lambda: view.lead_list is not None and view.lead_list.isVisible(), timeout=3000)
    assert sorted(view.lead_list.lead_ids) == sorted(lonely)
    view.lead_list.buttons["Give each a next step"].click()
    qtbot.waitUntil(lambda: view.report.health.open_without_next_step == 0, timeout=3000)
    assert view.undo_action.isEnabled()
    view.undo_action.trigger()
    qtbot.waitUntil(lambda: view.report.health.open_without_next_step == 2, timeout=3000)


def test_export_writes_the_report(view, qtbot, tmp_path, monkeypatch):
    """Export → CSV writes every figure to the chosen file."""
    target = tmp_path / "insights.csv"
    monkeypatch.setattr("desktop.insights_view.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    view.export_report("csv")
    qtbot.waitUntil(target.exists, timeout=3000)
    assert "received" in target.read_text(encoding="utf-8-sig")


def test_periods_are_whole_local_days():
    """This month starts on the 1st, this year on 1 January; the last 30 days include today."""
    today = date(2026, 11, 30)
    assert period_days("This month", today) == (date(2026, 11, 1), today)
    assert period_days("This year", today) == (date(2026, 1, 1), today)
    assert period_days("Last 30 days", today) == (today - timedelta(days=29), today)


def test_a_chart_without_bars_says_so(qtbot):
    """An empty chart shows its sentence and activates nothing."""
    chart = BarChart("No lost leads in this period.")
    qtbot.add_widget(chart)
    chart.set_bars([])
    assert chart.accessibleDescription() == "No lost leads in this period."


def test_today_shows_last_week_until_closed(demo_controller, qtbot):
    """Today's look-back line says last week's figures; closing it keeps it closed for the week."""
    from desktop.today_view import TodayView
    from models.look_back import weekly_look_back

    expected = weekly_look_back()
    assert expected is not None  # the demo data has leads every week
    view = TodayView(demo_controller)
    qtbot.add_widget(view)
    view.show()
    qtbot.waitUntil(view.look_back.isVisible, timeout=5000)
    assert expected.text in view.look_back_label.text()
    with qtbot.wait_signal(demo_controller.view_opened) as asked:
        view.look_back_label.linkActivated.emit("insights")
    assert asked.args == ["insights"]
    view._close_look_back()
    demo_controller.wait()
    assert not view.look_back.isVisible() and weekly_look_back() is None


def test_the_overdue_trend_names_first_and_last_recorded_days():
    """A few recorded days, the first and the last among them; nothing with fewer than two."""
    from desktop.insights_view import overdue_trend

    days = tuple((date(2026, 11, 1) + timedelta(days=n), 20 - n, 100) for n in range(10))
    assert overdue_trend(days) == " · overdue on 1 Nov 20, 4 Nov 17, 7 Nov 14, 10 Nov 11"
    assert overdue_trend(days[:1]) == ""


def test_a_view_asks_the_window_for_another_view(window, qtbot):
    """controller.open_view is how Insights' "Open Review" and Today's last-week link reach the window."""
    window.show()
    window.controller.open_view("review")
    assert window.stack.currentWidget() is window.view("review")


def test_imported_leads_have_a_bar_of_their_own_that_opens_them(demo_controller, qtbot, tmp_path):
    """Leads imported in the period show as 'imported (no answer time)' beside the answer times (not among
    them), and a click lists exactly those leads; without imports the bar is not there."""
    from models import importing

    sheet = tmp_path / "old.csv"
    sheet.write_text("Name,Email\nIda Import,ida@example.org\nKim Import,kim@example.org\n", encoding="utf-8")
    made = importing.apply_import(importing.plan_import(sheet))
    widget = InsightsView(demo_controller)
    qtbot.add_widget(widget)
    widget.resize(1200, 900)
    with qtbot.wait_signal(widget.loaded, timeout=5000):
        widget.show()
    bars = widget.response_chart.bars
    assert [b.key for b in bars][-1] == "imported" and bars[-1].value == widget.report.response.imported == made.added
    widget.response_chart.activated.emit("imported")
    qtbot.waitUntil(lambda: isinstance(widget.lead_list, LeadListDialog), timeout=3000)
    assert widget.lead_list.windowTitle() == "Imported (no answer time)"
    assert {leads.find_lead(i).name for i in widget.lead_list.lead_ids} == {"Ida Import", "Kim Import"}
    widget.lead_list.reject()
