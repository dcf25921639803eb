"""A browser sign-in (OAuth) run off the UI thread, that the button which started it can cancel.

The sign-in waits for the browser for up to five minutes; it runs through controller.run
(no transaction held meanwhile, and not on the write thread) and checks a flag that Cancel
sets, so the listener and the wait end within a fraction of a second.
"""
from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QPushButton

from .controller import Controller

if TYPE_CHECKING:  # Authlib and requests load with the first sign-in, not with the window
    from sync.mail import oauth

CANCEL = "Cancel sign-in"


class SignIn:
    """start() a sign-in from a button, which reads "Cancel sign-in" until it ends; cancel() ends it."""

    def __init__(self, controller: Controller, open_browser: Callable[[str], Any] | None = None):
        self.controller = controller
        self.open_browser = open_browser or webbrowser.open  # the system browser (BROWSER honoured)
        self._cancel: threading.Event | None = None
        self._button: QPushButton | None = None
        self._text = ""

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def start(self, button: QPushButton, work: Callable[[oauth.Browser], Any], done: Callable[[Any], None],
              failed: Callable[[str], None]) -> None:
        """Run `work(browser)` off the UI thread; `done(result)` or `failed(sentence)` on the UI thread."""
        from sync.mail import oauth

        cancel = self._cancel = threading.Event()
        self._button, self._text = button, button.text()
        button.setText(CANCEL)
        browser = oauth.Browser(cancelled=cancel.is_set, open=self.open_browser)
        # not on the write thread: the window's own writes must not wait minutes for the browser
        self.controller.run(lambda: work(browser), lambda result: self._end(done, result, changed=True),
                            lambda text: self._end(failed, text))

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _end(self, then: Callable[[Any], None], value: Any, changed: bool = False) -> None:
        if self._button is not None:
            self._button.setText(self._text)
        self._cancel = self._button = None
        if changed:
            self.controller.refresh()
        then(value)
