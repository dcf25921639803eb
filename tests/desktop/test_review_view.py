"""Review: the review and ignored lists from a real database, accept, reject, make-a-lead, safe HTML."""
from __future__ import annotations

import mail_samples as samples  # noqa: E402
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from desktop.review_view import REVIEW_EMPTY, ReviewView, SafeBrowser, sanitise_html
from desktop.screenshots import SAMPLES
from models import mail as mail_store
from models.mail import DbKnown, message_key, store_verdict
from models.tables import Lead, MailMessage, SenderRule
from sync.mail.classify import classify
from sync.mail.files import store_files

pytestmark = pytest.mark.gui


def _store(raw: bytes) -> MailMessage:
    row = store_verdict(classify(raw, known=DbKnown()), None, "INBOX", None, raw=raw)
    assert row is not None
    return row


@pytest.fixture
def mail(store):
    """Two messages for review (a partner firm, a freemail sender) and some ignored mail."""
    partner = _store(samples.personal())
    freemail = _store(samples.personal(name="Tina Park", email="tina.park@gmail.com"))
    newsletter = _store(samples.newsletter())
    assert (partner.verdict, freemail.verdict, newsletter.verdict) == ("review", "review", "ignored")
    store_files([SAMPLES / "receipt.eml", SAMPLES / "autoreply.eml"])
    return {"partner": partner, "freemail": freemail, "newsletter": newsletter}


@pytest.fixture
def view(controller, qtbot):
    widget = ReviewView(controller)
    qtbot.add_widget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    return widget


def _select(pane, message_id: str) -> None:
    row = pane.model.row_of(message_id)
    assert row >= 0
    pane.table.setCurrentIndex(pane.model.index(row, 0))
    pane.table.setFocus()


def test_lists_review_and_ignored_mail_from_the_database(mail, view, qtmodeltester):
    """Both tabs list the stored messages with sender, subject, found fields and reason; models pass the tester."""
    qtmodeltester.check(view.review.model)
    qtmodeltester.check(view.ignored.model)
    assert view.review.model.rowCount() == 2
    assert view.ignored.model.rowCount() == 3
    row = view.review.model.row_of(mail["partner"].id)
    texts = [view.review.model.index(row, c).data() for c in range(5)]
    assert "chris.park@partner-firm.example" in texts[1]
    assert texts[2] == mail["partner"].subject
    assert "Chris Park" in texts[3]
    assert texts[4] == mail["partner"].reason
    reasons = {view.ignored.model.index(r, 4).data() for r in range(3)}
    assert any("bulk" in r or "list" in r for r in reasons)
    assert view.tabs.tabText(0) == "Might be inquiries (2)"
    assert mail_store.review_count() == 2  # the navigation badge's query
    assert "(2)" in view.tabs.tabText(0)


def test_detail_pane_shows_the_message_text(mail, view):
    """Selecting a message shows its reason and full text in the detail pane."""
    _select(view.review, mail["partner"].id)
    assert "Why it is here" in view.review.heading.text()
    assert mail["partner"].body.strip()[:20] in view.review.browser.toPlainText()


def test_accept_with_a_key_makes_a_lead_and_a_sender_rule(mail, view, qtbot):
    """Pressing A turns the review message into a lead (same id) and trusts its sender from then on."""
    message = mail["partner"]
    _select(view.review, message.id)
    with qtbot.wait_signal(view.lead_accepted, timeout=5000) as blocker:
        qtbot.keyClick(view.review.table, Qt.Key.Key_A)
    lead = Lead.get_by_id(blocker.args[0])
    assert lead.id == message_key(message.message_id)
    assert lead.email == "chris.park@partner-firm.example"
    assert MailMessage.get_by_id(message.id).verdict == "lead"
    assert SenderRule.get(SenderRule.pattern == "chris.park@partner-firm.example").action == "lead"
    qtbot.waitUntil(lambda: view.review.model.rowCount() == 1)
    assert view.done_bar.isVisible() and view.open_button.isVisible()
    with qtbot.wait_signal(view.controller.lead_opened, timeout=2000) as opened:
        view.open_button.click()
    assert opened.args == [lead.id]


