"""Walking a window with the Tab key, as a keyboard user does."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget


def tab_stops(qtbot, first: QWidget, count: int) -> list[QWidget]:
    """The widgets that get the keyboard from `first` on, pressing Tab count - 1 times (the editor inside
    a spin box or an editable combo box counts as its owner)."""
    first.window().activateWindow()
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    seen = []
    for _ in range(count):
        widget = first.window().focusWidget()
        owner = widget.parentWidget()
        seen.append(owner if isinstance(owner, QAbstractSpinBox | QComboBox) else widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    return seen
