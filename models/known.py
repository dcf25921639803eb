"""What the classifier may ask of the owner's data (the classify.Known protocol), over the database: the
lookups capture's second process makes too, which is why this module imports only the tables (a second
process starting with models.mail and its imports would be ready ~30 ms later)."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from .tables import database, uuid5_text

# Fixed forever: changing it would give every mail-born lead a new id.
NAMESPACE = uuid.UUID("6f1c3a52-8d0e-5b7a-9c44-2e6b1f0d9a31")


@functools.lru_cache(maxsize=4096)  # a message's key is asked for several times while its batch is judged and stored
def message_key(message_id: str) -> str:
    """The deterministic id of a message's MailMessage row and of a lead created from it."""
    return uuid5_text(NAMESPACE.bytes, message_id.strip().strip("<>").strip().encode())


# Capture runs these lookups for every message: plain SQL skips peewee's query building,
# which costs more than SQLite's answer here (see tests/benchmarks/capture.py).
def one_value(sql: str, params: Sequence[Any]) -> Any:
    row = database.execute_sql(sql, params).fetchone()
    return row[0] if row else None


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def live_lead(lead_id: str | None) -> str | None:
    """Follow merges to the lead that absorbed this one (None when there is no such lead)."""
    seen: set[str] = set()
    while lead_id and lead_id not in seen:
        seen.add(lead_id)
        row = database.execute_sql("SELECT merged_into FROM lead WHERE id = ?", (lead_id,)).fetchone()
        if row is None:
            return None
        if row[0] is None:
            return lead_id
        lead_id = row[0]
    return None


def hit_lead(hit: tuple[tuple[bool, bool, str], str] | None) -> str | None:
    """The live lead of an address_hit: merges followed (a lead not merged is its own)."""
    if hit is None:
        return None
    return hit[1] if not hit[0][0] else live_lead(hit[1])


def in_parts(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """Values for IN lists, a bounded number of variables a statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def rows_of(values: Sequence[str], select_in: str) -> Iterator[tuple[Any, ...]]:
    """The rows of `select_in (values)`, a statement per 500 values."""
    for part in in_parts(values):
        yield from database.execute_sql(f"{select_in} ({marks(part)})", part)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


class DbKnown:
    """What the classifier may ask of the database (the classify.Known protocol)."""

    def __init__(self) -> None:
        self._rules: dict[str, str] | None = None  # small table: read once per pass

    def lead_for_thread(self, message_ids: Sequence[str]) -> str | None:
        ids = [m for m in message_ids if m]
        if not ids:
            return None
        keys = [message_key(m) for m in ids]
        hit = one_value(f"SELECT lead_id FROM mail_message WHERE id IN ({marks(keys)}) AND lead_id IS NOT NULL "
                        "LIMIT 1", keys)
        if hit is None:  # a lead born from the first message has its id
            hit = one_value(f"SELECT id FROM lead WHERE id IN ({marks(keys)}) LIMIT 1", keys)
        if hit is None:  # activities arrive by team sync from other machines too
            hit = one_value(f"SELECT lead_id FROM activity WHERE message_id IN ({marks(ids)}) LIMIT 1", ids)
        return live_lead(hit)

    @staticmethod
    def thread_hits(threads: Collection[Sequence[str]]) -> dict[tuple[str, ...], str | None]:
        """lead_for_thread of each thread (as a tuple), in a few queries per 500 ids. Where several rows
        answer, the first in index order, as SQLite's LIMIT 1 over an IN list gives it."""
        wanted = {tuple(t) for t in threads}
        ids = sorted({m for t in wanted for m in t if m})
        keys = sorted({message_key(m) for m in ids})
        by_message = dict(rows_of(keys, "SELECT id, lead_id FROM mail_message WHERE lead_id IS NOT NULL AND id IN"))
        born = {k for (k,) in rows_of(keys, "SELECT id FROM lead WHERE id IN")}
        logged: dict[str, str] = {}  # message id -> the lead of its first entry
        entries = rows_of(ids, "SELECT message_id, lead_id, rowid FROM activity WHERE message_id IN")
        for message_id, lead_id, _rowid in sorted(entries, key=lambda row: (row[0], row[2])):
            logged.setdefault(message_id, lead_id)
        hits: dict[tuple[str, ...], str | None] = {}
        for thread in wanted:
            mine = sorted({m for m in thread if m})
            mine_keys = sorted(map(message_key, mine))
            hits[thread] = (next((by_message[k] for k in mine_keys if k in by_message), None)
                            or next((k for k in mine_keys if k in born), None)
                            or next((logged[m] for m in mine if m in logged), None))
        merged = dict(rows_of(sorted({h for h in hits.values() if h}), "SELECT id, merged_into FROM lead WHERE id IN"))
        return {thread: None if hit not in merged else hit if merged[hit] is None else live_lead(hit)
                for thread, hit in hits.items()}

    def lead_for_address(self, address: str) -> str | None:
        return hit_lead(self.address_hit(address))

    @staticmethod
    def address_hit(address: str) -> tuple[tuple[bool, bool, str], str] | None:
        """((merged, closed, created), id) of the lead with this email or relay address that comes first."""
        address = (address or "").strip().lower()
        if not address:
            return None
        row = database.execute_sql(
            "SELECT merged_into IS NOT NULL, status != 'open', created_at, id FROM lead WHERE email = ? OR relay = ? "
            "ORDER BY merged_into IS NOT NULL, status != 'open', created_at LIMIT 1",
            (address, address)).fetchone()
        return ((bool(row[0]), bool(row[1]), str(row[2])), row[3]) if row else None

    @staticmethod
    def address_hits(addresses: Collection[str]) -> dict[str, tuple[tuple[bool, bool, str], str] | None]:
        """address_hit of each address (stripped and lowercased), in one query per 500."""
        wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
        hits: dict[str, tuple[tuple[bool, bool, str], str] | None] = dict.fromkeys(wanted)
        for part in in_parts(wanted):
            rows = database.execute_sql(
                "SELECT merged_into IS NOT NULL, status != 'open', created_at, id, email, relay FROM lead "
                f"WHERE email IN ({marks(part)}) OR relay IN ({marks(part)})", (*part, *part)).fetchall()
            for merged, closed, created, lead_id, email, relay in rows:
                rank = (bool(merged), bool(closed), str(created))
                for address in {email, relay} & hits.keys():
                    if hits[address] is None or rank < hits[address][0]:  # type: ignore[index]
                        hits[address] = (rank, lead_id)
        return hits

    def rule_for(self, address: str) -> str | None:
        if self._rules is None:
            self._rules = rules()
        address = (address or "").strip().lower()
        if not address:
            return None
        return self._rules.get(address) or self._rules.get("@" + domain_of(address))


def rules() -> dict[str, str]:
    """Pattern -> action. Devices that decided on one pattern before syncing left a row each: the most
    recently updated one wins (ties by id, so every device reads the same)."""
    return dict(database.execute_sql("SELECT pattern, action FROM sender_rule ORDER BY updated_at, id").fetchall())
