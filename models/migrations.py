"""Ordered schema migrations; the schema version lives in PRAGMA user_version.

Each step is plain SQL, frozen when it ships: later changes are new steps, never
edits to old ones, so a database of any older version upgrades the same way.
"""

CORE = """
CREATE TABLE member ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME, "name" TEXT NOT NULL, "email" TEXT);
CREATE TABLE stage ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME, "name" TEXT NOT NULL UNIQUE,
  "position" INTEGER NOT NULL, "definition" TEXT NOT NULL, "kind" TEXT NOT NULL,
  "followup_days" INTEGER NOT NULL, "stale_days" INTEGER NOT NULL, "requires" TEXT NOT NULL);
CREATE TABLE lost_reason ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME, "text" TEXT NOT NULL UNIQUE,
  "position" INTEGER NOT NULL);
CREATE TABLE lead ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME, "name" TEXT NOT NULL, "email" TEXT,
  "phone" TEXT, "company" TEXT, "source" TEXT, "service" TEXT, "message" TEXT,
  "stage_id" TEXT NOT NULL REFERENCES stage ("id"), "status" TEXT NOT NULL,
  "owner_id" TEXT REFERENCES member ("id"), "value" REAL, "lost_reason" TEXT, "relay" TEXT,
  "created_at" DATETIME NOT NULL, "stage_changed_at" DATETIME NOT NULL, "first_response_at" DATETIME,
  "last_activity_at" DATETIME NOT NULL, "awaiting_since" DATETIME, "closed_at" DATETIME, "merged_into" TEXT);
CREATE TABLE activity ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME,
  "lead_id" TEXT NOT NULL REFERENCES lead ("id"), "kind" TEXT NOT NULL, "at" DATETIME NOT NULL,
  "author" TEXT NOT NULL, "summary" TEXT NOT NULL, "body" TEXT, "message_id" TEXT);
CREATE TABLE follow_up ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME,
  "lead_id" TEXT NOT NULL REFERENCES lead ("id"), "title" TEXT NOT NULL, "due" DATETIME NOT NULL,
  "done_at" DATETIME, "outcome" TEXT, "created_at" DATETIME NOT NULL);
CREATE TABLE setting ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE INDEX lead_email ON lead (email) WHERE email IS NOT NULL;
CREATE INDEX lead_phone ON lead (phone) WHERE phone IS NOT NULL;
CREATE INDEX lead_relay ON lead (relay) WHERE relay IS NOT NULL;
-- Open leads only (a tenth of them). Stale leads by stage and last activity; the columns after
-- those (with the WHERE's own columns, which SQLite needs to treat it as covering) let the board
-- read every card (and Today its stale leads) from this small index, not from wide lead rows.
CREATE INDEX lead_open_stage_activity ON lead (stage_id, last_activity_at, status, merged_into, id, name,
  company, value, stage_changed_at, owner_id, source, first_response_at, awaiting_since)
  WHERE status = 'open' AND merged_into IS NULL;
CREATE INDEX lead_unanswered ON lead (created_at)
  WHERE status = 'open' AND first_response_at IS NULL AND merged_into IS NULL;
CREATE INDEX lead_awaiting ON lead (awaiting_since) WHERE awaiting_since IS NOT NULL;
CREATE INDEX lead_stage ON lead (stage_id, status);
CREATE INDEX lead_created ON lead (created_at) WHERE merged_into IS NULL;
CREATE INDEX lead_name_lower ON lead (lower(name));
CREATE INDEX lead_company_lower ON lead (lower(company)) WHERE company IS NOT NULL;
CREATE INDEX activity_lead ON activity (lead_id, at);
CREATE INDEX activity_message ON activity (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX follow_up_lead ON follow_up (lead_id);
CREATE INDEX follow_up_pending ON follow_up (due, lead_id) WHERE done_at IS NULL;
-- Each open lead's next step, covering (done_at included for the same reason).
CREATE INDEX follow_up_pending_lead ON follow_up (lead_id, done_at, due, title) WHERE done_at IS NULL;
CREATE INDEX follow_up_done ON follow_up (done_at) WHERE done_at IS NOT NULL;
"""


