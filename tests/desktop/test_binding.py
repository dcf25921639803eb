"""The Qt binding itself: a release that leaks references to None would crash a long-running app."""
from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.gui


def test_qt_calls_keep_none_refcount(qtbot):
    """Thousands of Qt calls returning None leave None's reference count unchanged (PySide6 6.12.0 did not)."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.add_widget(label)
    before = sys.getrefcount(None)
    for _ in range(5000):
        label.setText("x")
    assert sys.getrefcount(None) - before > -100
