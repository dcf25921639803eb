"""The Settings dialog's data: loaded as stored, saved all or nothing; the first-run check."""
from __future__ import annotations

import pytest

from models import leads, settings, stages
from models.errors import InvalidInput
from models.preferences import Preferences, load_settings, needs_first_run, save_settings
from models.stage_settings import ReasonEdit, StageEdit
from models.tables import Stage


def test_load_settings_shows_what_is_stored(store):
    """Preferences, stages (in order) and lost reasons come back as stored; notifications default to on."""
    settings.put("user_name", "Sam Baker")
    settings.put("phone_region", "DE")
    settings.put("my_addresses", "sam@bakery.example")
    data = load_settings()
    assert data.preferences == Preferences("Sam Baker", "DE", "sam@bakery.example", True, "", 60)
    assert [s.name for s in data.stages] == [s.name for s in stages.all_stages()]
    assert [(s.kind, s.followup_days) for s in data.stages] == [(s.kind, s.followup_days)
                                                                for s in stages.all_stages()]
    assert [r.text for r in data.lost_reasons] == stages.lost_reasons()
    settings.put("notify_new", "0")
    assert not load_settings().preferences.notify_new


def test_save_settings_stores_preferences_stages_and_reasons(store):
    """One save writes the preferences, renames a stage and replaces the lost reasons."""
    data = load_settings()
    renamed = [StageEdit(s.id, "Talking" if s.name == "Contacted" else s.name, s.definition, s.followup_days,
                         s.stale_days, s.kind) for s in data.stages]
    save_settings(Preferences(" Robin ", "FR", " r@example.fr ", False), renamed, [ReasonEdit(None, "Too far")])
    assert (settings.get("user_name"), settings.get("phone_region"), settings.get("my_addresses"),
            settings.notify_new()) == ("Robin", "FR", "r@example.fr", False)
    assert "Talking" in [s.name for s in stages.all_stages()]
    assert stages.lost_reasons() == ["Too far"]


def test_currency_and_response_target_are_saved_and_checked(store):
    """The currency is stored as an upper-case ISO code ("" = the locale's) and the response target in
    minutes reaches Today's colouring; a bad code or target is refused, naming it, and nothing is saved."""
    from models.today import response_target_minutes

    save_settings(Preferences("Robin", "FR", "", True, "eur", 240))
    assert settings.currency() == "EUR" and response_target_minutes() == 240
    loaded = load_settings().preferences
    assert (loaded.currency, loaded.response_target_minutes) == ("EUR", 240)
    with pytest.raises(InvalidInput, match="'Euro' is not a currency code"):
        save_settings(Preferences("Kim", "FR", "", True, "Euro", 30))
    with pytest.raises(InvalidInput, match="0 minutes"):
        save_settings(Preferences("Kim", "FR", "", True, "", 0))
    assert settings.get("user_name") == "Robin" and settings.currency() == "EUR"
    save_settings(Preferences("Robin", "FR", "", True, "", 240))
    assert settings.currency() is None


def test_save_settings_is_all_or_nothing(store):
    """A stage list the rules refuse leaves the preferences unsaved too."""
    closing_only = [StageEdit(s.id, s.name, s.definition, 0, 0, s.kind) for s in load_settings().stages
                    if s.kind != "open"]
    with pytest.raises(InvalidInput):
        save_settings(Preferences("Robin", "FR", "", True), closing_only, None)
    assert settings.get("user_name") is None and settings.get("phone_region") is None
    assert Stage.select().where(Stage.kind == "open").count() == 3


def test_untouched_lists_and_an_empty_name_are_left_alone(store):
    """None for stages and reasons changes neither; an empty name keeps the stored one; no region means US."""
    settings.put("user_name", "Sam")
    before = [(s.id, s.name, s.updated_at) for s in stages.all_stages()], stages.lost_reasons()
    save_settings(Preferences("  ", "", "", True))
    assert ([(s.id, s.name, s.updated_at) for s in stages.all_stages()], stages.lost_reasons()) == before
    assert settings.get("user_name") == "Sam" and settings.get("phone_region") == "US"


def test_first_run_until_a_name_or_a_lead_is_there(store):
    """An untouched folder needs the first-run screen; a stored name or any lead ends that."""
    assert needs_first_run()
    leads.add_lead("Pat Lee", email="pat@example.com")
    assert not needs_first_run()


def test_a_stored_name_ends_the_first_run(store):
    """Skipping the first run with a name is enough to not see it again."""
    settings.put("user_name", "Robin")
    assert not needs_first_run()
