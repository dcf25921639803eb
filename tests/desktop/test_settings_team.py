"""Settings › Team against a real shared temporary folder: create, join (wrong and right passphrase), the
devices table, a missing folder, leave."""
from __future__ import annotations

import pytest
from team_devices import as_device

from desktop.settings_team import DevicesModel, TeamPane
from models import leads, settings
from models.tables import Setting
from sync.team import rounds, team

pytestmark = pytest.mark.gui
PASSPHRASE = "tulips in the rain"


@pytest.fixture
def pane(controller, qtbot, keyring_tmp):
    widget = TeamPane(controller)
    qtbot.add_widget(widget)
    widget.reload()
    return widget


def test_create_a_team_from_the_pane(pane, store, tmp_path, qtbot, qtmodeltester):
    """Create makes the team folder, empties the passphrase field and shows this computer as the one device."""
    leads.add_lead("Ana Lima", email="ana@example.com")
    assert pane.pages.currentIndex() == 0  # not in a team yet: the create/join page
    shared = tmp_path / "Dropbox" / "Team"
    pane.folder.setText(str(shared))
    pane.passphrase.setText(PASSPHRASE)
    pane.member_name.setText("Ann")
    pane.email.setText("ann@example.com")
    with qtbot.wait_signal(pane.changed, timeout=10_000):
        pane.create_button.click()
    assert pane.pages.currentIndex() == 1 and pane.passphrase.text() == ""
    assert (shared / "leadbook-team.json").is_file()
    assert pane.devices.rowCount() == 1 and "(this computer)" in pane.devices.index(0, 0).data()
    assert "encrypted" in pane.summary.text() and "not encrypted" not in pane.summary.text()
    qtmodeltester.check(pane.devices, force_py=True)
    stored = [value for (value,) in Setting.select(Setting.value).tuples()]
    files = [p.read_bytes() for p in shared.rglob("*") if p.is_file()]
    assert not any(PASSPHRASE in value for value in stored)
    assert not any(PASSPHRASE.encode() in data or b"Ana Lima" in data for data in files)


def test_join_refuses_a_wrong_passphrase_inline_then_joins(pane, tmp_path, qtbot):
    """A wrong passphrase is explained beside the form; the right one joins and lists both devices."""
    shared = tmp_path / "shared"
    with as_device(tmp_path / "ann"):
        leads.add_lead("Ana Lima", email="ana@example.com")
        team.create(shared, PASSPHRASE, "Ann", "ann@example.com")
    pane.folder.setText(str(shared))
    pane.member_name.setText("Ben")
    pane.passphrase.setText("wrong guess")
    pane.join_button.click()
    assert pane.pages.currentIndex() == 0 and "passphrase" in pane.setup_result.text()
    assert "wrong guess" not in pane.setup_result.text() and pane.passphrase.text() == ""
    pane.passphrase.setText(PASSPHRASE)
    with qtbot.wait_signal(pane.changed, timeout=10_000):
        pane.join_button.click()
    assert pane.pages.currentIndex() == 1 and pane.devices.rowCount() == 2
    assert [leads.find_lead("ana@example.com").name] == ["Ana Lima"]


def test_a_missing_folder_is_named_and_leaving_still_works(pane, tmp_path, qtbot, monkeypatch):
    """With the folder gone (an unmounted drive) the pane says so; Leave team works anyway."""
    shared = tmp_path / "shared"
    team.create(shared, None, "Ann", None)
    shared.rename(tmp_path / "elsewhere")
    pane.reload()
    assert pane.pages.currentIndex() == 1 and rounds.MISSING in pane.notes.text()
    with qtbot.wait_signal(pane.changed, timeout=10_000):
        pane.leave(confirm=False)
    assert pane.pages.currentIndex() == 0 and team.team_folder() is None
    assert "left the team" in pane.setup_result.text()


def test_the_form_asks_for_a_folder_and_a_name(pane):
    """Create without a folder says what is missing and starts nothing."""
    pane.member_name.setText("Ann")
    pane.create_button.click()
    assert "Choose the team folder" in pane.setup_result.text() and team.team_folder() is None


def test_the_pane_suggests_my_name_and_address(controller, qtbot, keyring_tmp):
    """Your name and first own address fill the member fields."""
    settings.put("user_name", "Ann Berg")
    settings.put("my_addresses", "ann@example.com, info@example.com")
    widget = TeamPane(controller)
    qtbot.add_widget(widget)
    widget.reload()
    assert (widget.member_name.text(), widget.email.text()) == ("Ann Berg", "ann@example.com")


def test_devices_model_is_empty_at_first(qtmodeltester):
    """An empty devices table keeps Qt's model contract."""
    qtmodeltester.check(DevicesModel(), force_py=True)
