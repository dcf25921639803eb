"""The main window: navigation between the views, the status bar, global shortcuts."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QStackedWidget, QWidget,
)

from . import resources
from .board_view import BoardView
from .controller import Controller
from .lead_detail import LeadDetailDialog
from .lead_form import NewLeadDialog
from .leads_view import LeadsView
from .review_view import ReviewView
from .switcher import QuickSwitcher
from .today_view import TodayView

VIEWS = (("today", "Today", TodayView), ("board", "Board", BoardView), ("leads", "Leads", LeadsView),
         ("review", "Review", ReviewView))


class MainWindow(QMainWindow):
    def __init__(self, controller: Controller, settings: QSettings):
        super().__init__()
        self.controller = controller
        self.settings = settings
        self.setWindowTitle("Leadbook")
        self.setWindowIcon(resources.icon("leadbook"))
        self.setMinimumSize(900, 600)

        self.nav = QListWidget(objectName="nav")
        self.nav.setFixedWidth(170)
        self.stack = QStackedWidget()
        self.views: dict[str, QWidget] = {}
        for key, title, cls in VIEWS:
            view = cls(controller)
            self.views[key] = view
            self.stack.addWidget(view)
            item = QListWidgetItem(resources.icon(key), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._on_nav_changed)

        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)

        self.mail_label = QLabel("Mail: no inbox connected")
        self.statusBar().addPermanentWidget(self.mail_label)
        controller.mail_status_changed.connect(self.mail_label.setText)
        controller.message.connect(self._on_message)
        controller.lead_opened.connect(self.show_lead)

        self.switcher = QuickSwitcher(controller, self)
        self._details: dict[str, LeadDetailDialog] = {}
        self._add_actions()
        self._restore_state()
        self.nav.setCurrentRow(0)

    def _add_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str, slot, icon: str | None = None) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            if icon:
                act.setIcon(resources.icon(icon))
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_lead_action = action("New lead", QKeySequence.StandardKey.New, self.new_lead, "add")
        self.switch_action = action("Find a lead", "Ctrl+K", self.switcher.popup, "search")
        for number, (key, _title, _cls) in enumerate(VIEWS, start=1):
            action(f"Go to {key}", f"Ctrl+{number}", lambda _=False, k=key: self.show_view(k))
        action("Quit", QKeySequence.StandardKey.Quit, self.close)

    def show_view(self, key: str) -> None:
        self.nav.setCurrentRow([k for k, _t, _c in VIEWS].index(key))

    def _on_nav_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        view = self.stack.currentWidget()
        view.refresh()
        view.setFocus()

    def new_lead(self) -> None:
        dialog = NewLeadDialog(self.controller, self)
        dialog.open()

    def show_lead(self, lead_id: str) -> None:
        dialog = self._details.get(lead_id)
        if dialog is None or not dialog.isVisible():
            dialog = LeadDetailDialog(self.controller, lead_id, self)
            dialog.finished.connect(lambda _r, i=lead_id: self._details.pop(i, None))
            self._details[lead_id] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _on_message(self, level: str, text: str) -> None:
        if level == "error":
            self.statusBar().showMessage(text, 15_000)
            QMessageBox.warning(self, "Leadbook", text)
        else:
            self.statusBar().showMessage(text, 5_000)

    def _restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/view", self.nav.currentRow())
        QTimer.singleShot(0, self.controller.tasks.wait)
        super().closeEvent(event)
