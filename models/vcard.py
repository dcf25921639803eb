"""vCard files (.vcf from Apple/iCloud Contacts, Android, Outlook) as a sheet of rows, read with vobject:
names, organisation, every email and phone with its type, addresses, note, categories."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import vobject

from .errors import InvalidInput
from .import_columns import VCARD
from .import_read import Sheet

_SINGLE = ("Name", "First Name", "Last Name", "Organization", "Job Title", "Note", "Categories", "Birthday")
_MANY = (("email", "Email"), ("tel", "Phone"), ("adr", "Address"), ("url", "Website"))
# vobject logs every line it skips as an error; a card it cannot read at all is reported in the plan instead.
logging.getLogger("vobject").setLevel(logging.CRITICAL)
_NOISE = {"internet", "pref", "voice", "x400", "dom", "intl", "postal", "parcel"}


def read_vcards(path: Path, text: str) -> Sheet:
    """Every card of a .vcf file as one row; a card that cannot be read is set aside with the reason."""
    cards: list[tuple[int, dict[str, Any]]] = []
    skipped: list[tuple[int, str]] = []
    for line, chunk in _chunks(text):
        try:
            cards.append((line, _card(vobject.readOne(chunk, ignoreUnreadable=True))))
        except Exception as exc:  # vobject raises its own ParseError and plain ValueErrors for broken cards
            skipped.append((line, f"not a readable vCard ({str(exc).splitlines()[0][:80]})"))
    if not cards:
        raise InvalidInput(f"{path.name} holds no readable vCard.")
    counts = {label: max(len(card[label]) for _, card in cards) for _, label in _MANY}
    header = list(_SINGLE)
    for _, label in _MANY:
        for n in range(1, counts[label] + 1):
            header += [f"{label} {n}", f"{label} {n} type"]
    rows = []
    for line, card in cards:
        cells = [card.get(column, "") for column in _SINGLE]
        for _, label in _MANY:
            values = card[label] + [("", "")] * (counts[label] - len(card[label]))
            for value, kind in values:
                cells += [value, kind]
        rows.append((line, cells))
    return Sheet(None, header, rows, header_line=0, skipped=skipped, profile=VCARD)


def _chunks(text: str) -> list[tuple[int, str]]:
    """Each BEGIN:VCARD ... END:VCARD block with the line it starts on."""
    out, start, lines = [], None, text.splitlines()
    for number, line in enumerate(lines, start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            start = number
        elif upper == "END:VCARD" and start is not None:
            out.append((start, "\n".join(lines[start - 1:number]) + "\n"))
            start = None
    return out


def _card(card: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    contents = card.contents
    if "fn" in contents:
        out["Name"] = _text(contents["fn"][0].value)
    if "n" in contents and not isinstance(contents["n"][0].value, str):
        n = contents["n"][0].value
        out["First Name"] = " ".join(filter(None, (_text(n.given), _text(n.additional))))
        out["Last Name"] = _text(n.family)
    if "org" in contents:
        value = contents["org"][0].value
        out["Organization"] = " - ".join(filter(None, map(_text, value if isinstance(value, list) else [value])))
    for name, column in (("title", "Job Title"), ("note", "Note"), ("bday", "Birthday")):
        if name in contents:
            out[column] = "\n".join(_text(item.value) for item in contents[name] if _text(item.value))
    if "categories" in contents:
        out["Categories"] = ", ".join(_text(v) for item in contents["categories"]
                                      for v in (item.value if isinstance(item.value, list) else [item.value]))
    for name, label in _MANY:
        out[label] = [(_value(name, item.value), _kind(item)) for item in contents.get(name, [])
                      if _value(name, item.value)]
    return out


def _value(name: str, value: Any) -> str:
    if name == "adr" and not isinstance(value, str):
        town = " ".join(filter(None, (_text(value.code), _text(value.city))))
        parts = (value.box, value.extended, value.street, town, value.region, value.country)
        return ", ".join(filter(None, (_text(p) for p in parts)))
    text = _text(value)
    return re.sub(r"^(tel|mailto):", "", text, flags=re.IGNORECASE) if name in ("tel", "email") else text


def _kind(item: Any) -> str:
    kinds = [k.lower() for k in item.params.get("TYPE", []) for k in k.split(",")]
    kinds += [k.lower() for k in item.singletonparams]  # vCard 2.1: TEL;CELL:...
    return ", ".join(dict.fromkeys(k for k in kinds if k not in _NOISE))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_text(v) for v in value if _text(v))
    return str(value).strip() if value else ""
