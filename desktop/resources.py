"""The one loader for icons and stylesheets in resources/."""
from __future__ import annotations

from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap

ICON_INK = "#5f6b7a"  # the stroke colour the SVG files are drawn in


def path(name: str) -> Path:
    return Path(str(importlib_resources.files("resources").joinpath(name)))


def icon_ink() -> str:
    """The stroke colour for the current palette: the files' grey on light themes, a light grey on dark ones."""
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return ICON_INK if window.lightness() >= 128 else "#b8c2cc"


class _InkedSvg(QIconEngine):
    """Renders the SVG crisp at each size, mode and screen scale the first time it is asked for, instead
    of twenty pixmaps per icon up front (that cost a fifth of the start-up)."""

    def __init__(self, inked: dict[QIcon.Mode, bytes]):
        super().__init__()
        self._inked = inked
        self._rendered: dict[tuple[int, int, QIcon.Mode, float], QPixmap] = {}

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:  # noqa: N802
        key = (size.width(), size.height(), mode, scale)
        if key not in self._rendered:
            side = round(min(size.width(), size.height()) * scale)  # the icons are square
            svg = self._inked.get(mode, self._inked[QIcon.Mode.Normal])
            pixmap = QPixmap()
            pixmap.loadFromData(svg.replace(b'width="24" height="24"', f'width="{side}" height="{side}"'.encode()),
                                "SVG")
            pixmap.setDevicePixelRatio(scale)
            self._rendered[key] = pixmap
        return self._rendered[key]

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def clone(self) -> QIconEngine:
        return _InkedSvg(self._inked)


@cache
def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons by name (without .svg), inked for the palette: grey, white when
    selected, faint when disabled."""
    source = path(f"icons/{name}.svg").read_bytes()
    palette = QGuiApplication.palette()
    inks = {QIcon.Mode.Normal: icon_ink(), QIcon.Mode.Active: icon_ink(),
            QIcon.Mode.Selected: palette.color(QPalette.ColorRole.HighlightedText).name(),
            QIcon.Mode.Disabled: palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text).name()}
    return QIcon(_InkedSvg({mode: source.replace(ICON_INK.encode(), ink.encode()) for mode, ink in inks.items()}))


def stylesheet() -> str:
    return path("style.qss").read_text(encoding="utf-8")
