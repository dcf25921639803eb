"""The SQL behind models.insights: the named rules that count leads, over per-lead facts.

Every count of the report is the number of leads a rule in RULES picks out of the facts; every
median is taken over such a set. The click-through lists the ids a rule picks from the facts as
read from the leads themselves (FACTS). The report counts the same rules over the same facts in
bulk: closed leads grouped from insight_lead (derived rows kept by triggers, models.migrations),
in the order of an index so that SQLite need not sort, each group weighing as many leads; open
leads (a tenth) one by one, as FACTS reads them. Medians are read at their rank from sorted
indexes of insight_lead and stage_stay.
"""
from __future__ import annotations

# Open leads' emails and phones held by another open lead: add_lead's duplicate rule.
TWINS = """twins AS MATERIALIZED (
  SELECT email FROM lead INDEXED BY lead_open_insights WHERE status = 'open' AND merged_into IS NULL
    AND created_at IS NOT NULL AND email IS NOT NULL GROUP BY email HAVING count(*) > 1
  UNION ALL
  SELECT phone FROM lead INDEXED BY lead_open_insights WHERE status = 'open' AND merged_into IS NULL
    AND created_at IS NOT NULL AND phone IS NOT NULL GROUP BY phone HAVING count(*) > 1)"""

# The leads counted: live (not merged away), received in the period (created_at is the received
# time, imported leads' too), of the owner and source when given; read from a covering index. One
# row per lead, with what the rules read. A response time is whole seconds, so "within 1 hour" has no
# rounding edge; band is its class (as insight_lead's band): 0 within 5 minutes, 1 within the hour,
# 2 within 24 hours, 3 later, NULL never, 4 imported (its first answer was not measured: no time).
FACTS = """
  SELECT l.id, l.created_at, coalesce(l.source, '') AS source, l.status, l.value,
         coalesce(l.lost_reason, '') AS reason, s.name AS stage,
         CASE WHEN l.imported_at IS NOT NULL THEN 4 WHEN secs <= 300 THEN 0 WHEN secs <= 3600 THEN 1
              WHEN secs <= 86400 THEN 2 WHEN secs IS NOT NULL THEN 3 END AS band,
         CASE WHEN l.status = 'open' THEN (SELECT min(p.due) FROM follow_up AS p
                                           WHERE p.lead_id = l.id AND p.done_at IS NULL) END AS next_due,
         l.status = 'open' AND s.kind = 'open' AND s.stale_days > 0
           AND julianday(:at) - julianday(l.stage_changed_at) > s.stale_days AS stuck,
         coalesce(l.email, '') = '' AND coalesce(l.phone, '') = '' AS no_contact,
         l.status = 'open' AND (l.email IN twins OR l.phone IN twins) AS twin, 1 AS n
  FROM (SELECT *, max(0, unixepoch(first_response_at) - unixepoch(created_at)) AS secs {leads}) AS l
  JOIN stage AS s ON s.id = l.stage_id"""
LEADS = """FROM lead AS l {index}
  WHERE l.merged_into IS NULL AND l.created_at >= :start AND l.created_at < :end {where}"""
OPEN_LEADS = "INDEXED BY lead_open_insights"

# Closed (won or lost) leads as FACTS rows, one per group of leads alike in every fact a rule reads, n
# the group's size (open leads' facts depend on the time and on other rows: they come from FACTS).
CLOSED = """
  SELECT NULL AS id, NULL AS created_at, l.source, l.status, total(l.value) AS value, l.reason, s.name AS stage,
         l.band, NULL AS next_due, 0 AS stuck, l.no_contact, 0 AS twin, count(*) AS n
  FROM insight_lead AS l INDEXED BY insight_lead_keys JOIN stage AS s ON s.id = l.stage_id
  WHERE l.status != 'open' AND l.created_at >= :start AND l.created_at < :end {where}
  GROUP BY l.source, l.status, l.reason, l.stage_id, l.band, l.no_contact"""

