"""The pipeline board: one column per open stage, Won/Lost drop zones, cards painted by a delegate.

Model/view only (no widget per card): each column is a QListView over a CardListModel of
frozen `models.board.Card`s loaded in one query off the UI thread. Dragging a card carries
its lead id as `application/x-leadbook-lead`; every drop ends in `BoardView.move_card`,
which asks only what the target stage needs (stage_dialogs) and moves through the controller.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from models import bulk, history
from models.board import UNCLAIMED, BoardData, Card, StageInfo, load_board

from . import money, resources, stage_dialogs, widgets
from .board_cards import CardListModel, CardListView, lead_ids_from
from .controller import Controller
from .widgets import LiveView, view_title

log = logging.getLogger("leadbook.desktop.board")

def highlight(widget: QWidget, role: QPalette.ColorRole, on: bool) -> None:
    """Light up a drop target: its background (role) tinted with the highlight colour while on."""
    pal = widget.palette()
    if on:
        tint = pal.color(QPalette.ColorRole.Highlight)
        tint.setAlpha(70)
        base = QApplication.palette().color(role)
        pal.setColor(role, QColor.fromRgbF(*(b * (1 - tint.alphaF()) + t * tint.alphaF() for b, t in zip(
            base.getRgbF()[:3], tint.getRgbF()[:3], strict=True))))
    else:
        pal.setColor(role, QApplication.palette().color(role))
    widget.setPalette(pal)
    widget.setProperty("dropTarget", on)


class StageColumn(QFrame):
    """Header (name, count, sum; the definition as tooltip) above the stage's card list."""

    def __init__(self, stage: StageInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.stage = stage
        self._generation = 0
        self.setObjectName("boardColumn")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 8, 2, 2)
        layout.setSpacing(4)
        self.title = QLabel()
        self.title.setObjectName("boardColumnTitle")
        font = self.title.font()
        font.setWeight(QFont.Weight.DemiBold)
        font.setPointSizeF(font.pointSizeF() * 1.08)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setForegroundRole(widgets.MUTED_ROLE)
        head = QHBoxLayout()
        head.setContentsMargins(8, 0, 8, 0)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.summary)
        layout.addLayout(head)
        self.model = CardListModel(stage.id, self)
        self.view = CardListView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName(f"{stage.name} column")
        self.view.drop_target.connect(lambda on: highlight(self, QPalette.ColorRole.AlternateBase, on))
        layout.addWidget(self.view, 1)
        self.empty = QLabel("No leads here")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setForegroundRole(widgets.MUTED_ROLE)
        self.empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.empty.setParent(self.view.viewport())
        self.empty.move(0, 16)
        self.setToolTip(stage.definition)
        self.set_cards([])

    def set_cards(self, cards: list[Card]) -> None:
        self.model.set_items(cards)
        self.total = total = sum(card.value for card in cards if card.value)
        self.title.setText(f"{self.stage.name}  ·  {len(cards):,}")
        self.summary.setText(f"{money.format_money(total)} total" if total else "")
        self.summary.setToolTip(f"Sum of values in {self.stage.name}" if total else "")
        self.empty.setVisible(not cards)
        self.empty.resize(self.view.viewport().width(), 30)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.empty.resize(self.view.viewport().width(), 30)


