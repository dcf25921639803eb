"""The board: columns from a real database, moving cards (with only the questions a move needs), filters."""
from __future__ import annotations

import peewee as pw
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontMetrics,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import QApplication
from windows import shown_in_window

from desktop import money, stage_dialogs
from desktop.board_cards import LEAD_ID_ROLE, MIME_TYPE, CardDelegate, CardListModel, card_tooltip, lead_mime
from desktop.board_view import BoardView
from models import board, leads, settings, stages
from models.tables import Lead, Member, Stage

pytestmark = pytest.mark.gui


def answer_with(monkeypatch, *, reason: str | None = None, value: str | None = None, cancel: bool = False):
    """Replace MoveDialog.exec: fill in the answer, press OK (or cancel); returns the dialogs asked."""
    asked: list[stage_dialogs.MoveDialog] = []

    def fake_exec(dialog: stage_dialogs.MoveDialog) -> int:
        asked.append(dialog)
        # read now: ask_move deletes the dialog (deleteLater) once it returns
        dialog.reason_texts = [dialog.reason.itemText(i) for i in range(dialog.reason.count())] if dialog.reason else []
        if cancel:
            dialog.reject()
            return dialog.result()
        if reason is not None:
            dialog.reason.setCurrentIndex(dialog.reason.findText(reason))
        if value is not None:
            dialog.value.setText(value)
        dialog.accept()  # refuses while the answer is incomplete, like the disabled OK button
        return dialog.result()

    monkeypatch.setattr(stage_dialogs.MoveDialog, "exec", fake_exec)
    return asked


@pytest.fixture
def view(demo_controller, qtbot):
    widget = BoardView(demo_controller)
    qtbot.add_widget(widget)
    widget.resize(1200, 750)
    with qtbot.wait_signal(widget.loaded, timeout=5000):
        widget.show()
    return widget


@pytest.fixture
def new_lead(demo):
    lead, created = leads.add_lead("Board Test Person", email="board.test@example.org", company="Acme Roofing",
                                   source="Website form")
    assert created
    return lead


def _stage(name: str) -> Stage:
    return stages.find_stage(name)


def _open_counts() -> dict[str, int]:
    query = (Lead.select(Stage.name, pw.fn.COUNT(Lead.id)).join(Stage)
             .where((Lead.status == "open") & Lead.merged_into.is_null()).group_by(Stage.name).tuples())
    return dict(query)


def _refreshed(view: BoardView, qtbot) -> BoardView:
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.refresh()
    return view


def test_column_model_passes_qtmodeltester(view, qtmodeltester):
    """Each column's card model is a well-behaved Qt item model."""
    assert sum(column.model.rowCount() for column in view.columns.values()) > 0  # checked with cards in
    for column in view.columns.values():
        qtmodeltester.check(column.model)
    empty = CardListModel("nowhere")
    qtmodeltester.check(empty)


def test_one_column_per_open_stage_with_counts_from_the_database(view):
    """There is one column per open stage, in order, each with as many cards as open leads in that stage."""
    assert [c.stage.name for c in view.columns.values()] == [s.name for s in stages.open_stages()]
    assert sorted(z.stage.kind for z in view.zones.values()) == ["lost", "won"]
    counts = _open_counts()
    assert view.column_counts() == {s.name: counts.get(s.name, 0) for s in stages.open_stages()}
    assert sum(view.column_counts().values()) > 20
    for column in view.columns.values():
        assert column.toolTip() == column.stage.definition
        assert f"{column.model.rowCount():,}" in column.title.text()


def test_cards_carry_their_next_step_and_overdue_flag(view):
    """Every card shows the lead's pending step; overdue means its date has passed."""
    from models.clock import now

    cards = [card for column in view.columns.values() for card in column.model.items()]
    assert all(card.next_title for card in cards), "the rules give every open lead a next step"
    assert all(card.overdue == (card.next_due < now()) for card in cards)


def test_move_card_to_contacted_moves_the_lead(view, new_lead, qtbot):
    """move_card to Contacted moves the lead in the database, asking nothing, and the board follows."""
    _refreshed(view, qtbot)
    contacted = _stage("Contacted")
    before = view.column_counts()["Contacted"]
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.move_card(new_lead.id, contacted.id)
    assert Lead.get_by_id(new_lead.id).stage_id == contacted.id
    assert view.column_counts()["Contacted"] == before + 1
    assert view.find_card(new_lead.id)[0] == contacted.id