def test_reject_makes_a_domain_rule_that_ignores_the_next_message(mail, view, qtbot):
    """Pressing R ignores the sender's domain: the next message from that domain is classified as ignored."""
    _select(view.review, mail["partner"].id)
    with qtbot.wait_signal(view.controller.data_changed, timeout=5000):
        qtbot.keyClick(view.review.table, Qt.Key.Key_R)
    assert SenderRule.get(SenderRule.pattern == "@partner-firm.example").action == "ignored"
    assert MailMessage.get_by_id(mail["partner"].id).verdict == "ignored"
    later = classify(samples.personal(name="Dana Kim", email="dana.kim@partner-firm.example"), known=DbKnown())
    assert later.verdict == "ignored"
    assert "partner-firm.example" in later.reason
    assert "@partner-firm.example" in view.done_label.text()
    qtbot.waitUntil(lambda: view.ignored.model.row_of(mail["partner"].id) >= 0)


def test_reject_of_a_freemail_sender_rules_only_that_address(mail, view, qtbot):
    """Rejecting a gmail sender ignores that address, never all of gmail.com."""
    _select(view.review, mail["freemail"].id)
    view.reject_current("domain")
    assert SenderRule.get_or_none(SenderRule.pattern == "tina.park@gmail.com").action == "ignored"
    assert SenderRule.get_or_none(SenderRule.pattern == "@gmail.com") is None


def test_ignored_message_can_become_a_lead(mail, view, qtbot):
    """"Make this a lead" on an ignored message creates the lead and trusts the sender."""
    view.tabs.setCurrentWidget(view.ignored)
    _select(view.ignored, mail["newsletter"].id)
    with qtbot.wait_signal(view.lead_accepted, timeout=5000) as blocker:
        view.make_lead_button.click()
    assert Lead.get_by_id(blocker.args[0]).id == mail["newsletter"].id
    assert MailMessage.get_by_id(mail["newsletter"].id).verdict == "lead"
    qtbot.waitUntil(lambda: view.ignored.model.row_of(mail["newsletter"].id) < 0)


def test_empty_review_says_what_is_going_on(store, view):
    """With no mail at all the view says no inbox is connected; both tables are hidden behind empty states."""
    assert view.review.stack.currentWidget() is view.review.empty
    assert "No inbox" in view.review.empty.text()
    assert view.ignored.stack.currentWidget() is view.ignored.empty
    assert not view.accept_button.isEnabled()


def test_review_empty_text_after_everything_is_decided(mail, view, qtbot):
    """Once both review messages are decided the plain "Nothing to review" text shows."""
    view.reject_current()
    qtbot.waitUntil(lambda: view.review.model.rowCount() == 1)
    view.reject_current()
    qtbot.waitUntil(lambda: view.review.model.rowCount() == 0)
    assert view.review.empty.text() == REVIEW_EMPTY
    assert view.tabs.tabText(0) == "Might be inquiries"


def test_html_body_never_loads_remote_content(qtbot):
    """A hostile HTML body is sanitised and the browser refuses every non-data: resource."""
    browser = SafeBrowser()
    qtbot.add_widget(browser)
    hostile = ('<html><head><link rel="stylesheet" href="http://evil.example/a.css"></head><body>'
               '<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script>'
               '<img src="http://tracker.example/pixel.gif"><img src="https://evil.example/x.png" width=1>'
               '<table background="http://evil.example/bg.png"><tr><td>Quote please</td></tr></table>'
               '</body></html>')
    clean = sanitise_html(hostile)
    assert "script" not in clean and "onclick" not in clean and "tracker.example" not in clean
    browser.show_message(hostile)
    assert "Hello there" in browser.toPlainText() and "Quote please" in browser.toPlainText()
    assert "alert" not in browser.toPlainText()
    kind = int(QTextDocument.ResourceType.ImageResource.value)
    assert browser.loadResource(kind, QUrl("http://tracker.example/pixel.gif")) is None
    assert browser.loadResource(kind, QUrl("https://evil.example/x.png")) is None
    assert "http://tracker.example/pixel.gif" in browser.blocked
    assert not browser.openExternalLinks() and not browser.openLinks()


def test_the_window_counts_review_in_its_navigation(mail, controller, qtbot):
    """Soon after the window starts, and after each change, the navigation says how many messages wait."""
    from PySide6.QtCore import QSettings

    from desktop.window import KEYS, MainWindow

    window = MainWindow(controller, QSettings(str(controller.data_dir / "window.ini"), QSettings.Format.IniFormat))
    qtbot.add_widget(window)
    item = window.nav.item(KEYS.index("review"))
    qtbot.waitUntil(lambda: item.text() == "Review (2)", timeout=3000)
    controller.write(lambda: mail_store.reject_review(mail["partner"].id, scope="address"))
    assert item.text() == "Review (1)"
