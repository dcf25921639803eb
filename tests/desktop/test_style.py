"""The stylesheet: whatever has the keyboard shows a ring in the palette's highlight, light or dark."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import resources

pytestmark = pytest.mark.gui

DARK = {QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.Text: "#eeeeee", QPalette.ColorRole.Button: "#3a3a3a",
        QPalette.ColorRole.Mid: "#555555", QPalette.ColorRole.Highlight: "#3d8ee8"}


@pytest.fixture(params=["light", "dark"])
def theme(request, qapp):
    """The application palette as the system sets it: as it is, or a dark one (restored afterwards)."""
    original = QPalette(qapp.palette())
    if request.param == "dark":
        palette = QPalette(original)
        for role, colour in DARK.items():
            palette.setColor(role, QColor(colour))
        qapp.setPalette(palette)
    yield request.param
    qapp.setPalette(original)


def test_focus_shows_a_ring_in_the_highlight_colour(qtbot, theme):
    """A button, a field, a radio button, a table and a frameless list each draw a highlight-coloured top
    edge only while focused."""
    window = QWidget()
    qtbot.add_widget(window)
    window.setStyleSheet(resources.stylesheet())
    frameless = QListWidget()
    frameless.setFrameShape(QFrame.Shape.NoFrame)
    widgets = [QPushButton("Plain"), QLineEdit("text"), QRadioButton("Other"), QTableWidget(3, 3), frameless]
    layout = QVBoxLayout(window)
    for widget in widgets:
        layout.addWidget(widget)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    highlight = window.palette().color(QPalette.ColorRole.Highlight)

    def top_edge(widget: QWidget) -> QColor:
        return widget.grab().toImage().pixelColor(widget.width() // 2, 0)

    for widget in widgets:
        assert top_edge(widget) != highlight
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus)
        assert top_edge(widget) == highlight, type(widget).__name__
