"""OAuth sign-in in the window: the Sign in buttons, Cancel, and "Sign in again" on a revoked account (Settings
and the status bar), against the tests' own authorization server and a token-only Dovecot."""
from __future__ import annotations

import pytest
from oauth_server import CLIENT_ID, browse
from PySide6.QtWidgets import QMainWindow

from desktop.account_dialog import AccountDialog
from desktop.controller import Controller
from desktop.mail_watch import MailWatchers
from desktop.settings_accounts import AccountsPane
from desktop.sign_in import CANCEL
from desktop.tasks import TaskRunner
from models import settings
from sync.mail import accounts, oauth
from sync.mail.capture import capture_all

pytestmark = pytest.mark.gui
FAST = dict(poll_seconds=60, idle_check=0.2, backoff_start=0.3, backoff_max=1.0, timeout=10)


def test_the_form_offers_sign_in_with_google_and_microsoft(controller, qtbot):
    """Both Sign in buttons sit beside the password; Microsoft's preset takes no password and signs in on Save."""
    dialog = AccountDialog(controller)
    qtbot.add_widget(dialog)
    dialog.name.setText("Office")
    assert [b.text() for b in dialog.sign_in_buttons.values()] == ["Sign in with Google", "Sign in with Microsoft"]
    qtbot.keyClicks(dialog.username, "boss@outlook.com")
    assert not dialog.password.isEnabled() and dialog.sign_in_buttons["microsoft"].isDefault()
    dialog.save()  # no client id configured: the sign-in says how to set one
    assert "oauth_microsoft_client_id" in dialog.result.text()


def test_a_waiting_sign_in_is_cancelled_by_its_button(store, qapp, qtbot):
    """While the browser is out, the button reads Cancel sign-in; clicking it ends the wait, nothing is saved."""
    controller = Controller(store, TaskRunner())
    settings.put("oauth_google_client_id", CLIENT_ID)
    opened: list[str] = []
    dialog = AccountDialog(controller, open_browser=opened.append)
    qtbot.add_widget(dialog)
    dialog.name.setText("Gmail")
    qtbot.keyClicks(dialog.username, "anna@gmail.com")
    button = dialog.sign_in_buttons["google"]
    button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert button.text() == CANCEL and opened[0].startswith("https://accounts.google.com/")
    with qtbot.wait_signal(dialog.tested, timeout=5000) as blocker:
        button.click()
    assert blocker.args == [False, "Sign-in cancelled."] and button.text() == "Sign in with Google"
    assert accounts.list_accounts() == []
    controller.wait()


@pytest.fixture
def revoked(store, keyring_tmp, oauth_imap):
    """An OAuth account whose grant the authorization server has revoked, found out by a pass."""
    box = oauth_imap.mailbox
    accounts.add_account("Work", box.server.host, port=box.server.port, security="none", username=box.user,
                         oauth_provider=oauth_imap.auth.url, oauth_client_id=CLIENT_ID,
                         browser=oauth.Browser(open=browse))
    oauth_imap.auth.revoke(box.user)
    [result] = capture_all()
    assert "sign in again" in result.error
    return oauth_imap


@pytest.mark.imap
def test_settings_offers_sign_in_again_on_a_revoked_account(revoked, controller, qtbot):
    """A revoked account says it is signed out and shows Sign in again; that sign-in makes it work again."""
    pane = AccountsPane(controller, open_browser=browse)
    qtbot.add_widget(pane)
    pane.reload()
    pane.show()
    assert pane.sign_in_button.isVisible() and pane.sign_in_button.isDefault()
    assert "signed out: use Sign in again" in pane.list.item(0).text()
    pane.sign_in_button.click()
    assert pane.result.text() == "Signed in to 'Work' again.", pane.result.text()
    assert not pane.current_account().needs_sign_in and not pane.sign_in_button.isDefault()


@pytest.mark.imap
def test_the_status_bar_offers_sign_in_again_when_a_watcher_reports_the_revoked_grant(revoked, controller, qtbot):
    """The watcher's revoked-grant error puts Sign in again in the status bar; signing in restarts capture."""
    window = QMainWindow()
    qtbot.add_widget(window)
    window.show()
    watchers = MailWatchers(controller, window, open_browser=browse, **FAST)
    try:
        watchers.start()
        qtbot.waitUntil(lambda: watchers.sign_in_button is not None and watchers.sign_in_button.isVisible(),
                        timeout=15000)
        assert "sign in again" in watchers.status and watchers.sign_in_account == "Work"
        with qtbot.wait_signal(watchers.pass_finished, timeout=15000):
            watchers.sign_in_button.click()
        qtbot.waitUntil(lambda: watchers.status.startswith("Mail checked"), timeout=15000)
        assert not watchers.sign_in_button.isVisible()
    finally:
        watchers.stop()
