"""Settings: you, mail accounts (with Test connection), stages, lost reasons, notifications, team.

The dialog composes one pane per tab. It loads what they show off the UI thread and saves
the panes' edits as one write (all or nothing); mail accounts are saved on their own, as
each one is tested against its server first, and the team is made, joined or left at once.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from models.preferences import SettingsData, load_settings, save_settings

from .controller import Controller
from .settings_accounts import AccountsPane
from .settings_stages import ReasonsPane, StagesPane
from .settings_team import TeamPane
from .settings_you import NotificationsPane, YouPane


class SettingsDialog(QDialog):
    accounts_changed = Signal()  # an account was added, changed or removed: restart the watchers
    team_changed = Signal()  # a team was made, joined or left: start or stop the background sync
    saved = Signal()
    loaded = Signal()

    def __init__(self, controller: Controller, parent: QWidget | None = None, ssl_context: Any = None):
        super().__init__(parent)
        self.controller = controller
        self.data: SettingsData | None = None
        self.setWindowTitle("Settings")
        self.you = YouPane()
        self.accounts = AccountsPane(controller, ssl_context=ssl_context)
        self.accounts.changed.connect(self.accounts_changed)
        self.stages = StagesPane()
        self.reasons = ReasonsPane()
        self.notifications = NotificationsPane()
        self.team = TeamPane(controller)
        self.team.changed.connect(self.team_changed)
        self.tabs = QTabWidget()
        for pane, title in ((self.you, "You"), (self.accounts, "Mail accounts"), (self.stages, "Stages"),
                            (self.reasons, "Lost reasons"), (self.notifications, "Notifications"),
                            (self.team, "Team")):
            self.tabs.addTab(pane, title)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)  # until loaded
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self.reload()

    def reload(self) -> None:
        self.controller.read(load_settings, self._on_loaded)
        self.accounts.reload()
        self.team.reload()

    def _on_loaded(self, data: SettingsData) -> None:
        self.data = data
        self.you.fill(data.preferences)
        self.notifications.fill(data.preferences)
        self.stages.fill(data.stages)
        self.reasons.fill(data.lost_reasons)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        self.loaded.emit()

    def save(self) -> None:
        if self.data is None:
            return
        preferences = self.notifications.edited(self.you.edited(self.data.preferences))
        stage_edits, reason_edits = self.stages.edits(), self.reasons.edits()

        def done(_result: Any) -> None:
            self.saved.emit()
            self.accept()

        self.controller.write(lambda: save_settings(preferences, stage_edits, reason_edits), done,
                              success="Settings saved.")
