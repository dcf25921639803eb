"""The main window: navigation between the views, the status bar, global shortcuts."""
from __future__ import annotations

import importlib
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models.plural import counted

from . import resources
from .controller import Controller

# key, title, module, class. Only Today is built at start; the others on their first visit,
# so start-up imports and builds one view, not five.
VIEWS = (("today", "Today", "today_view", "TodayView"), ("board", "Board", "board_view", "BoardView"),
         ("leads", "Leads", "leads_view", "LeadsView"), ("review", "Review", "review_view", "ReviewView"),
         ("insights", "Insights", "insights_view", "InsightsView"))
KEYS = [key for key, *_ in VIEWS]
DEMO_TITLE = "Leadbook — demo data (made-up leads)"


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
        self.views: dict[str, QWidget] = {}  # the views built so far
        for key, title, *_ in VIEWS:
            self.stack.addWidget(QWidget())  # a placeholder until the view is first shown
            item = QListWidgetItem(resources.icon(key), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._on_nav_changed)

        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        side = QVBoxLayout()  # the sidebar: views, then Settings and Check mail at the foot
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addWidget(self.nav, 1)
        self.side_buttons = QWidget(objectName="navFoot")
        self.side_buttons.setFixedWidth(170)
        self.side_buttons.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.side_buttons.setStyleSheet("#navFoot { background: palette(alternate-base); "
                                        "border-right: 1px solid palette(mid); }")
        foot = QVBoxLayout(self.side_buttons)
        foot.setContentsMargins(6, 4, 6, 8)
        self.settings_button = QToolButton(text="Settings", toolTip="Settings (Ctrl+,)",
                                           icon=resources.icon("settings"))
        self.check_mail_button = QToolButton(text="Check mail", toolTip="Check mail now (F5)",
                                             icon=resources.icon("mail"))
        for button in (self.check_mail_button, self.settings_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setIconSize(self.nav.iconSize().expandedTo(QSize(20, 20)))
            foot.addWidget(button)
        self.settings_button.clicked.connect(self.open_settings)
        self.check_mail_button.clicked.connect(self.check_mail)
        side.addWidget(self.side_buttons)
        layout.addLayout(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)

        self.mail_label = QLabel("Mail: no inbox connected")
        self.statusBar().addPermanentWidget(self.mail_label)
        controller.mail_status_changed.connect(self.mail_label.setText)
        controller.message.connect(self._on_message)
        controller.lead_opened.connect(self.show_lead)
        controller.view_opened.connect(self.show_view)

        self.mail_watchers = None  # desktop.mail_watch.MailWatchers, set by app.run
        self.team_watch = None  # desktop.team_watch.TeamWatch, set by app.run
        self.housekeeping: QTimer | None = None  # hourly, set by app.run
        controller.data_changed.connect(self._count_review)
        QTimer.singleShot(300, self._count_review)  # as mail watching starts: the mail store's imports wait

        self._switcher = None
        self._details: dict[str, QWidget] = {}
        self.import_dialog: QWidget | None = None
        self._add_actions()
        self._restore_state()
        self.nav.setCurrentRow(0)
        QTimer.singleShot(300, self._mark_demo)  # with the Review count: the store's modules load after Today paints

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

        self.new_lead_action = action("New lead…", QKeySequence.StandardKey.New, self.new_lead, "add")
        self.import_action = action("Import…", "Ctrl+I", self.import_file)
        self.export_action = action("Export all leads…", "Ctrl+E", self.export_all)
        self.switch_action = action("Find a lead", "Ctrl+K", lambda: self.switcher.popup(), "search")
        self.settings_action = action("Settings", "Ctrl+,", self.open_settings, "settings")
        self.check_mail_action = action("Check mail", "F5", self.check_mail, "mail")
        views = [action(title, f"Ctrl+{number}", lambda _=False, k=key: self.show_view(k), key)
                 for number, (key, title, *_) in enumerate(VIEWS, start=1)]
        quit_action = action("Quit", QKeySequence.StandardKey.Quit, self.close)
        # The menus make every action findable; the keys work without them.
        file_menu = self.menuBar().addMenu("&File")
        for entry in (self.new_lead_action, self.import_action, self.export_action, None, self.check_mail_action,
                      self.settings_action, None, quit_action):
            file_menu.addSeparator() if entry is None else file_menu.addAction(entry)
        view_menu = self.menuBar().addMenu("&View")
        for entry in (*views, None, self.switch_action):
            view_menu.addSeparator() if entry is None else view_menu.addAction(entry)

    @property
    def switcher(self) -> QWidget:
        if self._switcher is None:
            from .switcher import QuickSwitcher

            self._switcher = QuickSwitcher(self.controller, self)
        return self._switcher

    def view(self, key: str) -> QWidget:
        """The view for key, built (and put in its place in the stack) on first use."""
        if key not in self.views:
            row = KEYS.index(key)
            _key, _title, module, cls = VIEWS[row]
            view = getattr(importlib.import_module(f".{module}", __package__), cls)(self.controller)
            placeholder = self.stack.widget(row)
            self.stack.insertWidget(row, view)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.views[key] = view
        return self.views[key]

    def show_view(self, key: str) -> None:
        self.nav.setCurrentRow(KEYS.index(key))

    def _on_nav_changed(self, row: int) -> None:
        view = self.view(KEYS[row])
        self.stack.setCurrentIndex(row)
        view.refresh()
        view.setFocus()

    def _mark_demo(self) -> None:
        """A demo data folder says so in the title, so made-up leads are never taken for real ones."""
        from models.settings import is_demo_folder

        self.controller.read(is_demo_folder, lambda demo: demo and self.setWindowTitle(DEMO_TITLE))

    def _count_review(self) -> None:
        from models.mail import review_count  # here: its imports (Insights, the board) are not needed for Today

        self.controller.read(review_count, self._on_review_count_changed)

    def _on_review_count_changed(self, count: int) -> None:
        item = self.nav.item(KEYS.index("review"))
        item.setText(f"Review ({count})" if count else "Review")
        one = count == 1
        item.setToolTip(f"{counted(count, 'message')} might be {'an inquiry' if one else 'inquiries'}: accept or "
                        f"reject {'it' if one else 'them'}" if count else "")

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.controller, self)
        dialog.accounts_changed.connect(self._on_accounts_changed)
        dialog.team_changed.connect(self._on_team_changed)
        dialog.open()

    def _on_accounts_changed(self) -> None:
        if self.mail_watchers is not None:
            self.mail_watchers.restart()

    def _on_team_changed(self) -> None:
        if self.team_watch is not None:
            self.team_watch.reload()

    def check_mail(self) -> None:
        """Check every inbox now (F5): the watchers run the pass off the UI thread."""
        if self.mail_watchers is not None:
            self.mail_watchers.check_now()

    def import_file(self, path: str | None = None) -> None:
        """Pick a file, then preview and import it (desktop.import_dialog)."""
        from .import_dialog import FILE_FILTER, ImportDialog

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import leads", "", FILE_FILTER)
        if path:
            self.import_dialog = ImportDialog(self.controller, Path(path), self)
            self.import_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.import_dialog.open()

    def export_all(self) -> None:
        """Every lead, with notes and timeline, as CSV, Excel or JSON (by the name chosen)."""
        from models.export import FORMATS, export_leads, format_named

        path, chosen = QFileDialog.getSaveFileName(self, "Export all leads", "Leadbook leads.csv",
                                                   "CSV (*.csv);;Excel (*.xlsx);;JSON (*.json)")
        if not path:
            return
        fmt = format_named(path, default="")
        if fmt not in FORMATS:
            fmt = {"Excel (*.xlsx)": "xlsx", "JSON (*.json)": "json"}.get(chosen, "csv")
            path += f".{fmt}"
        self.controller.read(partial(export_leads, path, fmt),
                             lambda count: self.controller.inform(f"Exported {counted(count, 'lead')} to {path}."))

    def new_lead(self) -> None:
        from .lead_form import NewLeadDialog

        dialog = NewLeadDialog(self.controller, self)
        dialog.open()

    def show_lead(self, lead_id: str) -> None:
        dialog = self._details.get(lead_id)
        if dialog is None or not dialog.isVisible():
            from .lead_detail import LeadDetailDialog

            dialog = LeadDetailDialog(self.controller, lead_id, self)
            dialog.finished.connect(lambda _r, i=lead_id: self._details.pop(i, None))
            self._details[lead_id] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _on_message(self, level: str, text: str) -> None:
        if level == "error":
            self.statusBar().showMessage(text, 15_000)
            # Non-modal: a failing background task must never block the window (or a test run).
            box = QMessageBox(QMessageBox.Icon.Warning, "Leadbook", text, QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.show()
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
        QTimer.singleShot(0, self.controller.wait)
        super().closeEvent(event)
