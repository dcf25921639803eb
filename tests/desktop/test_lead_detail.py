"""The lead detail: contact data and links, the timeline from the database, notes, edits, stage, merge."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop import lead_detail, stage_dialogs
from desktop.lead_detail import LeadDetailDialog
from desktop.lead_timeline import ENTRY_ROLE, TimelineModel
from models import leads, stages
from models.clock import to_utc
from models.contacts import display_phone
from models.tables import Activity, FollowUp, Lead

pytestmark = pytest.mark.gui


@pytest.fixture
def lead(demo):
    """An open demo lead with an email, a phone and a history."""
    query = (Lead.select().where((Lead.status == "open") & Lead.email.is_null(False) & Lead.phone.is_null(False))
             .order_by(Lead.created_at))
    return next(candidate for candidate in query if Activity.select().where(Activity.lead == candidate.id).count() > 2)


@pytest.fixture
def dialog(demo_controller, lead, qtbot):
    widget = LeadDetailDialog(demo_controller, lead.id)
    qtbot.add_widget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.info is not None, timeout=3000)
    return widget


def _reloaded(dialog: LeadDetailDialog, qtbot, action) -> None:
    with qtbot.wait_signal(dialog.loaded, timeout=5000):
        action()


def test_timeline_model_passes_qtmodeltester(dialog, qtmodeltester):
    """The timeline model is a well-behaved Qt item model."""
    assert dialog.timeline.model.rowCount() > 0  # checked with entries in
    qtmodeltester.check(dialog.timeline.model)
    qtmodeltester.check(TimelineModel())


def test_shows_contact_data_with_email_and_call_links(dialog, lead, monkeypatch):
    """Name, company, email and phone are shown; the links open mailto: and tel: through the desktop."""
    assert dialog.header.title.text() == lead.name
    assert dialog.contact.edits["email"].text() == lead.email
    assert dialog.contact.edits["phone"].text() == display_phone(lead.phone)
    assert dialog.contact.edits["company"].text() == (lead.company or "")
    assert f'href="mailto:{lead.email}"' in dialog.header.links.text()
    assert f'href="tel:{lead.phone}"' in dialog.header.links.text()
    assert dialog.step.stage.currentText() == lead.stage.name
    opened = []
    monkeypatch.setattr(lead_detail.QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True)
    dialog.header.links.linkActivated.emit(f"mailto:{lead.email}")
    dialog.header.links.linkActivated.emit(f"tel:{lead.phone}")
    assert opened == [f"mailto:{lead.email}", f"tel:{lead.phone}"]


def test_timeline_shows_the_database_entries_newest_first(dialog, lead):
    """Every activity of the lead is on the timeline, newest first, with its text."""
    rows = list(Activity.select().where(Activity.lead == lead.id))
    entries = [dialog.timeline.model.index(r).data(ENTRY_ROLE) for r in range(dialog.timeline.model.rowCount())]
    assert sorted(e.id for e in entries) == sorted(a.id for a in rows)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    with_body = next(e for e in entries if e.body)
    dialog.timeline.view.setCurrentIndex(dialog.timeline.model.index(entries.index(with_body)))
    assert with_body.body.strip()[:40] in dialog.timeline.body.toPlainText()


def test_add_note_and_log_call_appear_in_the_timeline(dialog, lead, qtbot):
    """A note and a logged call are saved and appear at the top of the timeline."""
    dialog.timeline.note.setPlainText("Asked for a second visit on Friday.")
    _reloaded(dialog, qtbot, dialog.timeline.add_note_button.click)
    top = dialog.timeline.model.index(0).data(ENTRY_ROLE)
    assert (top.kind, top.body) == ("note", "Asked for a second visit on Friday.")
    assert dialog.timeline.note.toPlainText() == ""
    dialog.timeline.note.setPlainText("Rang back, no answer.")
    _reloaded(dialog, qtbot, dialog.timeline.log_call_button.click)
    assert dialog.timeline.model.index(0).data(ENTRY_ROLE).kind == "call"
    assert Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "call")
                                   & (Activity.body == "Rang back, no answer.")).exists()


def test_an_invalid_email_shows_an_error_and_saves_nothing(dialog, lead, qtbot):
    """Typing an invalid email and saving shows the error beside the field; the database is unchanged."""
    edits_before = Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "edit")).count()
    dialog.contact.edits["email"].setText("not-an-email")
    dialog.contact.edits["email"].textEdited.emit("not-an-email")
    dialog.contact.edits["name"].setText("Someone Else")
    dialog.contact.save_button.click()
    assert dialog.contact.field_errors["email"].isVisibleTo(dialog)
    assert "not an email address" in dialog.contact.field_errors["email"].text()
    assert dialog.contact.form_error.isVisibleTo(dialog)
    fresh = Lead.get_by_id(lead.id)
    assert (fresh.email, fresh.name) == (lead.email, lead.name)
    assert Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "edit")).count() == edits_before


def test_valid_edits_are_saved(dialog, lead, qtbot):
    """Edited company, value and a new owner are saved through edit_lead."""
    dialog.contact.edits["company"].setText("Renamed Builders Ltd")
    dialog.contact.edits["value"].setText("1 250,5")
    dialog.contact.owner.setEditText("Robin Newcomer")
    dialog.contact._on_edited()
    _reloaded(dialog, qtbot, dialog.contact.save_button.click)
    fresh = Lead.get_by_id(lead.id)
    assert (fresh.company, fresh.value, fresh.owner.name) == ("Renamed Builders Ltd", 1250.5, "Robin Newcomer")
    assert not dialog.contact.save_button.isEnabled()
    assert dialog.contact.edits["company"].text() == "Renamed Builders Ltd"


def test_next_step_date_and_title_are_saved(dialog, lead, qtbot):
    """Changing the next step's title and date reschedules the pending follow-up."""
    when = (datetime.now() + timedelta(days=5)).replace(hour=10, minute=30, second=0, microsecond=0)
    dialog.step.next_title.setText("Send revised quote")
    dialog.step.next_due.setDateTime(when)
    assert dialog.step.save_next_button.isEnabled()
    _reloaded(dialog, qtbot, dialog.step.save_next_button.click)
    pending = FollowUp.get((FollowUp.lead == lead.id) & FollowUp.done_at.is_null())
    assert (pending.title, pending.due) == ("Send revised quote", to_utc(when))


