"""Background team sync against a real shared temporary folder: the status bar, a round after a local change
and after a teammate's files arrive, a missing folder, a refused round asked about, the status texts."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from team_devices import as_device

from desktop.team_watch import TeamWatch, describe
from models import hlc, leads, stages
from models.tables import Lead
from sync.team import rounds, team

pytestmark = pytest.mark.gui


@pytest.fixture
def shared(tmp_path) -> Path:
    return tmp_path / "Dropbox" / "Team"


@pytest.fixture
def teammate(store, tmp_path, shared, keyring_tmp) -> Path:
    """This data folder (Ann's) made the team with a lead; Ben's data folder joined it."""
    leads.add_lead("Ana Lima", email="ana@example.com")
    team.create(shared, None, "Ann", "ann@example.com")
    ben = tmp_path / "ben"
    with as_device(ben):
        team.join(shared, None, "Ben", "ben@example.com")
    return ben


@pytest.fixture
def watch(controller, qtbot):
    parent = QWidget()
    qtbot.add_widget(parent)
    result = TeamWatch(controller, parent)
    result.soon.setInterval(50)  # the debounce, shortened for the test
    yield result
    result.stop()


def test_not_in_a_team_stays_quiet(watch, controller, qtbot):
    """Without a team the label is hidden and a local change schedules no round."""
    watch.start()
    assert not watch.label.isVisibleTo(watch.window) and watch.folder is None
    controller.write(lambda: leads.add_lead("Ana Lima", email="ana@example.com"))
    assert not watch.soon.isActive()


def test_the_status_bar_says_when_and_with_how_many(teammate, watch, qtbot):
    """After the first round the label reads "Synced 0 s ago · 2 devices"; the watcher sees Ben's folder."""
    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    assert re.fullmatch(r"Synced \d+ s ago · 2 devices", watch.label.text()), watch.label.text()
    assert "Ben" in watch.label.toolTip()
    watched = {Path(p).name for p in watch.watcher.directories()}
    assert "devices" in watched and len(watched) == 2  # devices/ and Ben's folder, not our own


def test_a_local_change_is_sent_after_a_short_wait_and_only_once(teammate, watch, controller, qtbot):
    """An edit starts one round a moment later; the data_changed that round causes starts no other."""
    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    with qtbot.wait_signal(watch.synced, timeout=10_000) as blocker:
        controller.write(lambda: leads.edit_lead(leads.find_lead("ana@example.com"), company="Lima Tiles"))
    assert blocker.args[0].result.sent > 0
    assert not watch.soon.isActive()  # our own round's data_changed was not taken for a new change
    with as_device(teammate):
        team.sync_round()
        assert leads.find_lead("ana@example.com").company == "Lima Tiles"


def test_a_teammates_files_start_a_round(teammate, watch, qtbot):
    """When Ben's new segment lands in the folder, the file watcher starts a round that applies it."""
    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    with as_device(teammate):
        leads.edit_lead(leads.find_lead("ana@example.com"), company="Ben's edit")
        team.sync_round()
    with qtbot.wait_signal(watch.synced, timeout=10_000) as blocker:
        pass  # the watcher's event and the debounce do the rest
    assert blocker.args[0].result.received > 0
    assert leads.find_lead("ana@example.com").company == "Ben's edit"


def test_a_missing_folder_is_shown_and_retried(teammate, shared, watch, qtbot):
    """An unmounted drive shows as one plain sentence; once it is back the next round syncs again."""
    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    moved = shared.with_name("unplugged")
    shared.rename(moved)
    watch.sync_now()
    assert watch.label.text() == rounds.MISSING
    moved.rename(shared)
    watch.sync_now()
    assert watch.label.text().startswith("Synced")


def test_a_teammates_clock_a_day_ahead_shows_in_the_status_bar(teammate, watch, qtbot, monkeypatch):
    """Ben's clock runs two days fast: his change is held back and the status bar says why, not "Synced"."""
    real = hlc._now_ms
    with as_device(teammate):
        monkeypatch.setattr(hlc, "_now_ms", lambda: real() + 2 * 86_400_000)
        leads.edit_lead(leads.find_lead("ana@example.com"), company="From the future")
        team.sync_round()
        monkeypatch.setattr(hlc, "_now_ms", real)
    with qtbot.wait_signal(watch.synced, timeout=10_000) as blocker:
        watch.start()
    assert blocker.args[0].result.held_back > 0
    assert "Ben" in watch.label.text() and "ahead" in watch.label.text()
    assert "held back" in watch.label.toolTip() and leads.find_lead("ana@example.com").company is None


def close_most(ben: Path, count: int) -> None:
    with as_device(ben):
        lost = stages.find_stage("Lost")
        for lead in list(Lead.select().where(Lead.status == "open"))[:count]:
            leads.move_lead(lead, lost, reason="Other")
        team.sync_round()


@pytest.fixture
def risky(store, tmp_path, shared, keyring_tmp) -> Path:
    """Twelve open leads here; Ben has closed eleven of them and synced."""
    for n in range(12):
        leads.add_lead(f"Lead {n}", email=f"lead{n}@example.com")
    team.create(shared, None, "Ann", None)
    ben = tmp_path / "ben"
    with as_device(ben):
        team.join(shared, None, "Ben", None)
    close_most(ben, 11)
    return ben


def open_count() -> int:
    return Lead.select().where(Lead.status == "open").count()


def test_a_refused_round_asks_and_yes_goes_on(risky, watch, qtbot):
    """A round that would close most leads applies nothing and asks; Yes runs it with force."""
    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    assert watch.question is not None and watch.question.isVisible()
    assert open_count() == 12 and watch.label.text().startswith("Sync stopped: ")
    with qtbot.wait_signal(watch.synced, timeout=10_000) as blocker:
        watch.question.button(QMessageBox.StandardButton.Yes).click()
    assert blocker.args[0].result.received > 0 and open_count() == 1
    assert watch.question is None and watch.label.text().startswith("Synced")


def test_a_refused_round_declined_is_not_asked_again(risky, watch, qtbot):
    """No leaves the leads open and the next rounds do not ask the same question every minute."""
    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    watch.question.button(QMessageBox.StandardButton.No).click()
    watch.sync_now()
    assert watch.question is None and open_count() == 12
    assert watch.label.text().startswith("Sync stopped: ")


def status(**changes) -> team.TeamStatus:
    devices = (team.DeviceStatus("a" * 36, "Ann", None, 3, 0, 0, True),
               team.DeviceStatus("b" * 36, "Ben", None, 2, 1, changes.pop("held", 0), False))
    values = dict(folder=Path("/team"), team_id="t", encrypted=False, devices=devices, conflicts=0, foreign=(),
                  clock_warning=None, last_round=datetime(2026, 11, 30))
    return team.TeamStatus(**(values | changes))


def test_the_status_text_puts_the_problem_first():
    """Missing folder, then a clock warning, then held-back changes, else when and how many devices."""
    ok = team.RoundResult(1, 2, 0, 0, (), None)
    assert describe(rounds.Outcome(Path("/team"), status(), ok), 12)[0] == "Synced 12 s ago · 2 devices"
    assert describe(rounds.Outcome(Path("/team"), status(), ok), 125)[0] == "Synced 2 min ago · 2 devices"
    assert describe(rounds.Outcome(Path("/team"), status(held=3), ok), 1)[0] == "3 changes held back"
    warned = status(held=3, clock_warning="This computer's clock looks 25.0 h behind Ben's.")
    assert describe(rounds.Outcome(Path("/team"), warned, ok), 1)[0].startswith("This computer's clock")
    assert describe(rounds.Outcome(Path("/team"), problem=rounds.MISSING), None)[0] == rounds.MISSING
    text, tip = describe(rounds.Outcome(Path("/team"), status(conflicts=2, foreign=("x (1).lbk",)), ok), 5)
    assert "2 sync conflicts are" in tip and "1 file that is" in tip and "x (1).lbk" in tip
    assert "Ben: applied 2, pending 1" in tip


def test_a_conflict_from_a_round_is_on_the_leads_timeline(teammate, watch, controller, qtbot):
    """Both edit the same field before syncing: after the round the lead's timeline shows a sync conflict."""
    from desktop.lead_detail import LeadDetailDialog
    from desktop.lead_timeline import KIND_ICONS

    with qtbot.wait_signal(watch.synced, timeout=10_000):
        watch.start()
    with as_device(teammate):
        leads.edit_lead(leads.find_lead("ana@example.com"), company="Ben's company")
        team.sync_round()
    lead_id = leads.find_lead("ana@example.com").id
    with qtbot.wait_signal(watch.synced, timeout=10_000) as blocker:
        controller.write(lambda: leads.edit_lead(leads.find_lead(lead_id), company="Ann's company"))
    assert blocker.args[0].result.conflicts + blocker.args[0].status.conflicts > 0
    dialog = LeadDetailDialog(controller, lead_id)
    qtbot.add_widget(dialog)
    entries = [e for e in dialog.timeline.model.items() if e.kind == "conflict"]
    assert entries and KIND_ICONS["conflict"] == "warning"
    text = " ".join(f"{e.summary} {e.body or ''}" for e in entries)
    assert "Ben's company" in text and "Ann's company" in text
