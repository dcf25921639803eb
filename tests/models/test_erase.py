"""Erasing a lead for a data-protection request: everything stored about it goes, undo brings back the synced rows."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import erase, leads, writes
from models.clock import now
from models.errors import NotFound, RuleError
from models.tables import Activity, FollowUp, Lead, MailMessage, database


def mail(lead_id: str | None, key: str) -> None:
    MailMessage.insert(id=key, message_id=f"<{key}@example.com>", verdict="lead", from_addr="jane@example.com",
                       subject="Kitchen", body="My address is 1 Main St", lead_id=lead_id, created_at=now()).execute()


def rows() -> dict[str, list[tuple]]:
    return {t: sorted(database.execute_sql(f'SELECT * FROM "{t}"').fetchall())
            for t in ("lead", "activity", "follow_up")}


@pytest.fixture
def jane(store):
    """Jane with a note, a pending step, a lead merged into her and two stored mails; Bob stays."""
    lead, _ = leads.add_lead("Jane Doe", email="jane@example.com")
    twin, _ = leads.add_lead("Jane D.", email="jd@example.com")
    leads.add_note(lead, "Wants oak")
    leads.schedule_followup(lead, now() + timedelta(days=1))
    leads.merge_leads(lead, twin)
    bob, _ = leads.add_lead("Bob Roe", email="bob@example.com")
    mail(lead.id, "m1")
    mail(twin.id, "m2")
    mail(bob.id, "m3")
    return lead.id, twin.id, bob.id


def test_erase_removes_the_lead_its_timeline_followups_and_mail(jane):
    """Nothing of Jane (or the lead merged into her) is left; Bob and his mail are untouched."""
    jane_id, twin_id, bob_id = jane
    erased = erase.erase_lead("jane@example.com")
    assert (erased.name, erased.leads, erased.mails) == ("Jane Doe", 2, 2)
    assert erased.activities > 0 and erased.followups > 0
    ids = [jane_id, twin_id]
    assert not Lead.select().where(Lead.id.in_(ids)).exists()
    assert not Activity.select().where(Activity.lead.in_(ids)).exists()
    assert not FollowUp.select().where(FollowUp.lead.in_(ids)).exists()
    assert [m.id for m in MailMessage.select()] == ["m3"]
    assert database.execute_sql("SELECT count(*) FROM lead_search").fetchone()[0] == 1  # Bob's words only
    assert Lead.get_by_id(bob_id).name == "Bob Roe"


def test_erase_is_recorded_as_deletes_for_team_sync(jane):
    """Every erased synced row is a delete in the outbox (a tombstone for teammates)."""
    mark = writes.last_seq()
    erased = erase.erase_lead(jane[0])
    deletes = database.execute_sql("SELECT count(*) FROM outbox WHERE seq > ? AND op = 'delete'",
                                   [mark]).fetchone()[0]
    assert deletes == erased.leads + erased.activities + erased.followups


def test_nothing_of_the_person_stays_in_the_outbox(jane):
    """The change record is scrubbed too: no name, address or note, and team sync ships only tombstones."""
    from models import replica

    erase.erase_lead(jane[0])
    recorded = " ".join(d + (o or "") for d, o in database.execute_sql("SELECT data, old FROM outbox").fetchall())
    for personal in ("Jane Doe", "jane@example.com", "jd@example.com", "Wants oak"):
        assert personal not in recorded
    shipped = [op for op in replica.drain().ops if op[2] in jane[:2]]
    assert shipped and {op[3] for op in shipped} == {"*"}


def test_undo_restores_the_synced_rows_but_not_the_mail(jane):
    """Undo puts back exactly the lead, timeline and steps; the erased mail stays erased; twice is refused."""
    before = rows()
    erased = erase.erase_lead(jane[0])
    erase.restore(erased)
    assert rows() == before
    assert [m.id for m in MailMessage.select()] == ["m3"]
    assert "stays erased" in erase.MAIL_STAYS_ERASED
    with pytest.raises(RuleError, match="back already"):
        erase.restore(erased)


def test_erasing_an_unknown_lead_changes_nothing(jane):
    """An unknown reference raises NotFound before anything is deleted."""
    before = rows()
    with pytest.raises(NotFound):
        erase.erase_lead("nobody@example.com")
    assert rows() == before
