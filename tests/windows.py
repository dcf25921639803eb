"""The main window in tests: show one view at a size and wait until it has loaded."""
from __future__ import annotations


def shown_in_window(window, qtbot, key: str, cls: type, size: tuple[int, int]):
    """The window at a size, showing view `key`, loaded: the view object."""
    window.resize(*size)
    window.show()
    window.show_view(key)
    view = window.findChild(cls)
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.refresh()
    qtbot.wait(50)
    return view
