"""Render every view to PNG (README screenshots, tests): `leadbook screenshots OUT_DIR`.

render_demo (the command) fills a temporary folder with demo data first: the user's data
folder is never opened. render_all builds the real app over a data folder, adds a few messages to
Review and Ignored mail from the test corpus, and grabs each view after its off-thread
loads have finished. Works offscreen (QT_QPA_PLATFORM=offscreen) and under Xvfb.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QCursor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from models import db, showcase

SIZE = (1280, 800)
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "sync" / "mail" / "messages"
# messages that show what Review and Ignored mail are for
SAMPLE_FILES = ("personal_unclear.eml", "empty_body.eml", "reply_in_thread.eml", "newsletter_bulk.eml",
                "autoreply.eml", "receipt.eml", "noreply.eml", "mailing_list.eml", "ooo_exchange.eml",
                "social.eml", "shipping.eml")


def store_sample_mail() -> int:
    """Store the sample messages (not the inquiries: those are in the demo data); how many were new."""
    from sync.mail.files import store_files

    return store_files([SAMPLES / name for name in SAMPLE_FILES], skip=("lead",))


def dark_palette() -> QPalette:
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#1f2227", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#16181c", QPalette.ColorRole.AlternateBase: "#24282e",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#2a2e35",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#2f6fdb",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2a2e35",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
        QPalette.ColorRole.Mid: "#3a3f47", QPalette.ColorRole.Midlight: "#30353c",
        QPalette.ColorRole.Dark: "#555b64", QPalette.ColorRole.Light: "#3a3f47",
        QPalette.ColorRole.Link: "#79a8ff", QPalette.ColorRole.BrightText: "#ffffff",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7f87"))
    return palette


def settle(app: QApplication, controller, rounds: int = 4) -> None:
    """Let off-thread loads finish and their results paint."""
    for _ in range(rounds):
        controller.wait()
        app.processEvents()


IMPORT_SAMPLE = ("Name,Company,E-mail,Phone,Status,Notes\n"
                 "Anna Berg,Berg Bakery,anna@berg-bakery.example,+49 30 1234567,Warm,Wants a quote for the shop front\n"
                 "Ben Cole,,ben.cole@example.com,,Quoted,\n"
                 "Carla Diaz,Diaz & Sons,carla@diaz.example,+34 91 123 45 67,Won,\n"
                 "Dev Patel,,not an email,+1 415 555 0134,Warm,Met at the fair\n")


def _save(widget: QWidget, path: Path) -> Path:
    pixmap = widget.grab()
    if not pixmap.save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def render_demo(out_dir: Path) -> list[Path]:
    """render_all over fresh demo data in a temporary folder: never the user's data folder."""
    from models import demo

    with tempfile.TemporaryDirectory(prefix="leadbook-screenshots-") as folder:
        db.open_store(folder)
        db.transaction(demo.generate, 300, seed=7)
        try:
            return render_all(Path(folder), out_dir)
        finally:
            db.close_database()


def render_all(data_dir: Path, out_dir: Path) -> list[Path]:
    """Build the app over data_dir and save a PNG of every view into out_dir; returns the files."""
    from . import app as desktop_app
    from . import resources
    from .first_run import FirstRunDialog
    from .import_dialog import ImportDialog
    from .settings_dialog import SettingsDialog
    from .window import MainWindow

    out_dir.mkdir(parents=True, exist_ok=True)
    app = desktop_app.create_app()
    controller, window = desktop_app.build(data_dir)
    controller.write(store_sample_mail)  # then every view refreshes: the Review badge counts it
    window.resize(*SIZE)
    QCursor.setPos(QPoint(SIZE[0] // 2, SIZE[1] - 2))  # away from the sidebar: no hover tint in the shots
    window.show()
    QApplication.sendEvent(window.nav.viewport(), QEvent(QEvent.Type.Leave))
    settle(app, controller)
    written: list[Path] = []

    for key in ("today", "board", "leads", "review", "insights"):
        window.show_view(key)
        settle(app, controller)
        if key == "review":
            view = window.view("review")
            view.review.table.setFocus()
            settle(app, controller)
        written.append(_save(window, out_dir / f"{key}.png"))

    # a lead with a history: the open lead with the most activity among the first few
    lead_id = db.call(showcase.latest_open_lead)
    if lead_id:
        window.show_lead(lead_id)
        settle(app, controller)
        dialog = window._details.get(lead_id)
        if dialog is not None:
            dialog.resize(900, 700)
            settle(app, controller)
            written.append(_save(dialog, out_dir / "lead.png"))
            dialog.close()

    settings = SettingsDialog(controller, window)
    settings.tabs.setCurrentIndex(2)  # Stages: the most telling tab
    settings.show()
    settle(app, controller)
    written.append(_save(settings, out_dir / "settings.png"))
    settings.close()

    with tempfile.TemporaryDirectory(prefix="leadbook-import-") as folder:  # a small sheet of someone's own
        sheet = Path(folder) / "Leads from the fair.csv"
        sheet.write_text(IMPORT_SAMPLE, encoding="utf-8")
        importer = ImportDialog(controller, sheet, window)
        importer.show()
        settle(app, controller)
        written.append(_save(importer, out_dir / "import.png"))
        importer.close()

    first = FirstRunDialog(controller, window)
    first.show()
    settle(app, controller)
    written.append(_save(first, out_dir / "first_run.png"))
    first.close()

    window.show_view("today")
    settle(app, controller)
    switcher = window.switcher
    switcher.popup()
    name = db.call(showcase.some_lead_name) or "a"
    switcher.edit.setText(name.split()[0][:4])
    if hasattr(switcher, "search_now"):
        switcher.search_now()
    settle(app, controller)
    shot = window.grab()
    painter = QPainter(shot)
    offset = window.mapFromGlobal(switcher.mapToGlobal(QPoint(0, 0)))
    painter.drawPixmap(offset, switcher.grab())
    painter.end()
    path = out_dir / "quick_switcher.png"
    shot.save(str(path))
    written.append(path)
    switcher.hide()

    # Today in a dark system theme: a new window, as the app would start under that theme
    previous = app.palette()
    app.setPalette(dark_palette())
    app.setStyleSheet(app.styleSheet())  # palette() in the stylesheet is resolved again
    resources.icon.cache_clear()  # icons are inked for the palette they are first made under
    dark = MainWindow(controller, window.settings)
    dark.resize(*SIZE)
    dark.show()
    settle(app, controller)
    written.append(_save(dark, out_dir / "today-dark.png"))
    dark.close()
    app.setPalette(previous)
    app.setStyleSheet(app.styleSheet())
    resources.icon.cache_clear()

    window.close()
    settle(app, controller)
    window.deleteLater()
    controller.deleteLater()
    app.processEvents()
    return written


def flat(path: Path, samples: int = 12) -> bool:
    """True when the image is one flat colour (a blank render)."""
    pixmap = QPixmap(str(path))
    image = pixmap.toImage()
    if image.isNull():
        return True
    w, h = image.width(), image.height()
    colours = {image.pixel(int(w * (i + 0.5) / samples), int(h * (j + 0.5) / samples))
               for i in range(samples) for j in range(samples)}
    return len(colours) <= 1
