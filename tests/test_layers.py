"""Dependencies flow desktop -> sync -> models: the window never touches the database, headless code never loads Qt.

The import rules are read from the source with `ast`, so an import inside a function counts as
much as one at the top of a module; the command line is run for real to see what it loads.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import peewee as pw
import pytest

from models import tables

ROOT = Path(__file__).resolve().parents[1]

# The database layer: desktop/ reaches it only through models/ and sync/ functions.
DATABASE_MODULES = ("peewee", "playhouse", "sqlite3", "models.tables")
# Attributes only the database layer has: a transaction, raw SQL, query building, row lookups and writes.
DATABASE_ATTRIBUTES = {"atomic", "execute_sql", "where", "order_by", "group_by", "paginate", "get_or_none",
                       "get_by_id", "get_or_create", "delete_instance", "insert_many", "insert_from", "bulk_create",
                       "bulk_update", "replace_many", "database"}
# Query methods forbidden on a table class (Lead.select(), FollowUp.get(...)); Qt has its own select().
QUERY_METHODS = {"select", "get", "create", "insert", "update", "delete", "replace", "raw", "save", "alias"}
TABLE_CLASSES = {cls.__name__ for cls in vars(tables).values()
                 if isinstance(cls, type) and issubclass(cls, pw.Model) and cls.__module__ == tables.__name__}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, names imported from it) for every import in the file, at any depth."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


def _within(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def import_violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    """Imports of a forbidden package (or of a forbidden module by `from package import module`)."""
    bad = []
    for path in modules(package):
        for line, module, names in imports(path):
            targets = [module] + [f"{module}.{name}" for name in names]
            if any(_within(target, forbidden) for target in targets):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module} {names or ''}".rstrip())
    return bad


def database_uses(path: Path) -> list[str]:
    """Lines in a desktop module that touch the database directly."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in DATABASE_ATTRIBUTES:
            bad.append(f"{where} uses .{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in TABLE_CLASSES:
            bad.append(f"{where} reaches the table class {node.attr}")
        elif isinstance(node, ast.Name) and node.id in TABLE_CLASSES | {"database"}:
            bad.append(f"{where} names {node.id}")
        elif isinstance(node, ast.alias) and (node.asname or node.name).split(".")[-1] in TABLE_CLASSES | {"database"}:
            bad.append(f"{where} imports {node.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_METHODS:
            receiver = node.func.value
            name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
            if name in TABLE_CLASSES:
                bad.append(f"{where} queries {name}.{node.func.attr}()")
    return bad


def test_the_table_classes_are_known():
    """The checks below know every table (a rename would silently let its queries through)."""
    assert {"Lead", "Activity", "FollowUp", "Stage", "Setting", "MailAccount", "MailMessage"} <= TABLE_CLASSES


def test_desktop_never_touches_the_database():
    """No desktop module imports peewee, playhouse, sqlite3 or models.tables, opens a transaction or runs a query."""
    bad = import_violations("desktop", DATABASE_MODULES)
    for path in modules("desktop"):
        bad += database_uses(path)
    assert not bad, "desktop/ must go through models/ and sync/ functions:\n" + "\n".join(bad)


CONTROLLER_SIGNALS = {"data_changed", "message", "mail_status_changed", "lead_opened"}


def controller_bypasses(path: Path) -> list[str]:
    """Places outside the controller that run tasks themselves or emit the controller's signals."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr == "tasks":
            bad.append(f"{where} reaches the task runner")
        elif (isinstance(node, ast.Attribute) and node.attr == "emit" and isinstance(node.value, ast.Attribute)
              and node.value.attr in CONTROLLER_SIGNALS):
            bad.append(f"{where} emits {node.value.attr} itself")
    return bad


def test_views_go_through_the_controller():
    """Only the controller runs background work and emits its signals; views call its methods."""
    bad = [line for path in modules("desktop") if path.name not in ("controller.py", "tasks.py")
           for line in controller_bypasses(path)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("package", "forbidden"), [
    ("models", ("desktop", "sync", "PySide6", "shiboken6")),
    ("sync", ("desktop", "PySide6", "shiboken6")),
])
def test_lower_layers_never_import_upper_ones(package, forbidden):
    """models/ imports neither sync, desktop nor Qt; sync/ neither desktop nor Qt: not even inside a function."""
    bad = import_violations(package, forbidden)
    assert not bad, "\n".join(bad)


def test_the_checks_see_imports_and_queries_inside_functions(tmp_path, monkeypatch):
    """The source checks catch a nested import, a relative import, a transaction, SQL and a table query."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "desktop" / "views").mkdir(parents=True)
    (tmp_path / "desktop" / "views" / "bad.py").write_text(
        "from PySide6.QtCore import QItemSelectionModel\n"
        "def load(selection: QItemSelectionModel, index):\n"
        "    import peewee\n"
        "    from ...models import tables\n"
        "    from models.leads import Lead\n"
        "    selection.select(index, QItemSelectionModel.SelectionFlag.Select)\n"
        "    with db.database.atomic():\n"
        "        db.database.execute_sql('DELETE FROM lead')\n"
        "        return Lead.select().where(Lead.id == 1), tables.FollowUp.get_by_id(2)\n")
    bad = import_violations("desktop", DATABASE_MODULES) + database_uses(tmp_path / "desktop" / "views" / "bad.py")
    text = "\n".join(bad)
    for expected in ("imports peewee", "imports models ['tables']", "uses .atomic", "uses .execute_sql",
                     "names Lead", "queries Lead.select()", "uses .get_by_id", "uses .database"):
        assert expected in text, (expected, text)
    assert "QItemSelectionModel" not in text and ":6 " not in text  # Qt's own select() is not a query


# The headless commands in the order a user might try them; each must exit 0 unless another code is given.
# LEAD is the lead added first, OTHER a second one; {tmp} the test's folder.
COMMANDS: list[tuple[int, list[str]]] = [
    (0, ["demo", "--leads", "20"]),
    (0, ["add", "--name", "Ana Lima", "--email", "ana@example.com", "--phone", "+1 415 555 0100", "--json"]),
    (0, ["add", "--name", "Other Lima", "--email", "other@example.com"]),
    (0, ["leads"]), (0, ["leads", "--json", "--stage", "New"]),
    (0, ["today"]), (0, ["today", "--json"]),
    (0, ["show", "ana@example.com"]),
    (0, ["edit", "ana@example.com", "--set", "company=Lima & Co"]),
    (0, ["note", "ana@example.com", "Wants a quote", "--kind", "call"]),
    (0, ["followup", "ana@example.com", "--due", "+3d"]),
    (0, ["done", "ana@example.com", "--outcome", "Called"]),
    (0, ["move", "ana@example.com", "Quoted", "--value", "1200"]),
    (0, ["merge", "ana@example.com", "other@example.com"]),
    (0, ["search", "lima"]), (0, ["search", "LIMÁ", "--json"]),
    (0, ["export", "-o", "{tmp}/leads.csv"]), (0, ["export", "--format", "xlsx", "-o", "{tmp}/leads.xlsx"]),
    (0, ["export", "--format", "json", "-o", "{tmp}/leads.json"]),
    (0, ["import", "{tmp}/leads.csv", "--dry-run"]), (0, ["import", "{tmp}/leads.csv"]),
    (0, ["backup", "-o", "{tmp}/backup.sqlite3"]), (0, ["restore", "{tmp}/backup.sqlite3"]),
    (0, ["config", "user_name", "Sam"]), (0, ["config", "user_name"]),
    (0, ["parse-email", "{tmp}/inquiry.eml"]),
    (0, ["account", "add", "Shop", "--host", "127.0.0.1", "--port", "9", "--security", "none", "--username", "u",
         "--no-test"]),
    (0, ["account", "list", "--json"]), (0, ["account"]),
    (1, ["account", "test", "Shop"]),  # no password stored: a clear error, no Qt
    (1, ["account", "signin", "Shop"]),  # a password account: nothing to sign in to
    (1, ["fetch"]),
    (0, ["account", "remove", "Shop"]),
    (0, ["review"]), (1, ["review", "accept", "nosuchid"]), (1, ["review", "reject", "nosuchid"]),
    (0, ["ignored"]),
    (0, ["claim", "ana@example.com"]), (0, ["today", "--mine"]),
    (0, ["team"]), (1, ["sync"]), (0, ["team", "create", "{tmp}/team"]), (0, ["sync"]), (0, ["team", "status"]),
    (1, ["team", "join", "{tmp}/team"]),  # already in a team
    (0, ["team", "leave"]),
    (0, ["done", "ana@example.com", "--won"]),
    (0, ["report"]), (0, ["report", "--json", "--from", "2020-01-01", "--owner", "Sam"]),
    (1, ["delete", "ana@example.com"]),  # stdin is no terminal: refused without --yes
    (0, ["delete", "ana@example.com", "--yes"]),
]
GUI_COMMANDS = {"screenshots"}  # these open Qt on purpose (and so does `leadbook` with no command)

RUNNER = """
import contextlib, io, json, sys
from desktop import cli
out = []
for expected, args in json.loads(sys.argv[1]):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = cli.main(["--data-dir", sys.argv[2], *args])
    qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
    out.append({"args": args, "rc": rc, "expected": expected, "said": stderr.getvalue() or stdout.getvalue(),
                "qt": qt[:3]})
print(json.dumps(out))
"""


def test_every_headless_command_is_checked():
    """Each command of `leadbook` is on the list below or is a GUI command: a new one gets checked too."""
    from desktop import cli

    def names(parser, prefix=()):
        for action in parser._actions:
            if isinstance(action, __import__("argparse")._SubParsersAction):
                for name, sub in action.choices.items():
                    yield " ".join((*prefix, name))
                    yield from names(sub, (*prefix, name))

    tried = {" ".join(args[:n]) for _, args in COMMANDS for n in (1, 2)}
    missing = sorted(set(names(cli.build_parser())) - tried - GUI_COMMANDS)
    assert not missing, f"add these commands to COMMANDS in {Path(__file__).name}: {missing}"


def test_headless_commands_never_load_qt(tmp_path):
    """Every headless command runs without importing PySide6 (no display needed, fast start), and succeeds."""
    (tmp_path / "inquiry.eml").write_bytes(
        b"From: Jo Web <jo@example.org>\r\nTo: shop@example.com\r\nSubject: Quote for a new kitchen?\r\n"
        b"Message-ID: <q1@example.org>\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\n"
        b"Hello, could you send me a price for a kitchen? Thanks, Jo\r\n")
    commands = [(rc, [arg.replace("{tmp}", str(tmp_path)) for arg in args]) for rc, args in COMMANDS]
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(ROOT))
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(commands), str(tmp_path / "data")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=50)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.splitlines()[-1])
    assert len(results) == len(COMMANDS)
    for result in results:
        command = "leadbook " + " ".join(result["args"])
        assert not result["qt"], f"{command} loaded {result['qt']}"
        assert result["rc"] == result["expected"], f"{command} exited {result['rc']}: {result['said']}"
        if result["rc"]:  # a failure says why in words, not with a traceback
            assert result["said"].strip() and "Traceback" not in result["said"], command


def test_the_entry_point_starts_without_qt(tmp_path):
    """`python -m desktop today` as a user runs it imports no Qt module at all (-X importtime lists each)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "desktop", "--data-dir", str(tmp_path), "today"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30)
    assert proc.returncode == 0, proc.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "models.today" in imported  # the listing is real
    assert not [m for m in imported if m.split(".")[0] in ("PySide6", "shiboken6")]


def test_models_and_sync_do_not_load_qt_or_desktop():
    """Importing every models and sync module leaves PySide6 and desktop unloaded."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import models, sync\n"
        "for pkg in (models, sync):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'desktop'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
