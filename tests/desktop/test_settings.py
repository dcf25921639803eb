"""Settings: accounts against a real Dovecot (test, save, password only in the keyring), you, stages,
lost reasons, notifications; the first-run screen."""
from __future__ import annotations

import pytest
from imap_server import ImapServer  # noqa: E402

from desktop.account_dialog import AccountDialog
from desktop.first_run import FirstRunDialog
from desktop.settings_dialog import SettingsDialog
from models import db, settings, stage_settings, stages
from models.errors import InvalidInput, RuleError
from models.leads import add_lead
from models.preferences import needs_first_run
from models.tables import LostReason, MailAccount, Stage
from sync import credentials
from sync.mail import accounts

pytestmark = pytest.mark.gui


def _fill(dialog: AccountDialog, server: ImapServer, user: str, password: str, name: str = "Shop") -> None:
    dialog.name.setText(name)
    dialog.host.setText(server.host)
    dialog.security.setCurrentIndex(dialog.security.findData("none"))
    dialog.port.setValue(server.port)
    dialog.username.setText(user)
    dialog.password.setText(password)


@pytest.fixture
def account_dialog(controller, qtbot, keyring_tmp):
    dialog = AccountDialog(controller)
    qtbot.add_widget(dialog)
    return dialog


@pytest.mark.imap
def test_test_connection_succeeds_with_the_right_password(imap_server, account_dialog, qtbot):
    """"Test connection" against the real server logs in and shows a one-line OK with the folders."""
    user, password = imap_server.new_user()
    _fill(account_dialog, imap_server, user, password)
    with qtbot.wait_signal(account_dialog.tested, timeout=15000) as blocker:
        account_dialog.test_button.click()
    ok, text = blocker.args
    assert ok, text
    assert text.startswith("OK: logged in") and user in text and "IDLE" in text
    assert account_dialog.result.text() == text
    assert MailAccount.select().count() == 0  # testing stores nothing


@pytest.mark.imap
def test_test_connection_shows_a_clear_failure_with_a_wrong_password(private_server, account_dialog, qtbot):
    """A wrong password gives one clear sentence naming the user, never the password."""
    user, _password = private_server.new_user()
    _fill(account_dialog, private_server, user, "not-the-Passw0rd")
    with qtbot.wait_signal(account_dialog.tested, timeout=15000) as blocker:
        account_dialog.test_button.click()
    ok, text = blocker.args
    assert not ok
    assert "refused the login" in text and user in text
    assert "not-the-Passw0rd" not in text
    assert account_dialog.result.property("role") == "error"


@pytest.mark.imap
def test_saving_puts_the_password_in_the_keyring_and_not_in_the_database(imap_server, account_dialog, qtbot, store,
                                                                         keyring_tmp):
    """Save stores the account; its password is in the (tmp) keyring and nowhere in the database files."""
    user, password = imap_server.new_user()
    _fill(account_dialog, imap_server, user, password)
    with qtbot.wait_signal(account_dialog.saved, timeout=15000):
        account_dialog.buttons.button(account_dialog.buttons.StandardButton.Save).click()
    [info] = accounts.list_accounts()
    assert (info.name, info.username, info.port, info.security) == ("Shop", user, imap_server.port, "none")
    assert credentials.get_password(info.id) == password
    assert keyring_tmp.get_password(credentials.SERVICE, f"account:{info.id}") == password  # the tmp backend
    db.close_database()  # checkpoint the WAL so every byte is in files we can read
    for path in store.glob("leadbook.sqlite3*"):
        assert password.encode() not in path.read_bytes(), path
    for path in store.glob("*.ini"):
        assert password not in path.read_text()
    db.open_database(store)
    assert account_dialog.password.text() == ""


@pytest.mark.imap
def test_saving_with_a_wrong_password_keeps_nothing(imap_server, account_dialog, qtbot, keyring_tmp):
    """A failed login on Save shows the error and stores neither account nor password."""
    user, _password = imap_server.new_user()
    _fill(account_dialog, imap_server, user, "wrong-one")
    with qtbot.wait_signal(account_dialog.tested, timeout=15000) as blocker:
        account_dialog.save()
    assert not blocker.args[0]
    assert MailAccount.select().count() == 0


@pytest.mark.imap
def test_settings_dialog_tests_edits_and_removes_an_account(imap_server, controller, qtbot, keyring_tmp):
    """The accounts tab lists an account, tests it on the real server, edits its folders and removes it."""
    user, password = imap_server.new_user()
    imap_server.create_folder("Sent", user=user)
    accounts.add_account("Shop", imap_server.host, port=imap_server.port, security="none", username=user,
                         password=password)
    dialog = SettingsDialog(controller)
    qtbot.add_widget(dialog)
    pane = dialog.accounts
    assert pane.current_account().name == "Shop"
    pane.test_account()
    qtbot.waitUntil(lambda: pane.result.text().startswith(("OK", "Mail")), timeout=15000)
    assert pane.result.text().startswith("OK: logged in"), pane.result.text()

    edit = pane.edit_account()
    qtbot.add_widget(edit)
    assert edit.username.text() == user and edit.password.text() == ""
    edit.folders.setText("INBOX, Sent")
    with qtbot.wait_signal(dialog.accounts_changed, timeout=15000, raising=False) as blocker:
        edit.save()  # no password typed: the stored one is kept
    assert blocker.signal_triggered, edit.result.text()
    [info] = accounts.list_accounts()
    assert info.folders == ("INBOX", "Sent")
    assert credentials.get_password(info.id) == password

    with qtbot.wait_signal(dialog.accounts_changed, timeout=5000):
        pane.remove_account(confirm=False)
    assert accounts.list_accounts() == []
    assert credentials.get_password(info.id) is None


