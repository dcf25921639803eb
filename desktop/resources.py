"""The one loader for icons and stylesheets in resources/."""
from __future__ import annotations

from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon, QPalette, QPixmap

ICON_INK = "#5f6b7a"  # the stroke colour the SVG files are drawn in
ICON_SIZES = (16, 20, 24, 32, 48)


def path(name: str) -> Path:
    return Path(str(importlib_resources.files("resources").joinpath(name)))


def icon_ink() -> str:
    """The stroke colour for the current palette: the files' grey on light themes, a light grey on dark ones."""
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return ICON_INK if window.lightness() >= 128 else "#b8c2cc"


@cache
def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons by name (without .svg), inked for the palette (white when selected)."""
    source = path(f"icons/{name}.svg").read_bytes()
    highlighted = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText).name()
    result = QIcon()
    for mode, ink in ((QIcon.Mode.Normal, icon_ink()), (QIcon.Mode.Selected, highlighted)):
        svg = source.replace(ICON_INK.encode(), ink.encode())
        for size in ICON_SIZES:  # rendered crisp at each size (and at 2x for high-DPI screens)
            for scale in (1, 2):
                pixmap = QPixmap()
                pixmap.loadFromData(svg.replace(b'width="24" height="24"', f'width="{size * scale}" '
                                                f'height="{size * scale}"'.encode()), "SVG")
                pixmap.setDevicePixelRatio(scale)
                result.addPixmap(pixmap, mode)
    return result


def stylesheet() -> str:
    return path("style.qss").read_text(encoding="utf-8")