def test_drop_on_lost_asks_for_a_reason_and_cancel_changes_nothing(view, new_lead, qtbot, monkeypatch):
    """Dropping a card on Lost asks for a reason; cancelling leaves the lead exactly as it was."""
    _refreshed(view, qtbot)
    lost = _stage("Lost")
    asked = answer_with(monkeypatch, cancel=True)
    view.zones[lost.id].dropped.emit(new_lead.id, lost.id)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=3000)
    assert asked[0].reason is not None and asked[0].value is None
    assert asked[0].reason_texts == stages.lost_reasons()
    lead = Lead.get_by_id(new_lead.id)
    assert (lead.status, lead.stage_id, lead.lost_reason) == ("open", new_lead.stage_id, None)


def test_drop_on_lost_with_a_reason_closes_the_lead(view, new_lead, qtbot, monkeypatch):
    """Answering the Lost question moves the lead to Lost with that reason."""
    _refreshed(view, qtbot)
    lost = _stage("Lost")
    asked = answer_with(monkeypatch, reason="Went with a competitor")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.zones[lost.id].dropped.emit(new_lead.id, lost.id)
    assert len(asked) == 1
    lead = Lead.get_by_id(new_lead.id)
    assert (lead.status, lead.stage_id, lead.lost_reason) == ("lost", lost.id, "Went with a competitor")
    assert view.find_card(new_lead.id) is None


def test_lost_without_a_reason_cannot_be_confirmed(view, new_lead, qtbot, monkeypatch):
    """The Lost question will not accept an empty reason: nothing moves."""
    _refreshed(view, qtbot)
    asked = answer_with(monkeypatch)  # presses OK without choosing
    view.move_card(new_lead.id, _stage("Lost").id)
    assert len(asked) == 1
    assert Lead.get_by_id(new_lead.id).status == "open"


def test_escape_in_the_real_dialog_aborts_the_move(view, new_lead, qtbot):
    """Esc in the real modal question aborts the move with nothing changed."""
    _refreshed(view, qtbot)
    seen = []

    def press_escape() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, press_escape)
    view.move_card(new_lead.id, _stage("Won").id)
    assert isinstance(seen[0], stage_dialogs.MoveDialog)
    assert Lead.get_by_id(new_lead.id).status == "open"


def test_quoted_asks_for_a_value_and_stores_it(view, new_lead, qtbot, monkeypatch):
    """Moving to Quoted asks for the offer's value and stores it with the move."""
    _refreshed(view, qtbot)
    quoted = _stage("Quoted")
    asked = answer_with(monkeypatch, value="2 450,50")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.move_card(new_lead.id, quoted.id)
    assert asked[0].value is not None and asked[0].reason is None
    lead = Lead.get_by_id(new_lead.id)
    assert (lead.stage_id, lead.value) == (quoted.id, 2450.5)
    assert view.find_card(new_lead.id)[1].value == 2450.5


def test_won_value_is_optional(view, new_lead, qtbot, monkeypatch):
    """Won asks for a value but an empty one is fine."""
    _refreshed(view, qtbot)
    won = _stage("Won")
    answer_with(monkeypatch, value="")
    view.move_card(new_lead.id, won.id)
    lead = Lead.get_by_id(new_lead.id)
    assert (lead.status, lead.value) == ("won", None)