def test_you_and_notifications_are_saved(controller, qtbot):
    """Name, phone region (a combo of regions), own addresses and the notification switch land in settings."""
    dialog = SettingsDialog(controller)
    qtbot.add_widget(dialog)
    you = dialog.you
    assert you.region.count() > 200
    assert you.region.itemText(you.region.findData("DE")) == "Germany (DE)"
    you.user_name.setText("Sam Baker")
    you.region.setCurrentIndex(you.region.findData("DE"))
    you.my_addresses.setText("sam@bakery.example, info@bakery.example")
    dialog.notifications.notify_new.setChecked(False)
    assert you.currency.currentData() == ""  # the computer's region decides until one is chosen
    you.currency.setCurrentIndex(you.currency.findData("GBP"))
    assert you.response_target.currentText() == "1 hour"
    you.response_target.setCurrentIndex(you.response_target.findData(240))
    with qtbot.wait_signal(dialog.saved, timeout=5000):
        dialog.save()
    assert settings.currency() == "GBP" and settings.get("response_target_minutes") == "240"
    assert settings.get("user_name") == "Sam Baker"
    assert settings.phone_region() == "DE"
    assert settings.get("my_addresses") == "sam@bakery.example, info@bakery.example"
    assert settings.get("notify_new") == "0"


def test_stages_can_be_renamed_reordered_added_and_their_days_changed(controller, qtbot):
    """The stages table saves renames, a new stage, a new order and intervals through models.stage_settings."""
    dialog = SettingsDialog(controller)
    qtbot.add_widget(dialog)
    table = dialog.stages.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["New", "Contacted", "Quoted", "Won", "Lost"]
    table.item(1, 0).setText("Talking")
    table.item(1, 2).setData(2, 4)  # EditRole: follow up every 4 days
    dialog.stages.add_stage()
    table.item(3, 0).setText("Site visit")
    table.item(3, 1).setText("We went to look at the job.")
    table.setCurrentCell(3, 0)
    dialog.stages.move_stage(-1)  # Site visit before Quoted
    with qtbot.wait_signal(dialog.saved, timeout=5000):
        dialog.save()
    names = [s.name for s in stages.all_stages()]
    assert names == ["New", "Talking", "Site visit", "Quoted", "Won", "Lost"]
    assert stages.find_stage("Talking").followup_days == 4
    assert stages.find_stage("Site visit").definition == "We went to look at the job."


def test_stage_rules_keep_the_pipeline_small_and_safe(store):
    """At most 7 open stages; a stage holding leads cannot be removed; swapping two names works."""
    current = [stage_settings.StageEdit(s.id, s.name, s.definition, s.followup_days, s.stale_days, s.kind)
               for s in stages.all_stages()]
    extra = [stage_settings.StageEdit(None, f"Extra {n}") for n in range(5)]
    with pytest.raises(InvalidInput):
        stage_settings.save_stages(current[:3] + extra + current[3:])
    add_lead("Pat Lee", email="pat@example.com")
    with pytest.raises(RuleError):
        stage_settings.save_stages(current[1:])  # drops New, which holds Pat
    swapped = [current[0], current[2].__class__(current[2].id, "Contacted", "", 3, 10),
               current[1].__class__(current[1].id, "Quoted", "", 2, 7)] + current[3:]
    stage_settings.save_stages(swapped)
    assert [s.name for s in stages.all_stages()][:3] == ["New", "Contacted", "Quoted"]
    assert Stage.get_by_id(current[2].id).name == "Contacted"


def test_lost_reasons_are_edited_in_place(controller, qtbot):
    """Lost reasons can be renamed, added, removed and reordered; leads keep their old reason text."""
    dialog = SettingsDialog(controller)
    qtbot.add_widget(dialog)
    reasons = dialog.reasons
    reasons.list.item(0).setText("Too expensive")
    reasons.add_reason()
    reasons.list.item(reasons.list.count() - 1).setText("Chose to do it themselves")
    reasons.list.setCurrentRow(1)
    reasons.remove_reason()
    with qtbot.wait_signal(dialog.saved, timeout=5000):
        dialog.save()
    texts = stages.lost_reasons()
    assert texts[0] == "Too expensive" and texts[-1] == "Chose to do it themselves"
    assert "Went with a competitor" not in texts
    assert LostReason.select().count() == len(stages.DEFAULT_LOST_REASONS)


def test_first_run_start_and_add_inbox(controller, qtbot, keyring_tmp):
    """Start stores the name and closes; "Add an inbox first" opens the account form."""
    dialog = FirstRunDialog(controller)
    qtbot.add_widget(dialog)
    dialog.add_inbox()
    assert isinstance(dialog.account_dialog, AccountDialog)
    qtbot.add_widget(dialog.account_dialog)
    dialog.account_dialog.reject()
    dialog.name.setText("Robin")
    dialog.start()
    controller.wait()
    assert settings.get("user_name") == "Robin"
    assert not needs_first_run()


def test_you_pane_is_walked_top_to_bottom_with_tab(controller, qtbot):
    """Tab goes name → region → addresses → currency → response target → Save, in the order shown."""
    from keyboard import tab_stops

    dialog = SettingsDialog(controller)
    qtbot.add_widget(dialog)
    dialog.show()
    you = dialog.you
    stops = tab_stops(qtbot, you.user_name, 6)
    assert stops[:5] == [you.user_name, you.region, you.my_addresses, you.currency, you.response_target]
    assert stops[5].text() == "Save"
