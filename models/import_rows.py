"""One imported row's cells as lead fields, plus the details kept beside them: several values split, the
mobile number first, status words placed, a cell it cannot read left blank with a warning."""
from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from . import leads, settings, stages
from .contacts import normalise_email, normalise_phone
from .errors import InvalidInput
from .import_columns import DETAILS, IGNORE, LABEL, key, label_pairs
from .import_values import EMPTY, StageWords, best, split_loose, tags, values_of, when

_NAMESPACE_BYTES = uuid.UUID("6f1c3a52-5d0e-4d43-9a43-2f3b1f0c7a11").bytes
_NEUTRALISED = re.compile(r"^'[=+\-@\t\r]")
_GUARDED_INSIDE = re.compile(r"([,;\t]\s*)'(?=[=+\-@])")  # the export's guard after a separator
# '+49 171 2345678', '+1-415-555-0134': international, no trunk '(0)', 10 to 15 digits (shorter ones are checked)
_INTERNATIONAL = re.compile(r"^\+[1-9](?:[ .\-/]?\d){9,14}$")
_NOT_DIGIT = re.compile(r"\D")
_TAGGED = re.compile("label|tag|categor|group")
_MOBILE, _WORK = re.compile(r"mobil|cell|handy|portable|movil"), re.compile(r"business|work|primary|main|office")


def _phone_rank(value: tuple[str, str]) -> int:
    """Of several phone columns the mobile number is the lead's phone, then the work number, then the rest."""
    label = key(value[0])
    return 0 if _MOBILE.search(label) else 1 if _WORK.search(label) else 2


def fingerprint_id(fields: dict[str, Any], cells: list[str]) -> str:
    """A fingerprint of name, company and the whole source row: importing the row again finds its lead."""
    text = "\x1f".join([fields["name"].casefold(), (fields.get("company") or "").casefold(), *cells])
    return leads.uuid5_text(_NAMESPACE_BYTES, hashlib.sha1(text.encode()).hexdigest().encode())  # uuid5(ns, sha1 hex)


# Address parts in columns of their own (Outlook, HubSpot, Zoho, Salesforce): street, postal code, city, state, country
_ADDRESS = re.compile(r"^(business|home|other|work|mailing|billing|shipping)?"
                      r"(?:(street|streetaddress|addressline1|strasse)|(postalcode|zipcode|zip|postcode|plz)"
                      r"|(city|town|ort|stadt|ville)|(state|region|stateregion|province|bundesland)"
                      r"|(country|countryregion|land|pays))$")


def _address_parts(header: list[str], columns: dict[str, str]) -> dict[int, tuple[str, int]]:
    """{column index: (the address's label, part 1-5)} for address parts kept as details, two or more together."""
    found = {}
    for index, column in enumerate(header):
        match = _ADDRESS.match(key(column)) if columns[column] == DETAILS else None
        if match:
            part = next(n for n in range(2, 7) if match[n]) - 1
            found[index] = (f"{match[1].title()} address" if match[1] else "Address", part)
    labels = [label for label, _ in found.values()]
    return {index: (label, part) for index, (label, part) in found.items() if labels.count(label) > 1}


