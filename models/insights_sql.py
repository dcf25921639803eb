"""The SQL behind models.insights: one set of per-lead facts, and the named rules that count them.

Every figure of the report is either the number of leads a rule in RULES picks out of `facts`,
or a median over such a set of leads. models.insights sums the rules for the report and lists
the ids a rule picks for the click-through: the same SQL text does both, so the two agree.
"""
from __future__ import annotations

# The leads counted: live (not merged away), received in the period (created_at is the received
# time, imported leads' too), of the owner and source when given. One row per lead, with what
# the rules read. A response time is whole seconds, so "within 1 hour" has no rounding edge.
FACTS = """
twins AS MATERIALIZED (  -- add_lead's duplicate rule: an open lead's email or phone held by another open lead
  SELECT email FROM lead INDEXED BY lead_insights WHERE status = 'open' AND merged_into IS NULL AND email IS NOT NULL
  GROUP BY email HAVING count(*) > 1
  UNION ALL
  SELECT phone FROM lead INDEXED BY lead_insights WHERE status = 'open' AND merged_into IS NULL AND phone IS NOT NULL
  GROUP BY phone HAVING count(*) > 1),
facts AS MATERIALIZED (
  SELECT l.id, l.created_at, coalesce(l.source, '') AS source, l.status, l.value,
         coalesce(l.lost_reason, '') AS reason, s.name AS stage,
         max(0, unixepoch(l.first_response_at) - unixepoch(l.created_at)) AS secs,
         CASE WHEN l.status = 'open' THEN (SELECT min(p.due) FROM follow_up AS p
                                           WHERE p.lead_id = l.id AND p.done_at IS NULL) END AS next_due,
         l.status = 'open' AND s.kind = 'open' AND s.stale_days > 0
           AND julianday(:at) - julianday(l.stage_changed_at) > s.stale_days AS stuck,
         coalesce(l.email, '') = '' AND coalesce(l.phone, '') = '' AS no_contact,
         l.status = 'open' AND (l.email IN twins OR l.phone IN twins) AS twin
  FROM lead AS l JOIN stage AS s ON s.id = l.stage_id
  WHERE l.merged_into IS NULL AND l.created_at >= :start AND l.created_at < :end {where}),
bucketed AS (
  SELECT *, CASE WHEN secs IS NULL THEN 'never' WHEN secs <= 3600 THEN 'within_1h'
                 WHEN secs <= 86400 THEN '1h_to_24h' ELSE 'later' END AS bucket
  FROM facts)"""

# Time spent in a stage, from the timeline: each stage entry ("New → Contacted", written by
# leads.move_lead and record_response) ends a stay in the stage before the arrow, which began at
# the previous stage entry or, for the first, when the lead came in. Stays in a stage since
# renamed keep the old name and match no current stage.
STAYS = """,
stays AS MATERIALIZED (
  SELECT a.lead_id, substr(a.summary, 1, instr(a.summary, ' → ') - 1) AS stage,
         max(0, julianday(a.at) - julianday(coalesce(
           lag(a.at) OVER (PARTITION BY a.lead_id ORDER BY a.at, a.rowid), f.created_at))) AS days
  FROM facts AS f JOIN activity AS a INDEXED BY activity_stage ON a.lead_id = f.id
  WHERE a.kind = 'stage' AND instr(a.summary, ' → ') > 0)"""

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

# Medians (the mean of the two middle values of an even count) and the 90th percentile (nearest
# rank: the smallest value at or above 90 % of them), by window over the sorted values.
_MEDIAN = "avg(x) FILTER (WHERE rn IN ((n + 1) / 2, (n + 2) / 2))"
_P90 = "min(x) FILTER (WHERE rn = (9 * n + 9) / 10)"
WIDTH = 2 + len(KEYS) + len(RULES)  # columns of a report row


def _ranked(column: str, source: str, part: str | None) -> str:
    """column's values from source, with their rank and count within part (None: all of them)."""
    over = f"PARTITION BY {part}" if part else ""
    return (f"SELECT {part or 'NULL'} AS k, {column} AS x, row_number() OVER ({over} ORDER BY {column}) AS rn, "
            f"count(*) OVER ({over}) AS n FROM {source} WHERE {column} IS NOT NULL")


def report_sql(where: str) -> str:
    """One statement for the whole report (the facts are gathered once). Rows: ('count', source, bucket,
    reason, stage, one sum per rule, won value) and ('median' | 'p90' | 'source_median' | 'stage_median',
    key, value, NULL…)."""
    pad = ", NULL" * (WIDTH - 3)
    medians = (("median", _MEDIAN, "secs", "facts", None), ("p90", _P90, "secs", "facts", None),
               ("source_median", _MEDIAN, "secs", "facts", "source"),
               ("stage_median", _MEDIAN, "days", "stays", "stage"))
    return "\n".join([
        "WITH " + FACTS.format(where=where) + STAYS,
        f"SELECT 'count', {', '.join(KEYS)}, {', '.join(f'sum({cond})' for cond, _ in RULES.values())}, "
        f"total(CASE WHEN status = 'won' THEN value END) FROM bucketed GROUP BY {', '.join(KEYS)}",
        *(f"UNION ALL SELECT '{name}', k, {figure}{pad} FROM ({_ranked(column, table, part)}) GROUP BY k"
          for name, figure, column, table, part in medians)])


def ids_sql(where: str, rule: str, keyed: bool) -> str:
    """The ids of the leads a rule picks (of one key when keyed), oldest first."""
    if rule == "stages.median_days":
        return ("WITH " + FACTS.format(where=where) + STAYS +
                "\nSELECT DISTINCT f.id, f.created_at FROM stays JOIN facts AS f ON f.id = stays.lead_id "
                "WHERE stays.stage = :key ORDER BY f.created_at, f.id")
    cond, column = RULES[rule]
    match = f" AND {column} = :key" if keyed and column else ""
    return ("WITH " + FACTS.format(where=where) +
            f"\nSELECT id FROM bucketed WHERE ({cond}){match} ORDER BY created_at, id")
