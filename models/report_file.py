"""The Insights report as a spreadsheet: one row per figure (section, row, figure, value), CSV or XLSX.

Built from insights.report_record, so the file says exactly what `leadbook report --json` says;
text cells pass the same formula guard as the lead export (a source named '=cmd|…' stays text).
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from .errors import InvalidInput
from .export import neutralise
from .insights import Report, report_record

HEADER = ("section", "row", "figure", "value")


def report_rows(result: Report) -> list[tuple[str, str, str, Any]]:
    """(section, row, figure, value) for every figure; a list's row is named by its first field."""
    rows: list[tuple[str, str, str, Any]] = []

    def listed(section: str, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            name, *_ = entry.values()
            rows.extend((section, str(name), figure, value) for figure, value in list(entry.items())[1:])

    for section, part in report_record(result).items():
        if isinstance(part, dict):
            for figure, value in part.items():
                if isinstance(value, list):  # followup.overdue_by_day: a row per day
                    listed(f"{section}.{figure}", value)
                else:
                    rows.append((section, "", figure, value))
        elif isinstance(part, list):
            listed(section, part)
        else:
            rows.append((section, "", "", part))
    return rows


def write_report(path: Path, result: Report) -> int:
    """Write the report to path (.csv or .xlsx, by its suffix); returns the number of figures written."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"'{path.name}' is neither .csv nor .xlsx: name the file with one of those.")
    rows = [tuple(neutralise(v, inner=fmt == "csv") for v in row) for row in report_rows(result)]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:  # Excel reads UTF-8 only after a BOM
            writer = csv.writer(out, quoting=csv.QUOTE_ALL)
            writer.writerow(HEADER)
            writer.writerows(rows)
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Insights")
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        book.save(path)
    return len(rows)