class RowCleaner:
    """Turns one row's cells into lead fields plus the details kept beside them; a cell it cannot read
    is left blank with a warning (and kept as a detail), never the reason a row is lost."""

    def __init__(self, header: list[str], columns: dict[str, str], multi: str | None, words: StageWords) -> None:
        # (index, column, field, its words are tags) for each column used, worked out once, not per row
        self.used = [(index, column, columns[column], bool(_TAGGED.search(key(column))))
                     for index, column in enumerate(header) if columns[column] not in (IGNORE, LABEL)]
        self.labels = label_pairs(header, columns)
        self.address = _address_parts(header, columns)
        self.multi = multi
        self.words = words
        self.first = stages.first_stage().name
        self.region = settings.phone_region()
        self.unknown: dict[str, dict[str, int]] = {}
        self.warnings: list[tuple[int, str, str]] = []

    def clean(self, line: int, cells: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """(lead fields, details) of one row; InvalidInput when it has no name, email or phone."""
        raw, details = self._sort(cells)
        fields: dict[str, Any] = {}
        if len(raw.get("phone", ())) > 1:
            raw["phone"].sort(key=_phone_rank)
        for target in ("email", "phone"):
            self._contact(line, target, raw.pop(target, []), fields, details)
        names = {k: self._first(raw.pop(k, []), details) for k in ("name", "first_name", "last_name")}
        name = names["name"] or " ".join(filter(None, (names["first_name"], names["last_name"])))
        if not (name or fields.get("email") or fields.get("phone")):
            raise InvalidInput("no name, email or phone")
        for target in ("company", "source", "service", "owner", "lost_reason"):
            value = self._first(raw.pop(target, []), details)
            if value:
                fields[target] = value
        fields["name"] = name or fields.get("company") or fields.get("email") or fields.get("phone")
        if "message" in raw:
            fields["message"] = "\n".join(value for _, value in raw.pop("message"))  # several note columns: all
        for label, text in raw.pop("value", []):
            try:
                fields.setdefault("value", leads.parse_amount(text))
            except InvalidInput as exc:
                self._warn(line, label, text, str(exc), details)
        for label, text in raw.pop("created", []):
            try:
                fields.setdefault("created", when(text, self.region))
            except InvalidInput as exc:
                self._warn(line, label, text, str(exc), details)
        if "stage" in raw:
            self._stage(raw.pop("stage"), fields, details)
        return fields, details

    def absorb(self, warnings: list[tuple[int, str, str]], unknown: dict[str, dict[str, int]]) -> None:
        """What a copy of this cleaner found in later rows (models.import_cleaning's other half)."""
        self.warnings += warnings
        for column, counts in unknown.items():
            mine = self.unknown.setdefault(column, {})
            for word, count in counts.items():
                mine[word] = mine.get(word, 0) + count

    def _sort(self, cells: list[str]) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str]]]:
        """The row's filled cells as {field: [(label, text)]} and the details; address parts joined."""
        raw: dict[str, list[tuple[str, str]]] = {}
        details: list[tuple[str, str]] = []
        addresses: dict[str, dict[int, str]] = {}
        for index, column, target, tagged in self.used:
            value = cells[index]
            if not value or value in EMPTY:
                continue
            if index in self.address:
                label, part = self.address[index]
                addresses.setdefault(label, {})[part] = value
                continue
            if "'" in value:
                if _NEUTRALISED.match(value):
                    value = value[1:]  # our own export's formula guard: take the value back as it was
                value = _GUARDED_INSIDE.sub(r"\1", value)
            label = column
            if index in self.labels and cells[self.labels[index]]:
                label = f"{column} ({cells[self.labels[index]].lstrip('* ')})"
            if target == DETAILS:
                if tagged:
                    value = tags(value)  # '"VIP","Blog"', '* myContacts ::: Kunden': the words alone
                if value:
                    details.append((label, value))
            else:
                raw.setdefault(target, []).append((label, value))
        for label, parts in addresses.items():  # Outlook's Business Street, City, ...: one line per address
            town = " ".join(filter(None, (parts.get(2), parts.get(3))))
            details.append((label, ", ".join(filter(None, (parts.get(1), town, parts.get(4), parts.get(5))))))
        return raw, details

    def _first(self, values: list[tuple[str, str]], details: list[tuple[str, str]]) -> str:
        """The first value for a field; the others (and Google's further ' ::: ' values) are kept as details."""
        first = ""
        for label, cell in values:
            for value in values_of(cell, self.multi):
                if not first:
                    first = value
                elif value != first:
                    details.append((label, value))
        return first

    def _contact(self, line: int, kind: str, values: list[tuple[str, str]], fields: dict[str, Any],
                 details: list[tuple[str, str]]) -> None:
        """The first readable email or phone fills the field, every other one is kept as a detail."""
        for label, cell in values:
            for value in values_of(cell, self.multi):
                clean = self._normal(kind, value)
                parts = [] if clean else split_loose(value)
                if clean is None and len(parts) > 1:  # '030 1234 / 0171 5678' in one cell
                    for part in parts:
                        self._add_contact(kind, label, part, self._normal(kind, part), fields, details)
                    if any(self._normal(kind, part) for part in parts):
                        continue
                if clean is None:
                    what = "an email address" if kind == "email" else "a phone number"
                    self._warn(line, label, value, f"'{value}' is not {what}", details)
                    continue
                self._add_contact(kind, label, value, clean, fields, details)

    @staticmethod
    def _add_contact(kind: str, label: str, value: str, clean: str | None, fields: dict[str, Any],
                     details: list[tuple[str, str]]) -> None:
        if clean is None or (kind in fields and fields[kind] != clean):
            details.append((label, value))
        else:
            fields[kind] = clean

    def _normal(self, kind: str, value: str) -> str | None:
        if kind == "phone" and _INTERNATIONAL.match(value):
            return "+" + _NOT_DIGIT.sub("", value)  # already international: what phonenumbers would give, 50x faster
        try:
            return normalise_email(value) if kind == "email" else normalise_phone(value, self.region)
        except InvalidInput:
            return None

    def _warn(self, line: int, label: str, value: str, reason: str, details: list[tuple[str, str]]) -> None:
        self.warnings.append((line, label, f"{reason.rstrip('.')}: left blank, kept in the lead's details"))
        details.append((label, value))

    def _stage(self, values: list[tuple[str, str]], fields: dict[str, Any], details: list[tuple[str, str]]) -> None:
        placed = []
        for label, text in values:
            found = self.words.place(text)
            if found is None:
                column = label.split(" (")[0]
                counts = self.unknown.setdefault(column, {})
                counts[text] = counts.get(text, 0) + 1
                details.append((label, text))  # the original status stays on the lead's timeline
            else:
                placed.append(found)
        chosen = best(placed, self.first)
        if chosen is not None:
            fields["stage"] = chosen.stage
            if chosen.reason and not fields.get("lost_reason"):
                fields["lost_reason"] = chosen.reason
