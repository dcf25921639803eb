"""Board and leads-table queries over a real database."""
from __future__ import annotations

from datetime import timedelta

from models import board, leads, members, settings, writes
from models.clock import now
from models.tables import FollowUp, Lead


def test_lead_table_keeps_one_row_per_lead_with_its_earliest_step(store):
    """A lead left with two pending steps (as a sync merge could) is one row showing the sooner step."""
    lead, _ = leads.add_lead("Ana Müller", email="ana@example.com", company="Bäckerei Süß")
    leads.complete_followup(lead, next_due=now() + timedelta(days=5), next_title="Later")
    writes.insert(FollowUp, lead=lead.id, title="Sooner", due=now() + timedelta(days=1), created_at=now())
    leads.add_lead("Bob", email="bob@example.com")
    rows = {row[board.ID]: row for row in board.lead_rows(board.lead_ids(board.LeadQuery()))}
    assert len(rows) == Lead.select().count() == 2
    assert rows[lead.id][board.NEXT_TITLE] == "Sooner"
    assert "bäckerei süß" in rows[lead.id][board.HAYSTACK]  # lower-cased beyond ASCII for the filter


def test_board_cards_group_open_leads_by_stage(store):
    """Each open lead is one card in its stage's column; closed leads are not on the board."""
    kept, _ = leads.add_lead("Cara", email="cara@example.com")
    gone, _ = leads.add_lead("Dan", email="dan@example.com")
    leads.complete_followup(gone, close="won")
    cards = board.board_cards()
    assert [c.lead_id for column in cards.values() for c in column] == [kept.id]
    assert cards[Lead.get_by_id(kept.id).stage_id][0].next_title == leads.RESPOND


def test_load_board_filters_by_owner(store):
    """The board's data: the stages and, with an owner filter, only that owner's cards."""
    mine, _ = leads.add_lead("Cara", email="cara@example.com")
    leads.add_lead("Dan", email="dan@example.com")
    pat = members.find_member("Pat")
    leads.edit_lead(mine, owner=pat)
    data = board.load_board(pat.id, None)
    assert [c.lead_id for column in data.cards.values() for c in column] == [mine.id]
    assert len(board.load_board(board.UNCLAIMED, None).cards[mine.stage_id]) == 1
    assert data.choices.owners == ((pat.id, "Pat"),) and data.choices.stages


def test_choices_carry_the_currency_setting(store):
    """The pipeline views learn the currency setting with their choices; unset, the desktop's locale decides."""
    assert board.choices(sources=False).currency is None
    settings.put("currency", "CHF")
    assert board.choices(sources=False).currency == board.choices().currency == "CHF"


def test_lead_ids_filter_and_sort_in_sql_with_empty_values_last(store):
    """lead_ids matches name/email/phone/company case- and umlaut-blind, by stage and status, and sorts
    either way with leads lacking the value last; lead_rows gives their rows in the order asked."""
    ann, _ = leads.add_lead("Ann Ölçer", email="ann@example.com", company="Zeta")
    bob, _ = leads.add_lead("bob Müller", email="bob@example.com", phone="+49 30 1234567")
    cat, _ = leads.add_lead("Cat", email="cat@example.com", company="alpha")
    for lead, value in ((ann, 300), (cat, 50)):
        writes.update(lead, value=value)
    q = board.LeadQuery
    assert board.lead_ids(q(sort=board.NAME)) == [ann.id, bob.id, cat.id]
    assert board.lead_ids(q(sort=board.NAME, descending=True)) == [cat.id, bob.id, ann.id]
    assert board.lead_ids(q(sort=board.COMPANY)) == [cat.id, ann.id, bob.id]  # alpha, Zeta, none
    assert board.lead_ids(q(sort=board.VALUE, descending=True)) == [ann.id, cat.id, bob.id]
    assert board.lead_ids(q(text="ölçer")) == [ann.id]
    assert board.lead_ids(q(text="MÜLLER".casefold())) == [bob.id]
    assert board.lead_ids(q(text="30 1234 567")) == [bob.id]  # the digits of the stored number
    assert board.lead_ids(q(stage="New", status="open")) != [] and board.lead_ids(q(status="won")) == []
    assert [row[board.NAME] for row in board.lead_rows([cat.id, ann.id])] == ["Cat", "Ann Ölçer"]
    assert board.lead_count() == 3
