"""The account form: provider presets guessed as the address is typed, a port box that fits, Tab order."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from keyboard import tab_stops

from desktop.account_dialog import AccountDialog
from sync.mail.accounts import AccountInfo

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(controller, qtbot):
    dialog = AccountDialog(controller)
    qtbot.add_widget(dialog)
    dialog.show()
    return dialog


def _server(dialog: AccountDialog) -> tuple[str, int, str]:
    return dialog.host.text(), dialog.port.value(), dialog.security.currentData()


def test_typing_an_address_fills_in_the_provider(dialog, qtbot):
    """An address at gmail.com selects Gmail, fills its server and shows its app-password hint."""
    assert dialog.provider.currentData() == "other" and dialog.host.text() == ""
    qtbot.keyClicks(dialog.username, "anna@gmail.com")
    assert dialog.provider.currentData() == "gmail"
    assert _server(dialog) == ("imap.gmail.com", 993, "ssl")
    assert "app password" in dialog.provider_hint.text()


def test_one_provider_with_two_servers_follows_the_domain(dialog, qtbot):
    """GMX and Web.de share a preset: changing the domain from gmx.de to web.de changes the server."""
    qtbot.keyClicks(dialog.username, "anna@gmx.de")
    assert dialog.host.text() == "imap.gmx.net"
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, "anna@web.de")
    assert dialog.provider.currentData() == "gmx" and dialog.host.text() == "imap.web.de"


def test_a_provider_chosen_by_hand_is_not_guessed_over(dialog, qtbot):
    """Choosing Microsoft 365 by hand fills its server; an address at gmail.com then changes nothing."""
    dialog.security.setCurrentIndex(dialog.security.findData("starttls"))
    dialog.provider.setCurrentIndex(dialog.provider.findData("microsoft"))
    dialog.provider.activated.emit(dialog.provider.currentIndex())
    assert _server(dialog) == ("outlook.office365.com", 993, "ssl") and "OAuth" in dialog.provider_hint.text()
    qtbot.keyClicks(dialog.username, "boss@gmail.com")
    assert dialog.provider.currentData() == "microsoft" and dialog.host.text() == "outlook.office365.com"


def test_choosing_other_clears_a_providers_server_only(dialog, qtbot):
    """Other empties a provider's server but keeps a server the user typed."""
    qtbot.keyClicks(dialog.username, "anna@icloud.com")
    dialog.provider.setCurrentIndex(dialog.provider.findData("other"))
    dialog.provider.activated.emit(dialog.provider.currentIndex())
    assert dialog.host.text() == ""
    dialog.host.setText("mail.shop.example")
    dialog.provider.activated.emit(dialog.provider.currentIndex())
    assert dialog.host.text() == "mail.shop.example"


def test_a_saved_account_shows_its_provider_and_keeps_its_server(controller, qtbot):
    """Editing a Fastmail account shows Fastmail, and typing another address does not replace its server."""
    info = AccountInfo(name="Shop", host="imap.fastmail.com", port=993, security="ssl", username="me@shop.example",
                       folders=("INBOX",), sent_folder=None, since=datetime(2026, 1, 1, tzinfo=UTC),
                       id="a1", last_check_at=None, last_error=None)
    dialog = AccountDialog(controller, existing=info)
    qtbot.add_widget(dialog)
    assert dialog.provider.currentData() == "fastmail" and dialog.host.text() == "imap.fastmail.com"
    qtbot.keyClicks(dialog.username, "x@gmail.com")
    assert dialog.host.text() == "imap.fastmail.com"


def test_the_port_box_shows_five_digits(dialog, qtbot):
    """Under the app's stylesheet the port box is as tall as the other fields, wide enough for 65535 and no wider
    than a port needs."""
    from desktop import resources

    dialog.setStyleSheet(resources.stylesheet())
    dialog.port.setValue(65535)
    qtbot.waitUntil(lambda: dialog.port.height() >= dialog.host.height())
    editor = dialog.port.lineEdit()
    assert editor.width() >= editor.fontMetrics().horizontalAdvance("65535")
    assert dialog.port.width() < dialog.host.width() / 2


def test_tab_walks_the_form_top_to_bottom(dialog, qtbot):
    """Tab goes down the fields in the order they are shown (one stop for the date), then to the buttons."""
    expected = [dialog.name, dialog.username, dialog.provider, dialog.password, *dialog.sign_in_buttons.values(),
                dialog.host, dialog.port,
                dialog.security, dialog.folders, dialog.sent_folder, dialog.since, dialog.test_button,
                *dialog.buttons.buttons()]
    assert tab_stops(qtbot, dialog.name, len(expected)) == expected
