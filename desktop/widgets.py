"""Small widgets every view shares."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel


def view_title(text: str) -> QLabel:
    """A view's heading ("Today", "Board"…): larger than the body text, bold by the stylesheet."""
    title = QLabel(text)
    title.setProperty("role", "title")
    font = title.font()
    font.setPointSizeF(max(font.pointSizeF(), 9) * 1.6)
    title.setFont(font)
    return title