BUCKET = ("CASE WHEN band IS NULL THEN 'never' WHEN band <= 1 THEN 'within_1h' "
          "WHEN band = 2 THEN '1h_to_24h' WHEN band = 3 THEN 'later' ELSE 'imported' END")

# rule name -> (condition on a `bucketed` row, the column its key matches or None). Names are the
# report's JSON paths: a list's rules are keyed by the row's first field (sources by source).
RULES: dict[str, tuple[str, str | None]] = {
    "received": ("1", None),
    "response.answered": ("band <= 3", None),
    "response.within_5m": ("band <= 0", None),
    "response.within_1h": ("band <= 1", None),
    "response.within_24h": ("band <= 2", None),
    "response.never": ("band IS NULL", None),
    "response.imported": ("band = 4", None),
    "sources.received": ("1", "source"),
    "sources.won": ("status = 'won'", "source"),
    "sources.lost": ("status = 'lost'", "source"),
    "sources.open": ("status = 'open'", "source"),
    "sources.answered": ("band <= 3", "source"),
    "lost_reasons.count": ("status = 'lost'", "reason"),
    "stages.stuck": ("stuck", "stage"),
    "speed_to_result.leads": ("status IN ('won', 'lost')", "bucket"),  # bucket 'imported': not shown
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


def _facts(where: str, index: str = "") -> str:
    return FACTS.format(leads=LEADS.format(index=index, where=where))


def counts_sql(where: str) -> str:
    """Rows (source, bucket, reason, stage, one sum per rule, won value): closed leads by group, open ones
    one by one."""
    open_only = where + " AND l.status = 'open' AND l.created_at IS NOT NULL"  # lead_open_insights' own WHERE
    facts = f"{CLOSED.format(where=where)}\n  UNION ALL{_facts(open_only, OPEN_LEADS)}"
    return (f"WITH {TWINS} SELECT {', '.join(KEYS)}, {', '.join(f'sum(n * ({cond}))' for cond, _ in RULES.values())}, "
            f"total(CASE WHEN status = 'won' THEN value END) FROM (SELECT *, {BUCKET} AS bucket FROM ({facts})) "
            f"GROUP BY {', '.join(KEYS)}")


def ids_sql(where: str, rule: str, keyed: bool) -> str:
    """The ids of the leads a rule picks (of one key when keyed), oldest first."""
    cond, column = RULES[rule]
    match = f" AND {column} = :key" if keyed and column else ""
    return (f"WITH {TWINS}, facts AS MATERIALIZED ({_facts(where)}), "
            f"bucketed AS (SELECT *, {BUCKET} AS bucket FROM facts)\n"
            f"SELECT id FROM bucketed WHERE ({cond}){match} ORDER BY created_at, id")


# A response time at a rank among the leads counted (of one source when :key is given; the filters'
# own conditions read the same columns), and the number of stays in each stage and one at a rank.
RESPONSE_AT = """SELECT secs FROM insight_lead AS l INDEXED BY {index}
  WHERE secs IS NOT NULL AND l.created_at >= :start AND l.created_at < :end {where} {key}
  ORDER BY secs LIMIT :k OFFSET :o"""
STAYS = "FROM stage_stay AS l INDEXED BY stage_stay_days WHERE l.created_at >= :start AND l.created_at < :end {where}"
STAY_COUNTS = "SELECT stage, count(*) " + STAYS + " GROUP BY stage"
STAY_AT = "SELECT days " + STAYS + " AND stage = :key ORDER BY days LIMIT :k OFFSET :o"
STAY_LEADS = "SELECT lead_id " + STAYS + " AND stage = :key GROUP BY lead_id ORDER BY min(l.created_at), lead_id"


def response_at_sql(where: str, by_source: bool) -> str:
    if by_source:
        return RESPONSE_AT.format(index="insight_lead_source_secs", where=where, key="AND l.source = :key")
    return RESPONSE_AT.format(index="insight_lead_secs", where=where, key="")
