"""Reading files to import as sheets of rows: CSV in any of the usual encodings and separators, every
sheet of an XLSX workbook, vCard. The header row is found below titles and blank rows; totals rows
are set aside, with the reason."""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .errors import InvalidInput
from .import_columns import header_score, key

Rows = list[tuple[int, list[str]]]


@dataclass
class Sheet:
    name: str | None  # the workbook's sheet name; None for CSV and vCard
    header: list[str]
    rows: Rows  # (line, cells), as wide as the header
    header_line: int = 1
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why): totals rows
    profile: str | None = None  # set by readers that know the layout (vCard)


def read_sheets(path: Path) -> list[Sheet]:
    """Every sheet of a file with its header and rows; InvalidInput when nothing can be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if not raw.strip():
        raise InvalidInput(f"{path.name} is empty.")
    # Decide by content, not by name: a workbook saved as .csv is still a workbook.
    if raw.startswith(b"PK\x03\x04"):
        tables = _xlsx_tables(path, raw)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        raise InvalidInput(f"{path.name} is not an Excel workbook (.xlsx) or it is damaged.")
    elif raw.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: legacy .xls or an encrypted workbook
        raise InvalidInput(f"{path.name} is an old-style .xls or password-protected workbook: save it as .xlsx or CSV.")
    else:
        encoding = _encoding(raw)
        if raw[:4096].decode(encoding, errors="ignore").lstrip()[:11].upper() == "BEGIN:VCARD":
            from . import vcard  # the vobject library loads only for vCards

            return [vcard.read_vcards(path, raw.decode(encoding, errors="replace"))]
        tables = [(None, _csv_rows(path, raw, encoding))]
    sheets = [sheet for name, table in tables if (sheet := _sheet(name, table)) is not None]
    if not sheets:
        raise InvalidInput(f"{path.name} has no header row.")
    if not any(sheet.rows for sheet in sheets):
        raise InvalidInput(f"{path.name} has a header but no rows to import.")
    return sheets


def read_rows(path: Path) -> tuple[list[str], Rows]:
    """The header and rows of a file's first sheet that has rows."""
    sheet = next(s for s in read_sheets(path) if s.rows)
    return sheet.header, sheet.rows


_TOTALS = re.compile(r"^(grand)?(total|totals|sum|summe|gesamt|insgesamt|gesamtsumme|totaal|totale|somme|suma"
                     r"|subtotal|zwischensumme)\d*$")


def _sheet(name: str | None, table: Rows) -> Sheet | None:
    table = [(line, cells) for line, cells in table if any(cells)]
    if not table:
        return None
    # The header is the row naming most known fields among the first rows (titles and notes come above it);
    # with none recognised, the first row as wide as the rows below it.
    head = table[:30]
    scores = [header_score(cells) for _, cells in head]
    if max(scores) > 0:
        index = scores.index(max(scores))
    else:
        widths = [sum(1 for c in cells if c) for _, cells in head]
        index = next(i for i, w in enumerate(widths) if w >= max(widths) // 2 + 1 or w == max(widths))
    header_line, header = table[index]
    header = _unique_header(header)
    width = len(header)
    sheet = Sheet(name, header, [], header_line)
    for line, cells in table[index + 1:]:
        if len(cells) != width:
            cells = (cells + [""] * width)[:width]
        first = next((c for c in cells if c), None)
        if first is None:
            continue
        if _TOTALS.match(key(first)) and "@" not in "".join(cells):
            sheet.skipped.append((line, f"a totals row ({first})"))
        else:
            sheet.rows.append((line, cells))
    return sheet


def _unique_header(cells: list[str]) -> list[str]:
    """Name blank header cells and tell repeated names apart, so every column has its own key."""
    out: list[str] = []
    for index, cell in enumerate(cells):
        name = cell or f"column {index + 1}"
        candidate, n = name, 2
        while candidate in out:
            candidate, n = f"{name} ({n})", n + 1
        out.append(candidate)
    return out


def _encoding(raw: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return encoding
    # Excel on Windows still writes "CSV" in the ANSI code page; cp1252 covers it, latin-1 never fails.
    for encoding in ("utf-8", "cp1252"):
        try:
            raw.decode(encoding)  # only to know it fits: the rows are decoded as they are read
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _csv_rows(path: Path, raw: bytes, encoding: str) -> Rows:
    head = raw[:65536].decode(encoding, errors="ignore")
    if "\x00" in head[:8192]:
        raise InvalidInput(f"{path.name} is not a CSV file (it contains binary data).")
    # The separator that splits some early line into the most known column names (a title above the header
    # has none; a note full of commas below it names no field); else the most frequent one in the widest line.
    lines = [line for line in head.splitlines()[:30] if line.strip()]
    named = {d: max(header_score([c.strip(' "') for c in line.split(d)]) for line in lines) for d in ",;\t"}
    if lines and max(named.values()) > 1:
        delimiter = max(",;\t", key=named.__getitem__)
    else:
        first = max(lines, key=lambda line: max(line.count(d) for d in ",;\t")) if lines else ""
        delimiter = max(",;\t", key=first.count)
    # Decoded while read, so the file is never held as text beside its rows.
    text = io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    rows: Rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, list(map(str.strip, cells))))
            start = reader.line_num + 1  # a quoted newline spans lines: report the row's first one
    except csv.Error as exc:
        raise InvalidInput(f"{path.name} is not a readable CSV file (line {start}: {exc}).") from None
    return rows


def _xlsx_tables(path: Path, raw: bytes) -> list[tuple[str, Rows]]:
    import openpyxl  # imported here: only imports and exports of workbooks pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            # min_row=1 makes openpyxl pad missing rows, so enumerate matches the sheet's row numbers
            return [(sheet.title, [(number, [_cell_text(v) for v in values]) for number, values in
                                   enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)])
                    for sheet in book.worksheets]
        finally:
            book.close()
    except Exception as exc:  # zipfile, XML parsers and openpyxl each raise their own kinds for a broken file
        raise InvalidInput(f"{path.name} is not a readable Excel workbook: it is damaged or truncated.") from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel becomes 49301234567.0
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()
