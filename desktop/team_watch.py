"""Team sync in the background: a round soon after a local change, when a teammate's files arrive,
and every minute (network shares miss file events); its state in the status bar.

Rounds run on the controller's write thread, never on the UI thread, one at a time: a trigger
during a round asks for one more afterwards. A round that would delete or close most leads
stops; the user is asked whether to go on.
"""
from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from models.plural import counted
from sync.team import rounds, team
from sync.team.folder import DEVICES

from .controller import Controller

log = logging.getLogger("leadbook.desktop.team")

AFTER_CHANGE_MS = 2_000  # a burst of edits makes one round
EVERY_MS = 60_000  # the periodic round: file events from network shares and some sync tools never come
TICK_MS = 5_000  # how often "Synced 12 s ago" is brought up to date


def ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def describe(outcome: rounds.Outcome, seconds_since: float | None) -> tuple[str, str]:
    """(status bar text, tooltip) for the last round: the problem if there is one, else when and with how many."""
    status = outcome.status
    details = []
    if status is not None:
        details += [f"Team folder: {status.folder}" + (" (encrypted)" if status.encrypted else "")]
        details += [f"{d.member}{' (this computer)' if d.is_me else ''}: applied {d.applied}, pending {d.pending}"
                    + (f", {d.held_back} held back" if d.held_back else "") for d in status.devices]
        details += [note for note in (status.conflicts_note(), status.foreign_note()) if note]
    result = outcome.result
    if result is not None:
        details += [f"Skipped {what}." for what in result.skipped]
    tooltip = "\n".join(details)
    if outcome.problem:
        return outcome.problem, tooltip
    if outcome.refused:
        return "Sync stopped: " + outcome.refused.split(". ")[0].rstrip(".") + ".", tooltip
    warning = (status.clock_warning if status else None) or (result.warning if result else None)
    if warning:
        return warning, tooltip
    held = sum(d.held_back for d in status.devices) if status else 0
    if held:
        return f"{counted(held, 'change')} held back", tooltip
    devices = len(status.devices) if status else 0
    when = "Synced" if seconds_since is None else f"Synced {ago(seconds_since)} ago"
    return f"{when} · {counted(devices, 'device')}", tooltip


class TeamWatch(QObject):
    """Schedules rounds and shows how the last one went (a label for the status bar)."""

    synced = Signal(object)  # the rounds.Outcome of a round (tests, the Team settings)

    def __init__(self, controller: Controller, parent: QWidget):
        super().__init__(parent)
        self.controller = controller
        self.window = parent
        self.folder: Path | None = None
        self.outcome: rounds.Outcome | None = None
        self.label = QLabel("")
        self.label.setVisible(False)
        self._running = self._again = self._echo = False
        self._force_next = False
        self._finished_at: float | None = None
        self._declined: str | None = None  # a refusal the user said no to: not asked again every minute
        self.question: QMessageBox | None = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._on_folder_changed)
        self.soon = QTimer(self, singleShot=True, interval=AFTER_CHANGE_MS)
        self.soon.timeout.connect(self.sync_now)
        self.periodic = QTimer(self, interval=EVERY_MS)
        self.periodic.timeout.connect(self._on_periodic)
        self.tick = QTimer(self, interval=TICK_MS)
        self.tick.timeout.connect(self._show)
        controller.data_changed.connect(self._on_data_changed)

    def start(self) -> None:
        self.periodic.start()
        self.tick.start()
        self.reload()

    def reload(self) -> None:
        """Find out whether this data folder is in a team (after joining or leaving one); if so, sync now."""
        self.controller.read(team.team_folder, self._on_folder_read)

    def _on_folder_read(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is None:
            self.outcome = None
            self._watch()
            self._show()
        else:
            self.sync_now()

    def stop(self) -> None:
        for timer in (self.soon, self.periodic, self.tick):
            timer.stop()

    # --- triggers -------------------------------------------------------------------------------

    def _on_data_changed(self) -> None:
        if self._echo:  # the data_changed our own round caused
            self._echo = False
        elif self.folder is not None:
            self.soon.start()  # restarted by every change: one round after the burst

    def _on_periodic(self) -> None:
        if self.folder is not None:
            self.sync_now()

    def _on_folder_changed(self, _path: str) -> None:
        self._watch()  # a new teammate's folder is watched from now on
        self.soon.start()

    def sync_now(self, force: bool = False) -> None:
        """Run a round now (or right after the one running)."""
        self._force_next = self._force_next or force
        if self._running:
            self._again = True
            return
        self._running, force, self._force_next = True, self._force_next, False
        self.controller.run(partial(rounds.sync_now, force), self._on_synced, self._on_failed, changes_data=True)

    # --- results ----------------------------------------------------------------------------------

    def _on_synced(self, outcome: rounds.Outcome) -> None:
        self._running = False
        self._echo = True  # the controller emits data_changed right after this
        self.outcome = outcome
        self.folder = outcome.folder
        if outcome.result is not None or outcome.status is not None:
            self._finished_at = time.monotonic()
        self._watch()
        self._show()
        self.synced.emit(outcome)
        if outcome.refused and outcome.refused != self._declined:
            self._ask(outcome.refused)
        if self._again:
            self._again = False
            self.soon.start()

    def _on_failed(self, text: str) -> None:  # an unexpected error (the controller has logged it)
        self._running = False
        self.label.setText(text)
        self.label.setVisible(True)

    def _show(self) -> None:
        if self.outcome is None or self.outcome.folder is None:
            self.label.setVisible(False)
            return
        since = None if self._finished_at is None else time.monotonic() - self._finished_at
        text, tooltip = describe(self.outcome, since)
        self.label.setText(text)
        self.label.setToolTip(tooltip)
        self.label.setVisible(True)

    def _watch(self) -> None:
        """Watch devices/ and every teammate's folder in it (not our own: our writes would wake us)."""
        wanted: set[str] = set()
        status = self.outcome.status if self.outcome else None
        if self.folder is not None and status is not None:
            devices = self.folder / DEVICES
            mine = {d.device_id for d in status.devices if d.is_me}
            if devices.is_dir():
                wanted = {str(devices)} | {str(p) for p in devices.iterdir() if p.is_dir() and p.name not in mine}
        watched = set(self.watcher.directories())
        if watched - wanted:
            self.watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self.watcher.addPaths(sorted(wanted - watched))

    def _ask(self, refused: str) -> None:
        """Go on with a round that deletes or closes most leads? A question, not a block: sync waits meanwhile."""
        if self.question is not None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Team sync stopped",
                          refused.split(". ")[0].rstrip(".") + ".", parent=self.window)
        box.setInformativeText("Check with your teammate first. Apply these changes anyway?")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda code: self._on_answered(refused, code == QMessageBox.StandardButton.Yes))
        self.question = box
        box.open()

    def _on_answered(self, refused: str, go_on: bool) -> None:
        self.question = None
        if go_on:
            self._declined = None
            self.sync_now(force=True)
        else:
            self._declined = refused