MAIL = """
CREATE TABLE mail_account ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "host" TEXT NOT NULL,
  "port" INTEGER NOT NULL, "security" TEXT NOT NULL, "username" TEXT NOT NULL, "folders" TEXT NOT NULL,
  "sent_folder" TEXT, "since" DATETIME NOT NULL, "created_at" DATETIME NOT NULL, "last_check_at" DATETIME,
  "last_error" TEXT);
CREATE TABLE mail_cursor ("account_id" TEXT NOT NULL REFERENCES mail_account ("id") ON DELETE CASCADE,
  "folder" TEXT NOT NULL, "uidvalidity" INTEGER NOT NULL, "last_uid" INTEGER NOT NULL,
  PRIMARY KEY ("account_id", "folder"));
CREATE TABLE mail_message ("id" TEXT NOT NULL PRIMARY KEY, "message_id" TEXT NOT NULL,
  "account_id" TEXT REFERENCES mail_account ("id") ON DELETE SET NULL, "folder" TEXT NOT NULL, "uid" INTEGER,
  "received_at" DATETIME, "from_addr" TEXT NOT NULL, "from_name" TEXT NOT NULL, "subject" TEXT NOT NULL,
  "verdict" TEXT NOT NULL, "reason" TEXT NOT NULL, "source" TEXT, "fields" TEXT NOT NULL, "body" TEXT NOT NULL,
  "lead_id" TEXT, "created_at" DATETIME NOT NULL, "decided_at" DATETIME);
CREATE INDEX mail_message_verdict ON mail_message (verdict, received_at);
CREATE INDEX mail_message_lead ON mail_message (lead_id) WHERE lead_id IS NOT NULL;
CREATE TABLE sender_rule ("pattern" TEXT NOT NULL PRIMARY KEY, "action" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL);
"""

# The outbox: every committed change of a synced row, field by field, written in the same
# transaction as the row (models.writes). Team sync drains it; undo reads it. What a database
# held before this step was never recorded: the 'baseline' entry says so.
OUTBOX = """
CREATE TABLE outbox ("seq" INTEGER PRIMARY KEY AUTOINCREMENT, "at" DATETIME NOT NULL, "tbl" TEXT NOT NULL,
  "row_id" TEXT NOT NULL, "op" TEXT NOT NULL, "data" TEXT NOT NULL, "old" TEXT);
INSERT INTO outbox (at, tbl, row_id, op, data) VALUES (strftime('%Y-%m-%d %H:%M:%f', 'now'), '', '', 'baseline',
  '{"why": "schema 3: changes are recorded from here on"}');
"""

# Team sync (models.replica): the clock of every synced field as last written here or applied from
# another device. field '' is the row's creation clock (for fields without their own entry), '*' a
# tombstone; no entry at all is the clock '' that loses to everything, so older rows need none.
# sync_peer: per device the last segment applied (this device's own: the last one it wrote), the newest
# clock applied from it (ops based on an older clock of it refer to rows already here) and its member.
SYNC = """
CREATE TABLE sync_clock ("tbl" TEXT NOT NULL, "row_id" TEXT NOT NULL, "field" TEXT NOT NULL, "hlc" TEXT NOT NULL,
  PRIMARY KEY ("tbl", "row_id", "field")) WITHOUT ROWID;
CREATE TABLE sync_peer ("device" TEXT NOT NULL PRIMARY KEY, "segment" INTEGER NOT NULL, "last_hlc" TEXT NOT NULL
  DEFAULT '', "member_id" TEXT);
"""