def test_stage_change_to_lost_asks_and_cancel_restores(dialog, lead, qtbot, monkeypatch):
    """Choosing Lost asks for a reason; cancelling leaves the lead and the combo as they were."""
    monkeypatch.setattr(stage_dialogs.MoveDialog, "exec", lambda d: (d.reject(), d.result())[1])
    lost = stages.find_stage("Lost")
    dialog.step.stage.setCurrentIndex(dialog.step.stage.findData(lost.id))
    dialog.step.stage.activated.emit(dialog.step.stage.currentIndex())
    assert dialog.step.stage.currentData() == lead.stage_id
    assert Lead.get_by_id(lead.id).status == "open"


def test_done_uses_the_shared_done_dialog(dialog, lead, qtbot):
    """Done… opens followup_dialogs.DoneDialog; confirming ticks off the step and schedules the next."""
    from desktop.followup_dialogs import DoneDialog

    pending = FollowUp.get((FollowUp.lead == lead.id) & FollowUp.done_at.is_null())
    dialog.step.done_button.click()
    done = dialog.step.done_dialog
    assert isinstance(done, DoneDialog)
    qtbot.add_widget(done)
    done.outcome.setText("Talked it through")
    done.next_title.setText("Call after the weekend")
    _reloaded(dialog, qtbot, done.accept)
    assert FollowUp.get_by_id(pending.id).done_at is not None
    assert FollowUp.get((FollowUp.lead == lead.id) & FollowUp.done_at.is_null()).title == "Call after the weekend"


def test_merge_with_a_suggested_duplicate_keeps_every_activity(demo_controller, qtbot, monkeypatch):
    """Merging a suggested duplicate (same email) moves all its activities here after a confirmation."""
    old, _ = leads.add_lead("Dana Whitfield", email="dana.w@example.net", phone="+1 415 555 0100")
    leads.add_note(old, "First contact last year.")
    leads.move_lead(old, stages.find_stage("Lost"), reason="Bad timing")
    new, created = leads.add_lead("Dana Whitfield", email="dana.w@example.net")
    assert created and new.id != old.id
    leads.add_note(new, "Back again, wants a quote.")
    ids_before = {a.id for a in Activity.select().where(Activity.lead << [old.id, new.id])}

    widget = LeadDetailDialog(demo_controller, new.id)
    qtbot.add_widget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.info is not None, timeout=3000)
    questions = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: questions.append(args) or QMessageBox.StandardButton.Yes)
    widget.merge_button.click()
    chooser = widget._merge_dialog
    qtbot.add_widget(chooser)
    assert chooser.list.currentItem().data(256) == old.id  # suggested: same email and name
    _reloaded(widget, qtbot, chooser.accept)
    assert len(questions) == 1
    assert Lead.get_by_id(old.id).merged_into == new.id
    ids_after = {a.id for a in Activity.select().where(Activity.lead == new.id)}
    assert ids_before <= ids_after
    kinds = [widget.timeline.model.index(r).data(ENTRY_ROLE).kind for r in range(widget.timeline.model.rowCount())]
    assert "merge" in kinds and len(kinds) == len(ids_after)
    assert Lead.get_by_id(new.id).phone == "+14155550100"


def test_merge_is_not_done_without_confirmation(demo_controller, qtbot, monkeypatch):
    """Cancelling the merge confirmation merges nothing."""
    old, _ = leads.add_lead("Sam Ortega", email="sam.o@example.net")
    leads.move_lead(old, stages.find_stage("Lost"), reason="Other")
    new, _ = leads.add_lead("Sam Ortega", email="sam.o@example.net")
    widget = LeadDetailDialog(demo_controller, new.id)
    qtbot.add_widget(widget)
    qtbot.waitUntil(lambda: widget.info is not None, timeout=3000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    widget.merge_with(old.id)
    assert Lead.get_by_id(old.id).merged_into is None


def test_a_reload_keeps_unsaved_edits(dialog, lead, qtbot):
    """A note added while the company is being edited reloads the timeline but leaves the typed company alone."""
    dialog.contact.edits["company"].setText("Half-typed Ltd")
    dialog.contact.edits["company"].textEdited.emit("Half-typed Ltd")
    dialog.timeline.note.setPlainText("Called while editing.")
    _reloaded(dialog, qtbot, dialog.timeline.add_note_button.click)
    assert dialog.timeline.model.index(0).data(ENTRY_ROLE).body == "Called while editing."
    assert dialog.contact.edits["company"].text() == "Half-typed Ltd"
    assert dialog.contact.save_button.isEnabled()
    dialog.contact.revert_button.click()
    assert dialog.contact.edits["company"].text() == (lead.company or "")
