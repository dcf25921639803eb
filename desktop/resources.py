"""The one loader for icons and stylesheets in resources/."""
from __future__ import annotations

from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from PySide6.QtGui import QIcon


def path(name: str) -> Path:
    return Path(str(importlib_resources.files("resources").joinpath(name)))


@cache
def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons by name (without .svg)."""
    return QIcon(str(path(f"icons/{name}.svg")))


def stylesheet() -> str:
    return path("style.qss").read_text(encoding="utf-8")
