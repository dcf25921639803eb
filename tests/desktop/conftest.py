"""Desktop fixtures: a controller over a real data folder, with tasks run inline."""
from __future__ import annotations

import pytest

from desktop.controller import Controller
from desktop.tasks import TaskRunner


@pytest.fixture
def controller(store, qapp):
    """A Controller on an empty store whose background tasks run synchronously."""
    ctrl = Controller(store, TaskRunner(synchronous=True))
    yield ctrl
    ctrl.deleteLater()


@pytest.fixture
def demo(store):
    """The store filled with the standard demo data (300 leads, seed 7)."""
    from models import demo as demo_data

    demo_data.generate(300, seed=7)
    return store


@pytest.fixture
def demo_controller(demo, controller):
    """A controller over the demo data."""
    return controller


@pytest.fixture
def window(demo, controller, qtbot):
    """The whole main window over the demo data (needs every view module)."""
    from PySide6.QtCore import QSettings

    from desktop.window import MainWindow  # a broken import fails the test: it never becomes a skip

    settings = QSettings(str(demo / "window.ini"), QSettings.Format.IniFormat)
    win = MainWindow(controller, settings)
    qtbot.add_widget(win)
    return win

