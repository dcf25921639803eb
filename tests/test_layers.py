"""Dependencies flow desktop -> sync -> models: headless code never loads Qt."""
from __future__ import annotations

import subprocess
import sys


def test_models_and_sync_do_not_load_qt_or_desktop():
    """Importing every models and sync module leaves PySide6 and desktop unloaded."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import models, sync\n"
        "for pkg in (models, sync):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'desktop')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_models_do_not_import_sync():
    """models/ is the bottom layer: no module in it imports sync."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import models\n"
        "for info in pkgutil.walk_packages(models.__path__, 'models.'):\n"
        "    importlib.import_module(info.name)\n"
        "sys.exit(1 if any(m.startswith('sync') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_headless_cli_does_not_load_qt(tmp_path):
    """`leadbook today` runs without importing Qt, so it needs no display."""
    code = (
        "import sys\n"
        "from desktop import cli\n"
        f"rc = cli.main(['--data-dir', {str(tmp_path)!r}, 'today'])\n"
        "sys.exit(rc or any(m.startswith('PySide6') for m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
