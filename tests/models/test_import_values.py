"""Cells, not just columns: status words in several languages placed on stages, the user's own mapping,
dates in the formats CRMs write."""
from __future__ import annotations

from datetime import datetime

import pytest

from models import importing
from models.errors import InvalidInput
from models.import_values import StageWords, tags, when
from models.tables import Activity, Lead


@pytest.mark.parametrize("word, stage", [
    ("Neu", "New"), ("nouveau", "New"), ("Nuevo", "New"), ("Open - Not Contacted", "New"), ("Lead In", "New"),
    ("Kontaktiert", "Contacted"), ("Contacté", "Contacted"), ("Working - Contacted", "Contacted"),
    ("Contact Made", "Contacted"), ("Attempted to Contact", "Contacted"), ("in Bearbeitung", "Contacted"),
    ("Angebot gesendet", "Quoted"), ("Devis envoyé", "Quoted"), ("Proposal Made", "Quoted"),
    ("Negotiations Started", "Quoted"), ("Presupuesto enviado", "Quoted"),
    ("Gewonnen", "Won"), ("Gagné", "Won"), ("Closed - Converted", "Won"), ("Customer", "Won"), ("won", "Won"),
    ("Verloren", "Lost"), ("Perdido", "Lost"), ("Closed - Not Converted", "Lost"), ("Junk Lead", "Lost"),
    ("QUOTED", "Quoted"),
])
def test_status_words_in_several_languages(store, word, stage):
    """Vendor statuses and everyday words in English, German, French, Spanish land on Leadbook's stages."""
    assert StageWords().place(word).stage == stage


def test_unknown_words_are_none_and_the_user_mapping_wins(store):
    """A word it cannot place is None; the user's mapping (to a stage or to open/won/lost) comes first."""
    words = StageWords({"Warm": "Contacted", "Neu": "won", "Erledigt": "Lost"})
    assert StageWords().place("Warm") is None
    assert (words.place("warm").stage, words.place("Neu").stage, words.place("erledigt").kind) == \
           ("Contacted", "Won", "lost")
    with pytest.raises(InvalidInput, match="'Hot' is not a stage: use one of"):
        StageWords({"Warm": "Hot"})


def test_unknown_status_never_rejects_and_is_kept(store, tmp_path):
    """Rows with a status it cannot place come in as New/open, the word is on their timeline, the plan counts
    them per column; mapping the word places them."""
    path = tmp_path / "s.csv"
    path.write_text("Name,Email,Status\nA,a@example.com,Warm\nB,b@example.com,warm\nC,c@example.com,Neu\n")
    plan = importing.plan_import(path)
    assert not plan.rejected and plan.unknown == {"Status": {"Warm": 1, "warm": 1}}
    mapped = importing.plan_import(path, values={"Status:Warm": "Quoted"})
    assert mapped.unknown == {} and [r.fields["stage"] for r in mapped.rows] == ["Quoted", "Quoted", "New"]
    with pytest.raises(InvalidInput, match="There is no column 'Stufe'"):
        importing.plan_import(path, values={"Stufe:Warm": "Quoted"})
    importing.apply_import(plan)
    lead = Lead.get(Lead.name == "A")
    assert (lead.stage.name, lead.status) == ("New", "open")
    body = Activity.get((Activity.lead == lead.id) & (Activity.kind == "created")).body
    assert body == "Status: Warm"


@pytest.mark.parametrize("text, region, expected", [
    ("2024-03-05T14:22:10.000+0000", "US", datetime(2024, 3, 5, 14, 22, 10)),
    ("2024-03-05T14:22:10Z", "US", datetime(2024, 3, 5, 14, 22, 10)),
    ("03/05/2024 02:22 PM", "US", None), ("05.03.2024 14:22", "DE", None), ("Mar 5, 2024 02:22 PM", "US", None),
])
def test_crm_dates(store, text, region, expected):
    """ISO with Salesforce's +0000, US dates with AM/PM, German dates, month names: all read, same moment."""
    moment = when(text, region)
    if expected is not None:
        assert moment == expected
    else:
        assert (moment.year, moment.month, moment.day) == (2024, 3, 5) and moment.minute == 22


def test_a_date_that_is_none_is_refused(store):
    """Text that is not a date raises, so the cell is blanked with a warning."""
    with pytest.raises(InvalidInput, match="'someday' is not a date"):
        when("someday", "DE")


def test_tags_as_plain_words():
    """Mailchimp's quoted tags and Google's labels become plain words; Google's system labels go."""
    assert tags('"Customer","VIP"') == "Customer, VIP"
    assert tags("* myContacts ::: Kunden ::: * starred") == "Kunden"
    assert tags("Clients;Paris") == "Clients, Paris"