# Review rules become synced rows (models.replica ships them): a UUID key, and the pattern no longer
# unique, since two devices may decide on one pattern before they sync (the newest updated_at wins).
# New rules get uuid5(pattern) in models.mail; SQL has no SHA-1, so existing rows get random version-4
# UUID text from randomblob. The old table is renamed first: the write-path authorizer refuses SQL that
# writes a synced table, so the copy goes into a table of another name that then takes sender_rule's.
# The copies are recorded in the outbox like any insert, so a device already in a team ships them.
SYNCED_RULES = """
ALTER TABLE sender_rule RENAME TO sender_rule_old;
CREATE TABLE sender_rule_new ("id" TEXT NOT NULL PRIMARY KEY, "updated_at" DATETIME, "pattern" TEXT NOT NULL,
  "action" TEXT NOT NULL, "created_at" DATETIME NOT NULL);
INSERT INTO sender_rule_new (id, updated_at, pattern, action, created_at)
  SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
      || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    created_at, pattern, action, created_at FROM sender_rule_old ORDER BY pattern;
DROP TABLE sender_rule_old;
ALTER TABLE sender_rule_new RENAME TO sender_rule;
CREATE INDEX sender_rule_pattern ON sender_rule (pattern, updated_at, id);
INSERT INTO outbox (at, tbl, row_id, op, data)
  SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), 'sender_rule', id, 'insert', json_object('id', id,
    'updated_at', updated_at, 'pattern', pattern, 'action', action, 'created_at', created_at)
  FROM sender_rule ORDER BY pattern;
"""

# Accent- and case-blind search (models.search): an FTS5 index of each lead's name, company and email,
# folded by the unicode61 tokenizer ("Jürgen" is found by "jurg"). It is derived data, so it lives in its
# own table, not synced and kept by triggers: every write to lead, from any path (the app, undo, team sync),
# updates it in the same statement, and nothing in Python has to remember to. Its rowid is the lead's.
SEARCH = """
CREATE VIRTUAL TABLE lead_search USING fts5(name, company, email, tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3');
INSERT INTO lead_search (rowid, name, company, email) SELECT rowid, name, company, email FROM lead;
CREATE TRIGGER lead_search_insert AFTER INSERT ON lead BEGIN
  INSERT INTO lead_search (rowid, name, company, email) VALUES (new.rowid, new.name, new.company, new.email);
END;
CREATE TRIGGER lead_search_delete AFTER DELETE ON lead BEGIN
  DELETE FROM lead_search WHERE rowid = old.rowid;
END;
CREATE TRIGGER lead_search_update AFTER UPDATE OF name, company, email ON lead BEGIN
  DELETE FROM lead_search WHERE rowid = old.rowid;
  INSERT INTO lead_search (rowid, name, company, email) VALUES (new.rowid, new.name, new.company, new.email);
END;
"""

# Mail accounts that sign in with OAuth 2.0 (XOAUTH2): the provider (google, microsoft or an issuer URL) and
# the client id its refresh token belongs to (the token itself is in the keychain). NULL: a password account.
MAIL_OAUTH = """
ALTER TABLE mail_account ADD COLUMN oauth TEXT;
ALTER TABLE mail_account ADD COLUMN oauth_client_id TEXT;
"""

# Insights (models.insights) read every lead of a period and every stage change from these narrow
# covering indexes, not from the wide rows (a lead's holds its inquiry, an activity's its mail).
INSIGHTS = """
CREATE INDEX lead_insights ON lead (created_at, merged_into, status, id, owner_id, source, stage_id, value,
  lost_reason, first_response_at, stage_changed_at, email, phone) WHERE merged_into IS NULL;
CREATE INDEX activity_stage ON activity (lead_id, at, kind, summary) WHERE kind = 'stage';
"""

