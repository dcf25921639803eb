"""The SQL behind models.insights: one set of per-lead facts, and the named rules that count them.

Every count of the report is the number of leads a rule in RULES picks out of the facts; every
median is taken over such a set. models.insights sums the rules for the report and lists the ids
a rule picks for the click-through: the same SQL text does both, so the two agree. The report
gathers the facts once into a temporary table (in memory, this connection's own) and reads it
several times; the click-through reads them as a CTE.
"""
from __future__ import annotations

# Open leads' emails and phones held by another open lead: add_lead's duplicate rule.
TWINS = """twins AS MATERIALIZED (
  SELECT email FROM lead INDEXED BY lead_insights WHERE status = 'open' AND merged_into IS NULL
    AND email IS NOT NULL GROUP BY email HAVING count(*) > 1
  UNION ALL
  SELECT phone FROM lead INDEXED BY lead_insights WHERE status = 'open' AND merged_into IS NULL
    AND phone IS NOT NULL GROUP BY phone HAVING count(*) > 1)"""

# The leads counted: live (not merged away), received in the period (created_at is the received
# time, imported leads' too), of the owner and source when given; read from the covering index
# lead_insights. One row per lead, with what the rules read. A response time is whole seconds,
# so "within 1 hour" has no rounding edge.
COLUMNS = ("id", "created_at", "source", "status", "value", "reason", "stage", "secs", "next_due", "stuck",
           "no_contact", "twin")
FACTS = """
  SELECT l.id, l.created_at, coalesce(l.source, '') AS source, l.status, l.value,
         coalesce(l.lost_reason, '') AS reason, s.name AS stage,
         max(0, unixepoch(l.first_response_at) - unixepoch(l.created_at)) AS secs,
         CASE WHEN l.status = 'open' THEN (SELECT min(p.due) FROM follow_up AS p
                                           WHERE p.lead_id = l.id AND p.done_at IS NULL) END AS next_due,
         l.status = 'open' AND s.kind = 'open' AND s.stale_days > 0
           AND julianday(:at) - julianday(l.stage_changed_at) > s.stale_days AS stuck,
         coalesce(l.email, '') = '' AND coalesce(l.phone, '') = '' AS no_contact,
         l.status = 'open' AND (l.email IN twins OR l.phone IN twins) AS twin
  {leads}"""
LEADS = """FROM lead AS l JOIN stage AS s ON s.id = l.stage_id
  WHERE l.merged_into IS NULL AND l.created_at >= :start AND l.created_at < :end {where}"""
BUCKET = ("CASE WHEN secs IS NULL THEN 'never' WHEN secs <= 3600 THEN 'within_1h' "
          "WHEN secs <= 86400 THEN '1h_to_24h' ELSE 'later' END")

# Time spent in a stage, from the timeline: each stage entry ("New → Contacted", written by
# leads.move_lead and record_response) ends a stay in the stage before the arrow, which began at
# the previous stage entry or, for the first, when the lead came in (models.insights pairs them).
# Stays in a stage since renamed keep the old name and match no current stage.
ENTRIES = """
SELECT f.id, julianday(a.at), a.rowid, substr(a.summary, 1, instr(a.summary, ' → ') - 1), julianday(f.created_at)
FROM (SELECT l.id, l.created_at {leads}) AS f JOIN activity AS a INDEXED BY activity_stage ON a.lead_id = f.id
WHERE a.kind = 'stage' AND instr(a.summary, ' → ') > 0
ORDER BY a.lead_id, a.at, a.rowid"""

# rule name -> (condition on a `bucketed` row, the column its key matches or None). Names are the
# report's JSON paths: a list's rules are keyed by the row's first field (sources by source).
RULES: dict[str, tuple[str, str | None]] = {
    "received": ("1", None),
    "response.answered": ("secs IS NOT NULL", None),
    "response.within_5m": ("secs <= 300", None),
    "response.within_1h": ("secs <= 3600", None),
    "response.within_24h": ("secs <= 86400", None),
    "response.never": ("secs IS NULL", None),
    "sources.received": ("1", "source"),
    "sources.won": ("status = 'won'", "source"),
    "sources.lost": ("status = 'lost'", "source"),
    "sources.open": ("status = 'open'", "source"),
    "sources.answered": ("secs IS NOT NULL", "source"),
    "lost_reasons.count": ("status = 'lost'", "reason"),
    "stages.stuck": ("stuck", "stage"),
    "speed_to_result.leads": ("status IN ('won', 'lost')", "bucket"),
    "speed_to_result.won": ("status = 'won'", "bucket"),
    "followup.open": ("status = 'open'", None),
    "followup.overdue": ("status = 'open' AND next_due < :today", None),
    "followup.with_next_step": ("status = 'open' AND next_due IS NOT NULL", None),
    "health.missing_contact": ("no_contact", None),
    "health.duplicate_candidates": ("twin", None),
    "health.open_without_next_step": ("status = 'open' AND next_due IS NULL", None),
}
# Figures that are not counts, and the rule whose leads they are taken over.
ALIASES = {
    "response.median_minutes": "response.answered", "response.p90_minutes": "response.answered",
    "sources.median_response_minutes": "sources.answered", "sources.won_value": "sources.won",
    "followup.share_with_next_step": "followup.with_next_step",
}

KEYS = ("source", "bucket", "reason", "stage")  # the columns the report groups by
TABLE = "temp.insight_facts"
MAKE_TABLE = f"CREATE TEMP TABLE IF NOT EXISTS insight_facts ({', '.join(COLUMNS)})"


def _facts(where: str) -> str:
    return FACTS.format(leads=LEADS.format(where=where))


def fill_sql(where: str) -> str:
    """Gather the facts into TABLE (emptied first by the caller)."""
    return f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) WITH {TWINS} {_facts(where)}"


def counts_sql() -> str:
    """Rows (source, bucket, reason, stage, one sum per rule, won value) from TABLE."""
    return (f"SELECT {', '.join(KEYS)}, {', '.join(f'sum({cond})' for cond, _ in RULES.values())}, "
            f"total(CASE WHEN status = 'won' THEN value END) FROM (SELECT *, {BUCKET} AS bucket FROM {TABLE}) "
            f"GROUP BY {', '.join(KEYS)}")


ANSWERED = f"SELECT source, secs FROM {TABLE} WHERE secs IS NOT NULL"


def entries_sql(where: str) -> str:
    """The stage entries of the leads counted (read from the covering indexes, not from TABLE: SQLite
    would then look up each entry's row)."""
    return ENTRIES.format(leads=LEADS.format(where=where))


def ids_sql(where: str, rule: str, keyed: bool) -> str:
    """The ids of the leads a rule picks (of one key when keyed), oldest first."""
    cond, column = RULES[rule]
    match = f" AND {column} = :key" if keyed and column else ""
    return (f"WITH {TWINS}, facts AS MATERIALIZED ({_facts(where)}), "
            f"bucketed AS (SELECT *, {BUCKET} AS bucket FROM facts)\n"
            f"SELECT id FROM bucketed WHERE ({cond}){match} ORDER BY created_at, id")
