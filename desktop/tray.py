"""The tray icon: how many items are due (a badge on the app icon), a menu, notifications."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QSystemTrayIcon

from models.members import my_due_counts

from . import resources
from .controller import Controller

log = logging.getLogger("leadbook.desktop.tray")
ACCENT, OVERDUE = QColor("#2f6fdb"), QColor("#c62828")


def badge_icon(count: int, urgent: bool = False) -> QIcon:
    """The app icon with the count painted on a round badge (none for 0)."""
    base = resources.icon("leadbook")
    if count <= 0:
        return base
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = base.pixmap(size, size)
        if pixmap.isNull():
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        label = str(count) if count < 100 else "99+"
        diameter = size * (0.62 if len(label) == 1 else 0.72)
        rect = QRectF(size - diameter, size - diameter, diameter, diameter)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OVERDUE if urgent else ACCENT)
        painter.drawEllipse(rect)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, int(diameter * (0.62 if len(label) == 1 else 0.46))))  # sized to the badge
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class Tray(QObject):
    count_changed = Signal(int)

    def __init__(self, controller: Controller, window: QMainWindow):
        super().__init__(window)
        self.controller = controller
        self.window = window
        self.count = 0
        self.overdue = 0
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(resources.icon("leadbook"), self)
            self.icon.setToolTip("Leadbook")
            self.icon.setContextMenu(self._menu())
            self.icon.activated.connect(self._on_activated)
            self.icon.show()
        controller.data_changed.connect(self.refresh)
        self.refresh()

    def _menu(self) -> QMenu:
        menu = QMenu()
        self._menu_ref = menu  # QSystemTrayIcon does not own its menu

        def add(text: str, slot, icon: str | None = None) -> QAction:
            action = menu.addAction(resources.icon(icon), text) if icon else menu.addAction(text)
            action.triggered.connect(slot)
            return action

        add("Open Leadbook", self.show_window, "leadbook")
        add("New lead…", self._new_lead, "add")
        self.check_mail_action = add("Check mail now", self._check_mail, "mail")
        self.check_mail_action.setVisible(hasattr(self.window, "check_mail"))
        menu.addSeparator()
        add("Quit", QApplication.quit)
        return menu

    def refresh(self) -> None:
        self.controller.read(my_due_counts, self._on_counts)

    def _on_counts(self, counts: tuple[int, int]) -> None:
        self.count, self.overdue = counts
        if self.icon is not None:
            self.icon.setIcon(badge_icon(self.count, urgent=self.overdue > 0))
            if self.count:
                tip = f"Leadbook — {self.count} to do today" + (f", {self.overdue} overdue" if self.overdue else "")
            else:
                tip = "Leadbook — nothing due"
            self.icon.setToolTip(tip)
        self.count_changed.emit(self.count)

    def notify(self, title: str, text: str) -> None:
        """A desktop notification (a new inquiry); the status bar where there is no tray."""
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, text, resources.icon("leadbook"), 10_000)
        else:
            self.controller.inform(f"{title}: {text}")

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _new_lead(self) -> None:
        self.show_window()
        new_lead = getattr(self.window, "new_lead", None)
        if new_lead:
            new_lead()

    def _check_mail(self) -> None:
        check = getattr(self.window, "check_mail", None)
        if check:
            check()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()