# Insights' derived rows (models.insights), local and kept by triggers like lead_search: every write to lead
# or activity, from any path (the app, undo, team sync's remote ops), mends them in the same statement.
# insight_lead: each live lead's counted facts, with its first-answer delay in whole seconds (secs) and its
# band (0: within 5 minutes, 1: within the hour, 2: within 24 hours, 3: later, NULL: never), so the report
# groups leads by what it counts in index order (no sort) and takes response medians from sorted indexes.
# stage_stay: each stay in a stage that ended (a stage entry "A → B" on the timeline ends a stay in A, begun at
# the lead's previous entry or when it came in), with its lead's filter columns; a lead's stays are rebuilt
# whenever its stage entries or those columns change. Each view holds its rows' definition (the backfill and
# the rebuilds read it; tests compare each table with its view after writes from every path).
INSIGHT_ROWS = """
CREATE TABLE insight_lead ("lead" INTEGER PRIMARY KEY, "created_at" DATETIME NOT NULL, "owner_id" TEXT,
  "source" TEXT NOT NULL, "status" TEXT NOT NULL, "reason" TEXT NOT NULL, "stage_id" TEXT NOT NULL, "value" REAL,
  "secs" INTEGER, "band" INTEGER, "no_contact" INTEGER NOT NULL);
CREATE VIEW insight_lead_source AS
  SELECT lead, created_at, owner_id, source, status, reason, stage_id, value, secs,
    CASE WHEN secs <= 300 THEN 0 WHEN secs <= 3600 THEN 1 WHEN secs <= 86400 THEN 2 WHEN secs IS NOT NULL THEN 3
    END AS band, no_contact
  FROM (SELECT rowid AS lead, created_at, owner_id, coalesce(source, '') AS source, status,
          coalesce(lost_reason, '') AS reason, stage_id, value,
          max(0, unixepoch(first_response_at) - unixepoch(created_at)) AS secs,
          coalesce(email, '') = '' AND coalesce(phone, '') = '' AS no_contact
        FROM lead WHERE merged_into IS NULL);
INSERT INTO insight_lead SELECT * FROM insight_lead_source;
CREATE INDEX insight_lead_keys ON insight_lead (source, status, reason, stage_id, band, no_contact, created_at,
  owner_id, value);
CREATE INDEX insight_lead_secs ON insight_lead (secs, created_at, owner_id, source) WHERE secs IS NOT NULL;
CREATE INDEX insight_lead_source_secs ON insight_lead (source, secs, created_at, owner_id) WHERE secs IS NOT NULL;
CREATE TRIGGER insight_lead_insert AFTER INSERT ON lead BEGIN
  INSERT INTO insight_lead SELECT * FROM insight_lead_source WHERE lead = new.rowid;
END;
CREATE TRIGGER insight_lead_delete AFTER DELETE ON lead BEGIN
  DELETE FROM insight_lead WHERE lead = old.rowid;
END;
CREATE TRIGGER insight_lead_update AFTER UPDATE OF created_at, merged_into, owner_id, source, status, lost_reason,
    stage_id, value, first_response_at, email, phone ON lead BEGIN
  DELETE FROM insight_lead WHERE lead = old.rowid;
  INSERT INTO insight_lead SELECT * FROM insight_lead_source WHERE lead = new.rowid;
END;
CREATE TABLE stage_stay ("lead_id" TEXT NOT NULL, "stage" TEXT NOT NULL,
  "days" REAL NOT NULL, "created_at" DATETIME NOT NULL, "owner_id" TEXT, "source" TEXT NOT NULL);
CREATE VIEW stage_stay_source AS
  SELECT a.lead_id AS lead_id, substr(a.summary, 1, instr(a.summary, ' → ') - 1) AS stage,
    max(0.0, julianday(a.at) - julianday(coalesce(lag(a.at) OVER (PARTITION BY a.lead_id ORDER BY a.at, a.rowid),
      l.created_at))) AS days,
    l.created_at, l.owner_id, coalesce(l.source, '') AS source
  FROM activity AS a INDEXED BY activity_stage JOIN lead AS l ON l.id = a.lead_id
  WHERE a.kind = 'stage' AND instr(a.summary, ' → ') > 0 AND l.merged_into IS NULL;
INSERT INTO stage_stay SELECT * FROM stage_stay_source;
CREATE INDEX stage_stay_lead ON stage_stay (lead_id);
CREATE INDEX stage_stay_days ON stage_stay (stage, days, created_at, owner_id, source, lead_id);
-- An entry after the lead's others (the usual case; a new row takes the largest rowid) adds its own stay and
-- changes no other: that one row is computed here from the entry before it, as the view would, at a fraction of
-- the cost of rebuilding the lead's stays (which counts when the demo or a team's history brings 250,000).
CREATE TRIGGER stage_stay_entry_append AFTER INSERT ON activity WHEN new.kind = 'stage' AND NOT EXISTS (
    SELECT 1 FROM activity INDEXED BY activity_stage WHERE lead_id = new.lead_id AND kind = 'stage' AND at > new.at)
BEGIN
  INSERT INTO stage_stay SELECT new.lead_id, substr(new.summary, 1, instr(new.summary, ' → ') - 1),
    max(0.0, julianday(new.at) - julianday(coalesce((SELECT p.at FROM activity AS p INDEXED BY activity_stage
      WHERE p.lead_id = new.lead_id AND p.kind = 'stage' AND instr(p.summary, ' → ') > 0 AND p.rowid != new.rowid
      ORDER BY p.at DESC, p.rowid DESC LIMIT 1), l.created_at))),
    l.created_at, l.owner_id, coalesce(l.source, '')
  FROM lead AS l WHERE l.id = new.lead_id AND l.merged_into IS NULL AND instr(new.summary, ' → ') > 0;
END;
CREATE TRIGGER stage_stay_entry_insert AFTER INSERT ON activity WHEN new.kind = 'stage' AND EXISTS (
    SELECT 1 FROM activity INDEXED BY activity_stage WHERE lead_id = new.lead_id AND kind = 'stage' AND at > new.at)
BEGIN
  DELETE FROM stage_stay WHERE lead_id = new.lead_id;
  INSERT INTO stage_stay SELECT * FROM stage_stay_source WHERE lead_id = new.lead_id;
END;
CREATE TRIGGER stage_stay_entry_delete AFTER DELETE ON activity WHEN old.kind = 'stage' BEGIN
  DELETE FROM stage_stay WHERE lead_id = old.lead_id;
  INSERT INTO stage_stay SELECT * FROM stage_stay_source WHERE lead_id = old.lead_id;
END;
CREATE TRIGGER stage_stay_entry_update AFTER UPDATE OF lead_id, kind, at, summary ON activity
    WHEN old.kind = 'stage' OR new.kind = 'stage' BEGIN
  DELETE FROM stage_stay WHERE lead_id IN (old.lead_id, new.lead_id);
  INSERT INTO stage_stay SELECT * FROM stage_stay_source WHERE lead_id IN (old.lead_id, new.lead_id);
END;
CREATE TRIGGER stage_stay_lead_insert AFTER INSERT ON lead BEGIN
  INSERT INTO stage_stay SELECT * FROM stage_stay_source WHERE lead_id = new.id;
END;
CREATE TRIGGER stage_stay_lead_delete AFTER DELETE ON lead BEGIN
  DELETE FROM stage_stay WHERE lead_id = old.id;
END;
CREATE TRIGGER stage_stay_lead_update AFTER UPDATE OF id, created_at, merged_into, owner_id, source ON lead BEGIN
  DELETE FROM stage_stay WHERE lead_id IN (old.id, new.id);
  INSERT INTO stage_stay SELECT * FROM stage_stay_source WHERE lead_id = new.id;
END;
-- The report's open leads (a tenth of them: who is stuck, next steps, duplicates), covering. "created_at IS NOT
-- NULL" (always true) keeps it to the queries that name it: other lists of open leads keep their plans.
CREATE INDEX lead_open_insights ON lead (created_at, status, merged_into, id, owner_id, source, stage_id, value,
  lost_reason, first_response_at, stage_changed_at, email, phone)
  WHERE status = 'open' AND merged_into IS NULL AND created_at IS NOT NULL;
"""