class DropZone(QFrame):
    """A compact target for closing moves (Won, Lost): accepts a dragged lead, emits dropped."""

    dropped = Signal(str, str)  # lead id, stage id

    def __init__(self, stage: StageInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.stage = stage
        self.setObjectName("boardDropZone")
        self.setProperty("kind", stage.kind)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFrameShadow(QFrame.Shadow.Sunken)
        self.setFixedHeight(120)  # compact: a target, not a column of closed leads
        self.setToolTip(f"Drop a card here to move it to {stage.name}: {stage.definition}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 10, 8, 10)
        icon = QLabel()
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon_name = {"won": "won", "lost": "lost"}.get(stage.kind, "board")
        icon.setPixmap(resources.icon(icon_name).pixmap(28, 28))
        title = QLabel(stage.name)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        hint = QLabel("drop a card here")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setForegroundRole(widgets.MUTED_ROLE)
        layout.addStretch(1)
        layout.addWidget(icon)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addStretch(1)
        self._highlight(False)

    def _highlight(self, on: bool) -> None:
        self.setProperty("dropTarget", on)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Highlight if on else QPalette.ColorRole.Window)
        for child in self.findChildren(QLabel):
            child.setForegroundRole(QPalette.ColorRole.HighlightedText if on else
                                    (widgets.MUTED_ROLE if child.text() == "drop a card here"
                                     else QPalette.ColorRole.WindowText))

    def dragEnterEvent(self, event: Any) -> None:
        if lead_ids_from(event.mimeData()):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self._highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if lead_ids_from(event.mimeData()):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()

    def dragLeaveEvent(self, event: Any) -> None:
        self._highlight(False)

    def dropEvent(self, event: Any) -> None:
        self._highlight(False)
        ids = lead_ids_from(event.mimeData())
        if not ids:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        for lead_id in ids:
            self.dropped.emit(lead_id, self.stage.id)


class BoardView(LiveView):
    """The pipeline board. `refresh()` reloads; data_changed refreshes it when visible."""

    loaded = Signal()  # a load has been applied (tests and benchmarks wait on it)

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(controller, parent)
        self._generation = 0
        self.setObjectName("boardView")
        self._stages: dict[str, StageInfo] = {}
        self._lost_reasons: tuple[str, ...] = ()
        self._sources: set[str] = set()
        self.columns: dict[str, StageColumn] = {}
        self.zones: dict[str, DropZone] = {}
        self._follow: str | None = None  # the lead just moved: selected and scrolled to once loaded
        self._undo: tuple[str, history.Undo] | None = None  # the last move: (lead id, how to undo it)
        self.undo_action = widgets.view_action(self, "Undo move", QKeySequence.StandardKey.Undo, self.undo,
                                               enabled=False)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 12)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        title = view_title("Board")
        bar.addWidget(title)
        bar.addSpacing(16)
        self.totals = QLabel()
        self.totals.setForegroundRole(widgets.MUTED_ROLE)
        bar.addWidget(self.totals)
        bar.addStretch(1)
        self.owner_filter = QComboBox()
        self.owner_filter.setAccessibleName("Filter by owner")
        self.owner_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.owner_filter.addItem("Everyone", None)
        self.source_filter = QComboBox()
        self.source_filter.setAccessibleName("Filter by source")
        self.source_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source_filter.addItem("All sources", None)
        bar.addWidget(QLabel("Owner:"))
        bar.addWidget(self.owner_filter)
        bar.addSpacing(8)
        bar.addWidget(QLabel("Source:"))
        bar.addWidget(self.source_filter)
        outer.addLayout(bar)

        self.columns_box = QHBoxLayout()
        self.columns_box.setSpacing(10)
        outer.addLayout(self.columns_box, 1)
        self.zone_box = QVBoxLayout()
        self.zone_box.setSpacing(10)
        self.zone_panel = QWidget()
        self.zone_panel.setLayout(self.zone_box)
        self.zone_panel.setFixedWidth(130)
        self.zone_box.setContentsMargins(0, 0, 0, 0)
        self.owner_filter.activated.connect(lambda _i: self.refresh())
        self.source_filter.activated.connect(lambda _i: self.refresh())

    # --- loading ------------------------------------------------------------------------------

    def filters(self) -> tuple[str | None, str | None]:
        return self.owner_filter.currentData(), self.source_filter.currentData()

    def load(self) -> None:
        self._generation += 1
        owner_id, source = self.filters()
        self.controller.read(partial(load_board, owner_id, source), partial(self._on_loaded, self._generation))

    def _on_loaded(self, generation: int, data: BoardData) -> None:
        if generation == self._generation:  # an older load finishing late is dropped
            self._apply(data)

    def _apply(self, data: BoardData) -> None:
        stages = data.choices.stages
        self._stages = {s.id: s for s in stages}
        self._lost_reasons = data.choices.lost_reasons
        money.set_currency(data.choices.currency)
        self._fill_filter(self.owner_filter, "Everyone",
                          [("Unclaimed", UNCLAIMED)] + [(name, mid) for mid, name in data.choices.owners])
        owner_id, source = self.filters()
        if owner_id is None and source is None:  # unfiltered: exactly the sources of open leads
            self._sources = {card.source for cards in data.cards.values() for card in cards if card.source}
        elif source is not None:
            self._sources.add(source)
        self._fill_filter(self.source_filter, "All sources", [(s, s) for s in sorted(self._sources, key=str.casefold)])
        self._build_columns(stages)
        count = total = 0
        for stage_id, column in self.columns.items():
            cards = data.cards.get(stage_id, [])
            column.set_cards(cards)
            count += len(cards)
            total += column.total
        pipeline = f"  ·  {money.format_money(total)} in the pipeline" if total else ""
        self.totals.setText(f"{count:,} open leads{pipeline}")
        if self._follow is not None:
            self._show_card(self._follow)
        self.loaded.emit()

    def _show_card(self, lead_id: str) -> None:
        self._follow = None
        for column in self.columns.values():
            if column.view.show_card(lead_id):
                column.view.setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                column.view.clearSelection()

    @staticmethod
    def _fill_filter(combo: QComboBox, everyone: str, items: list[tuple[str, Any]]) -> None:
        current = combo.currentData()
        wanted = [(everyone, None)] + items
        if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == wanted:
            return
        combo.blockSignals(True)
        combo.clear()
        for text, data in wanted:
            combo.addItem(text, data)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def _build_columns(self, stages: Sequence[StageInfo]) -> None:
        open_stages = [s for s in stages if s.kind == "open"]
        closing = [s for s in stages if s.kind != "open"]
        if ([c.stage for c in self.columns.values()] == open_stages
                and [z.stage for z in self.zones.values()] == closing):
            return
        for widget in [*self.columns.values(), *self.zones.values()]:
            widget.hide()
            widget.deleteLater()
        while self.zone_box.count():  # the stretch after the zones
            self.zone_box.takeAt(0)
        self.columns, self.zones = {}, {}
        self.columns_box.removeWidget(self.zone_panel)
        for stage in open_stages:
            column = StageColumn(stage, self)
            column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            column.model.dropped.connect(self._on_dropped)
            column.view.opened.connect(self.controller.open_lead)
            column.view.menu_requested.connect(self._show_menu)
            self.columns[stage.id] = column
            self.columns_box.addWidget(column, 1)
        for stage in closing:
            zone = DropZone(stage, self.zone_panel)
            zone.dropped.connect(self._on_dropped)
            self.zones[stage.id] = zone
            self.zone_box.addWidget(zone)
        self.zone_box.addStretch(1)
        self.columns_box.addWidget(self.zone_panel)

    # --- moving -------------------------------------------------------------------------------

    def _on_dropped(self, lead_id: str, stage_id: str) -> None:
        # Ask after the drop has finished: a modal dialog inside a running drag misbehaves on some platforms.
        QTimer.singleShot(0, lambda: self.move_card(lead_id, stage_id))

    def move_card(self, lead_id: str, stage_id: str) -> None:
        """Move a lead to a stage, asking only what that stage needs; cancelling changes nothing."""
        stage = self._stages.get(stage_id)
        if stage is None:
            return
        where = self.find_card(lead_id)
        if where is not None and where[0] == stage_id:
            return
        card = where[1] if where else None
        name = card.name if card else "this lead"
        answer = stage_dialogs.ask_move(self, stage, self._lost_reasons, name, card.value if card else None)
        if answer is None:
            return
        self.controller.write(partial(bulk.move_lead, lead_id, stage_id, answer.reason, answer.value),
                              partial(self._moved, lead_id))

    def _moved(self, lead_id: str, token: history.Undo | None) -> None:
        """Runs before the reload the move triggers: that reload selects the card in its new column."""
        self._follow = lead_id
        self._undo = (lead_id, token) if token is not None else None
        self.undo_action.setEnabled(token is not None)
        if token is not None:
            self.controller.inform(f"{token.text}. Ctrl+Z to undo.")

    def undo(self) -> None:
        """Undo the last move made on the board (Ctrl+Z); the card goes back and stays selected."""
        last, self._undo = self._undo, None
        self.undo_action.setEnabled(False)
        if last is None:
            return
        lead_id, token = last
        self.controller.write(partial(history.undo, token), lambda _r: setattr(self, "_follow", lead_id),
                              success=f"Undone: {token.text}.")

    def _show_menu(self, lead_id: str, pos: QPoint) -> None:
        menu = QMenu(self)
        open_action = QAction(resources.icon("open"), "Open", menu)
        open_action.triggered.connect(lambda: self.controller.open_lead(lead_id))
        menu.addAction(open_action)
        move = menu.addMenu("Move to")
        current = (self.find_card(lead_id) or ("", None))[0]
        for stage in sorted(self._stages.values(), key=lambda s: s.position):
            action = move.addAction(stage.name)
            action.setEnabled(stage.id != current)
            action.triggered.connect(lambda _=False, sid=stage.id: self.move_card(lead_id, sid))
        menu.popup(pos)

    def find_card(self, lead_id: str) -> tuple[str, Card] | None:
        """(stage id, card) of a lead shown on the board."""
        for stage_id, column in self.columns.items():
            for card in column.model.items():
                if card.lead_id == lead_id:
                    return stage_id, card
        return None

    # --- for tests and benchmarks -------------------------------------------------------------

    def column_counts(self) -> dict[str, int]:
        """Stage name -> number of cards shown."""
        return {column.stage.name: column.model.rowCount() for column in self.columns.values()}

    def set_filters(self, owner_id: str | None = None, source: str | None = None) -> None:
        for combo, value in ((self.owner_filter, owner_id), (self.source_filter, source)):
            index = combo.findData(value) if value is not None else 0
            if index < 0:
                raise ValueError(f"no filter entry for {value!r}")
            combo.setCurrentIndex(index)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(1000, 700)

