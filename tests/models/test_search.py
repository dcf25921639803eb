"""Finding leads: accent- and case-blind words, open leads first, then the most recently active."""
from __future__ import annotations

from datetime import timedelta

from models import leads, search, stages
from models.clock import now
from models.tables import database


def add(name: str, days_ago: int, **fields) -> str:
    lead, _ = leads.add_lead(name, received_at=now() - timedelta(days=days_ago), **fields)
    return lead.id


def test_accents_and_case_are_ignored(store):
    """"jurg" finds Jürgen, "JOSE" finds José, and "müller" finds Muller: the index folds both sides."""
    jurgen = add("Jürgen Schneider", 1)
    jose = add("José Pérez", 1)
    muller = add("Anna Muller", 1, company="Bäckerei Özdemir")
    assert [h.id for h in search.find_leads("jurg")] == [jurgen]
    assert [h.id for h in search.find_leads("JOSE")] == [jose]
    assert [h.id for h in search.find_leads("müller")] == [muller]
    assert [h.id for h in search.find_leads("ozdem")] == [muller]
    assert [h.id for h in search.find_leads("schneider jü")] == [jurgen]


def test_open_leads_rank_first_then_the_most_recent(store):
    """A won and a lost José, though newer, come after both open ones; open ones newest first."""
    old_open = add("Jose Old", 30)
    new_open = add("José New", 5)
    won = add("José Won", 1, email="won@example.com")
    lost = add("Jose Lost", 0, email="lost@example.com")
    leads.move_lead(leads.find_lead(won), stages.find_stage("Won"), value="100")
    leads.move_lead(leads.find_lead(lost), stages.find_stage("Lost"), reason=stages.lost_reasons()[0])
    ranked = [h.id for h in search.find_leads("jose")]
    assert ranked[:2] == [new_open, old_open]
    assert set(ranked[2:]) == {won, lost}


def test_the_index_follows_edits_merges_and_deletes(store):
    """Renaming a lead re-indexes it; a merged lead is never shown (the triggers keep the index)."""
    lead_id = add("Zoë Adams", 1)
    leads.edit_lead(leads.find_lead(lead_id), name="Zoë Baker")
    assert search.find_leads("adams") == []
    assert [h.id for h in search.find_leads("zoe bak")] == [lead_id]
    count = database.execute_sql("SELECT count(*) FROM lead_search").fetchone()[0]
    assert count == database.execute_sql("SELECT count(*) FROM lead").fetchone()[0]


def test_punctuation_is_no_search_operator(store):
    """Quotes, stars and parentheses are plain text, never an FTS5 syntax error."""
    add("O'Brien Ltd", 1)
    for text in ('"', "*", "(a", "o'bri", "NOT", "a OR b", "-"):
        search.find_leads(text)
    assert len(search.find_leads("o'bri")) == 1


def test_upgrading_an_older_database_indexes_its_leads(tmp_path):
    """A database from before the search step gets every existing lead indexed when it is opened."""
    import sqlite3

    from models import db, migrations

    path = tmp_path / db.DB_NAME
    with sqlite3.connect(path) as conn:
        before = migrations.STEPS.index(migrations.SEARCH)
        for step in migrations.STEPS[:before]:
            conn.executescript(step)
        conn.execute(f"PRAGMA user_version = {before}")
        conn.execute("INSERT INTO stage VALUES ('s1', NULL, 'New', 0, '', 'open', 2, 14, '')")
        conn.execute("INSERT INTO lead (id, name, company, stage_id, status, created_at, stage_changed_at, "
                     "last_activity_at) VALUES ('l1', 'Jürgen Alt', 'Ölmühle', 's1', 'open', '2026-01-01', "
                     "'2026-01-01', '2026-01-01')")
    conn.close()
    db.open_database(tmp_path)
    try:
        assert [h.id for h in search.find_leads("olmuh")] == ["l1"]
        assert [h.id for h in search.find_leads("JURG")] == ["l1"]
    finally:
        db.close_database()


def _import(tmp_path, text: str) -> None:
    from models import importing

    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    importing.apply_import(importing.plan_import(path))


def _trigger() -> str | None:
    found = database.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'lead_search_insert'").fetchone()
    return found and found[0]


def test_imported_leads_are_found_right_after_the_import(store, tmp_path, monkeypatch):
    """An import indexes its leads in bulk, batch by batch; the insert trigger is back for the next lead."""
    from models import import_apply

    monkeypatch.setattr(import_apply, "BATCH", 2)
    trigger = _trigger()
    _import(tmp_path, "Name,Company,Email\nJürgen Alt,Ölmühle,j@alt.de\nZoë Adams,,\nJosé Pérez,Café Sol,\n")
    assert [h.name for h in search.find_leads("jurg")] == ["Jürgen Alt"]
    assert [h.name for h in search.find_leads("cafe")] == ["José Pérez"]
    assert [h.name for h in search.find_leads("zoe")] == ["Zoë Adams"]
    assert _trigger() == trigger
    later = add("Renée Later", 0)
    assert [h.id for h in search.find_leads("renee")] == [later]
    count = database.execute_sql("SELECT count(*) FROM lead_search").fetchone()[0]
    assert count == database.execute_sql("SELECT count(*) FROM lead").fetchone()[0] == 4


def _guarded() -> int:
    return database.execute_sql("SELECT count(*) FROM setting WHERE key = ?", [search.BULK_GUARD]).fetchone()[0]


def test_the_guard_is_gone_even_when_the_transaction_goes_on_after_an_error(store):
    """A failure inside the bulk block must not leave a transaction that could commit with the trigger off."""
    with database.atomic():
        try:
            with search.indexed_in_bulk():
                assert _guarded() == 1
                raise ValueError("a row that did not fit")
        except ValueError:
            pass
        assert _guarded() == 0
        lead_id = add("Ines Weiter", 0)
    assert [h.id for h in search.find_leads("ines")] == [lead_id]


def test_an_import_leaves_the_schema_alone(store, tmp_path):
    """The insert trigger stands aside by its guard setting, inside the import's own transactions only: the
    schema never changes and the setting is gone afterwards."""
    schema = database.execute_sql("PRAGMA schema_version").fetchone()
    _import(tmp_path, "Name,Company\nJürgen Alt,Ölmühle\nZoë Adams,\n")
    assert database.execute_sql("PRAGMA schema_version").fetchone() == schema
    assert [h.name for h in search.find_leads("olmuhle")] == ["Jürgen Alt"]
    assert _guarded() == 0 and database.execute_sql("SELECT count(*) FROM lead_search").fetchone() == (2,)
    later = add("Renée Later", 0)
    assert [h.id for h in search.find_leads("renee")] == [later]