# One entry per schema version, in order: append new steps, never edit shipped ones.
# An import adds its leads' search words in one statement a batch (models.search.indexed_in_bulk): the
# insert trigger stands aside while the 'search.bulk' setting is there, which only that transaction sees.
SEARCH_BULK = """
DROP TRIGGER lead_search_insert;
CREATE TRIGGER lead_search_insert AFTER INSERT ON lead
  WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'search.bulk') BEGIN
  INSERT INTO lead_search (rowid, name, company, email) VALUES (new.rowid, new.name, new.company, new.email);
END;
"""

# Follow-up discipline over time: the overdue count as this machine saw it each day it ran (a closed
# lead's pending step is deleted, so past days cannot be worked out later). Local, never synced.
OVERDUE_DAYS = """
CREATE TABLE IF NOT EXISTS overdue_day (day TEXT PRIMARY KEY, overdue INTEGER NOT NULL, open INTEGER NOT NULL);
"""

# Imported leads (models.import_apply): imported_at is the import's moment, and their first_response_at (set to
# it, so Today does not ask to answer them) is no measured answer. Insights leave them out of every first-answer
# figure: insight_lead gives them no secs and band 4 ("imported", neither answered nor never). The view and the
# update trigger read the new column; the covering indexes the report reads lead by carry it. No insight_lead row
# changes: every lead's imported_at is NULL when the column is added.
IMPORTED = """
ALTER TABLE lead ADD COLUMN imported_at DATETIME;
DROP VIEW insight_lead_source;
CREATE VIEW insight_lead_source AS
  SELECT lead, created_at, owner_id, source, status, reason, stage_id, value, secs,
    CASE WHEN imported THEN 4 WHEN secs <= 300 THEN 0 WHEN secs <= 3600 THEN 1 WHEN secs <= 86400 THEN 2
      WHEN secs IS NOT NULL THEN 3 END AS band, no_contact
  FROM (SELECT rowid AS lead, created_at, owner_id, coalesce(source, '') AS source, status,
          coalesce(lost_reason, '') AS reason, stage_id, value, imported_at IS NOT NULL AS imported,
          CASE WHEN imported_at IS NULL THEN max(0, unixepoch(first_response_at) - unixepoch(created_at)) END AS secs,
          coalesce(email, '') = '' AND coalesce(phone, '') = '' AS no_contact
        FROM lead WHERE merged_into IS NULL);
DROP TRIGGER insight_lead_update;
CREATE TRIGGER insight_lead_update AFTER UPDATE OF created_at, merged_into, owner_id, source, status, lost_reason,
    stage_id, value, first_response_at, email, phone, imported_at ON lead BEGIN
  DELETE FROM insight_lead WHERE lead = old.rowid;
  INSERT INTO insight_lead SELECT * FROM insight_lead_source WHERE lead = new.rowid;
END;
DROP INDEX IF EXISTS lead_insights;
CREATE INDEX lead_insights ON lead (created_at, merged_into, status, id, owner_id, source, stage_id, value,
  lost_reason, first_response_at, stage_changed_at, email, phone, imported_at) WHERE merged_into IS NULL;
DROP INDEX lead_open_insights;
CREATE INDEX lead_open_insights ON lead (created_at, status, merged_into, id, owner_id, source, stage_id, value,
  lost_reason, first_response_at, stage_changed_at, email, phone, imported_at)
  WHERE status = 'open' AND merged_into IS NULL AND created_at IS NOT NULL;
"""

# An import makes its new leads' insight_lead rows in one statement a batch (models.insights.rows_made_in_bulk): the
# lead insert triggers of insight_lead and stage_stay stand aside while the 'insights.bulk' setting is there, which
# only that transaction sees. (A new lead's stays come from its stage entries' own triggers: they follow it.)
INSIGHTS_BULK = """
DROP TRIGGER insight_lead_insert;
CREATE TRIGGER insight_lead_insert AFTER INSERT ON lead
  WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'insights.bulk') BEGIN
  INSERT INTO insight_lead SELECT * FROM insight_lead_source WHERE lead = new.rowid;
END;
DROP TRIGGER stage_stay_lead_insert;
CREATE TRIGGER stage_stay_lead_insert AFTER INSERT ON lead
  WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'insights.bulk') BEGIN
  INSERT INTO stage_stay SELECT * FROM stage_stay_source WHERE lead_id = new.id;
END;
"""

STEPS: list[str] = [CORE, MAIL, OUTBOX, SYNC, SYNCED_RULES, SEARCH, MAIL_OAUTH, INSIGHTS, INSIGHT_ROWS, SEARCH_BULK,
                    OVERDUE_DAYS, IMPORTED, INSIGHTS_BULK]
