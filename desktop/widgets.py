"""Small widgets every view shares."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:
    from .controller import Controller


def view_title(text: str) -> QLabel:
    """A view's heading ("Today", "Board"…): larger than the body text, bold by the stylesheet."""
    title = QLabel(text)
    title.setProperty("role", "title")
    font = title.font()
    font.setPointSizeF(max(font.pointSizeF(), 9) * 1.6)
    title.setFont(font)
    return title


class LiveView(QWidget):
    """A view over the store: reloads when data changes while it is shown, else on its next show.

    Subclasses implement load() (start a read off the UI thread); callers use refresh().
    """

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self._stale = True
        controller.data_changed.connect(self._on_data_changed)

    def refresh(self) -> None:
        self._stale = False
        self.load()

    def load(self) -> None:
        raise NotImplementedError

    def _on_data_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()