def drag_and_drop(widget, lead_id: str) -> QDropEvent:
    """Deliver the events of a drag from elsewhere ending on widget: enter, move, drop (Qt only
    delivers a drop to the widget that accepted the drag)."""
    mime = lead_mime([lead_id])
    assert mime.hasFormat(MIME_TYPE)
    point = QPoint(widget.width() // 2, 10)  # enter/move events take whole pixels, the drop a QPointF
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter, move = QDragEnterEvent(point, *args), QDragMoveEvent(point, *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the target refused the lead"
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(QPointF(point), *args)
    drop.ignore()  # as Qt delivers it: the target accepts it by taking the drop
    QApplication.sendEvent(widget, drop)
    return drop


def test_a_real_drop_on_a_column_viewport_moves_the_lead(view, new_lead, qtbot):
    """Drag events carrying the lead's mime data, dropped on a column's viewport, run the move."""
    _refreshed(view, qtbot)
    contacted = _stage("Contacted")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        drag_and_drop(view.columns[contacted.id].view.viewport(), new_lead.id)
    assert Lead.get_by_id(new_lead.id).stage_id == contacted.id


def test_a_real_drop_on_the_lost_zone_asks_then_moves(view, new_lead, qtbot, monkeypatch):
    """Drag events dropped on the Lost zone ask for the reason, then close the lead with it."""
    _refreshed(view, qtbot)
    lost = _stage("Lost")
    asked = answer_with(monkeypatch, reason="Price too high")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        drop = drag_and_drop(view.zones[lost.id], new_lead.id)
    assert drop.isAccepted() and len(asked) == 1
    assert (Lead.get_by_id(new_lead.id).status, Lead.get_by_id(new_lead.id).lost_reason) == ("lost", "Price too high")


def test_dragging_a_card_exports_its_lead_id(view):
    """A card's drag data is the lead id under application/x-leadbook-lead; foreign data is refused."""
    column = next(c for c in view.columns.values() if c.model.rowCount())
    mime = column.model.mimeData([column.model.index(0)])
    assert bytes(mime.data(MIME_TYPE).data()).decode() == column.model.items()[0].lead_id
    other = next(c for c in view.columns.values() if c is not column)
    assert not other.model.canDropMimeData(QMimeData(), Qt.DropAction.MoveAction, -1, -1, other.model.index(-1))
    assert not column.model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, column.model.index(-1))


def test_filters_by_owner_and_source_reduce_the_cards(view, qtbot):
    """Choosing an owner or a source shows only their open leads."""
    total = sum(view.column_counts().values())
    owner = Member.select().first()
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.set_filters(owner_id=owner.id)
    owned = Lead.select().where((Lead.status == "open") & (Lead.owner == owner.id)).count()
    assert sum(view.column_counts().values()) == owned < total
    assert {card.owner for c in view.columns.values() for card in c.model.items()} == {owner.name}

    source = view.source_filter.itemData(1)
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.set_filters(source=source)
    sourced = Lead.select().where((Lead.status == "open") & (Lead.source == source)).count()
    assert sum(view.column_counts().values()) == sourced < total

    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.set_filters(owner_id=board.UNCLAIMED)
    unclaimed = Lead.select().where((Lead.status == "open") & Lead.owner.is_null()).count()
    assert sum(view.column_counts().values()) == unclaimed


def test_hidden_board_refreshes_when_shown_again(view, new_lead, qtbot):
    """A data change while the board is hidden is picked up on the next show."""
    view.hide()
    leads.move_lead(Lead.get_by_id(new_lead.id), _stage("Contacted"))
    view.controller.refresh()
    assert view.find_card(new_lead.id) is None or view.find_card(new_lead.id)[0] != _stage("Contacted").id
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.show()
    assert view.find_card(new_lead.id)[0] == _stage("Contacted").id


def test_board_renders(view):
    """Each card is painted with its text (many colours in its rect); the list below the last card stays blank."""
    def colours(image, rect) -> int:
        return len({image.pixel(x, y) for x in range(rect.left(), rect.right(), 2)
                    for y in range(rect.top(), min(rect.bottom(), image.height() - 1), 2)})

    shortest = min((c for c in view.columns.values() if c.model.rowCount()), key=lambda c: c.model.rowCount())
    image = shortest.view.viewport().grab().toImage()
    first = shortest.view.visualRect(shortest.model.index(0, 0))
    assert first.height() > 20 and colours(image, first) > 20  # text and a card edge, not an empty box
    last = shortest.view.visualRect(shortest.model.index(shortest.model.rowCount() - 1, 0))
    below = last.translated(0, last.height() + 10)
    assert below.bottom() < image.height() and colours(image, below) <= 3


def _drag_over(widget, lead_id: str, leave: bool = False) -> None:
    point = QPoint(widget.width() // 2, 10)
    args = (Qt.DropAction.MoveAction, lead_mime([lead_id]), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, QDragEnterEvent(point, *args))
    QApplication.sendEvent(widget, QDragMoveEvent(point, *args))
    if leave:
        QApplication.sendEvent(widget, QDragLeaveEvent())


def test_columns_and_zones_light_up_while_a_card_is_dragged_over_them(view, new_lead, qtbot):
    """A column a card may land in is tinted while the drag is over it and plain again when it leaves;
    the Won/Lost zones light up the same way."""
    _refreshed(view, qtbot)
    column = view.columns[_stage("Contacted").id]
    plain = column.palette().color(QPalette.ColorRole.AlternateBase)
    _drag_over(column.view.viewport(), new_lead.id)
    assert column.property("dropTarget") is True
    assert column.palette().color(QPalette.ColorRole.AlternateBase) != plain
    QApplication.sendEvent(column.view.viewport(), QDragLeaveEvent())
    assert column.palette().color(QPalette.ColorRole.AlternateBase) == plain
    home = view.columns[view.find_card(new_lead.id)[0]]
    _drag_over(home.view.viewport(), new_lead.id)  # its own column is no target
    assert home.palette().color(QPalette.ColorRole.AlternateBase) == plain
    zone = view.zones[_stage("Won").id]
    _drag_over(zone, new_lead.id)
    assert zone.property("dropTarget") is True and zone.backgroundRole() == QPalette.ColorRole.Highlight
    _drag_over(zone, new_lead.id, leave=True)
    assert zone.property("dropTarget") is False


def _selected_card(view: BoardView) -> tuple[str, str] | None:
    for stage_id, column in view.columns.items():
        for index in column.view.selectionModel().selectedIndexes():
            return stage_id, index.data(LEAD_ID_ROLE)
    return None


def test_a_moved_card_is_selected_and_scrolled_into_view_in_its_new_column(view, new_lead, qtbot):
    """After a move the card is the selected one in its new column, visible in the column's viewport."""
    _refreshed(view, qtbot)
    view.resize(1024, 400)  # long columns: the card must be scrolled to
    contacted = _stage("Contacted")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.move_card(new_lead.id, contacted.id)
    assert _selected_card(view) == (contacted.id, new_lead.id)
    column = view.columns[contacted.id].view
    rect = column.visualRect(column.currentIndex())
    assert column.viewport().rect().intersects(rect)


def test_ctrl_z_undoes_a_move_and_keeps_the_card_selected(view, new_lead, qtbot):
    """Ctrl+Z on the board puts the lead back in its old stage (in the database) and selects it there."""
    _refreshed(view, qtbot)
    home = Lead.get_by_id(new_lead.id).stage_id
    contacted = _stage("Contacted")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.move_card(new_lead.id, contacted.id)
    assert Lead.get_by_id(new_lead.id).stage_id == contacted.id
    assert view.undo_action.isEnabled()
    assert view.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.undo_action.trigger()
    assert Lead.get_by_id(new_lead.id).stage_id == home
    assert _selected_card(view) == (home, new_lead.id)
    assert not view.undo_action.isEnabled()


def test_days_in_stage_are_explained(view):
    """A card says "11 days in this stage" (tooltip and, where it fits, the card itself), not a bare "11 d"."""
    card = next(c for column in view.columns.values() for c in column.model.items())._replace(days_in_stage=11)
    assert "11 days in this stage" in card_tooltip(card)
    fm = QFontMetrics(view.font())
    assert CardDelegate.card_lines(card, fm, 400)[2] == "11 days in this stage"
    assert CardDelegate.card_lines(card, fm, 60)[2] == "11 d"


def test_cards_are_readable_at_1024_px(window, qtbot):
    """In a 1024×640 window the next step "Send quote" shows whole on a card (it was cut to "→ Send qu…")."""
    board_view = shown_in_window(window, qtbot, "board", BoardView, (1024, 640))
    assert board_view.width() <= 1024
    column = next(iter(board_view.columns.values()))
    card = column.model.items()[0]._replace(next_title="Send quote", value=12_500.0)
    width = column.view.viewport().width() - 2 * (CardDelegate.MARGIN_X + CardDelegate.PAD) - 2
    step, due, _days = CardDelegate.card_lines(card, QFontMetrics(column.view.font()), width)
    assert step == "→ Send quote" and due


def test_money_on_the_board_carries_the_currency_setting(view, qtbot):
    """With the currency setting EUR the pipeline total, the column sums and the cards show €."""
    settings.put("currency", "EUR")
    _refreshed(view, qtbot)
    assert "€" in view.totals.text() and "in the pipeline" in view.totals.text()
    assert any("€" in column.summary.text() for column in view.columns.values())
    card = next(c for column in view.columns.values() for c in column.model.items() if c.value)
    assert "€" in card_tooltip(card)
    money.set_currency(None)  # the helper's state outlives this store
