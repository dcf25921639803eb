"""Finding a lead as you type (the quick switcher): name, company, email or phone.

Fast at 100k leads because the common cases are index lookups:
  1. an exact email, or a phone number normalised to E.164 (indexed equality),
  2. a prefix of the name, the company or the email (range scans on indexes over
     lower(name), lower(company) and email),
and only when those find fewer than `limit` leads, a bounded substring scan (a last
name, digits in the middle of a number), which stops as soon as it has enough.

SQLite's lower() folds ASCII only, so the needle is folded the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import settings
from .contacts import normalise_phone
from .errors import InvalidInput
from .tables import database

_PHONEISH = re.compile(r"^[\d\s+()./-]+$")
_TOP = "\U0010ffff"  # sorts after every character: the upper bound of a prefix range

_SELECT = """SELECT lead.id, lead.name, lead.company, lead.email, lead.phone, stage.name, lead.status
FROM lead JOIN stage ON stage.id = lead.stage_id WHERE lead.merged_into IS NULL AND """


@dataclass(frozen=True)
class LeadHit:
    id: str
    name: str
    company: str | None
    email: str | None
    phone: str | None
    stage: str
    status: str


def fold(text: str) -> str:
    """Lower-case ASCII letters only, exactly as SQLite's lower() does."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def _like(text: str) -> str:
    """A LIKE pattern for 'contains text', with the wildcards in text escaped."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_leads(text: str, limit: int = 20) -> list[LeadHit]:
    """Leads matching what the user typed, best matches first, at most `limit`.

    Ranking: an exact email or phone number, a name starting with the text, a word in the
    name starting with it (a last name), a company or email starting with it, then any
    other lead containing it.
    """
    text = " ".join(text.split())
    if not text or limit <= 0:
        return []
    needles = list(dict.fromkeys([fold(text), fold(text[:1].upper() + text[1:])]))
    lowered = text.lower()
    digits = re.sub(r"\D", "", text)
    phoneish = len(digits) >= 4 and bool(_PHONEISH.match(text))
    seen: set[str] = set()

    def rows(where: str, params: tuple, order: str = "") -> list[LeadHit]:
        sql = _SELECT + where + (f" ORDER BY {order}" if order else "") + " LIMIT ?"
        found = [LeadHit(*row) for row in database.execute_sql(sql, (*params, limit + len(seen)))]
        fresh = [hit for hit in found if hit.id not in seen]
        seen.update(hit.id for hit in fresh)
        return fresh

    exact: list[LeadHit] = []
    if "@" in text:
        exact += rows("lead.email = ?", (lowered,))
    if phoneish:
        try:
            e164 = normalise_phone(text, settings.phone_region())
        except InvalidInput:
            e164 = None
        if e164:
            exact += rows("lead.phone = ?", (e164,))
        exact += rows("lead.phone >= ? AND lead.phone < ?", ("+" + digits, "+" + digits + _TOP), "lead.phone")
    if exact and len(text) >= 6:
        return exact[:limit]  # a whole address or number: nothing else to show
    name_prefix: list[LeadHit] = []
    for needle in needles:
        name_prefix += rows("lower(lead.name) >= ? AND lower(lead.name) < ?", (needle, needle + _TOP),
                            "lower(lead.name)")
    words: list[LeadHit] = []
    contains: list[LeadHit] = []
    if len(exact) + len(name_prefix) < limit and len(text) >= 3:
        # One bounded pass for a substring (a last name, digits inside a number): LIKE is the
        # cheapest matcher SQLite has, ignores ASCII case and stops at `limit` matches.
        if phoneish:
            contains = rows("lead.phone LIKE ? ESCAPE '\\'", (_like(digits.lstrip("0") or digits),))
        else:
            pattern = _like(text)
            found = rows("(lead.name LIKE ? ESCAPE '\\' OR lead.company LIKE ? ESCAPE '\\' "
                         "OR lead.email LIKE ? ESCAPE '\\')", (pattern, pattern, pattern))
            starts = tuple(" " + n for n in needles)
            for hit in found:
                (words if any(w in fold(" " + hit.name) for w in starts) else contains).append(hit)
    others: list[LeadHit] = []
    if len(exact) + len(name_prefix) + len(words) < limit:
        for needle in needles:
            others += rows("lower(lead.company) >= ? AND lower(lead.company) < ? AND lead.company IS NOT NULL",
                           (needle, needle + _TOP), "lower(lead.company)")
        others += rows("lead.email >= ? AND lead.email < ? AND lead.email IS NOT NULL",
                       (lowered, lowered + _TOP), "lead.email")
    # The substring pass may also have found company/email prefixes: keep those with their group.
    prefixes = tuple(needles) + (lowered,)
    moved = [h for h in contains if fold(h.company or "").startswith(prefixes) or (h.email or "").startswith(lowered)]
    contains = [h for h in contains if h not in moved]
    return (exact + name_prefix + words + others + moved + contains)[:limit]
