"""The Insights report as a file: every figure a row, CSV and XLSX, formulas kept as text."""
from __future__ import annotations

import csv

import pytest

from models import insights, leads
from models.errors import InvalidInput
from models.report_file import HEADER, report_rows, write_report


@pytest.fixture
def report(store):
    leads.add_lead("Ann", email="ann@example.com", source="=cmd|' /C calc'!A0")
    leads.add_lead("Ben", email="ben@example.com", source="Website")
    return insights.report(insights.last_days(30))


def test_every_figure_is_a_row_named_by_section_row_and_figure(report):
    """Lists are named by their first field; the received count and each source's counts are there."""
    rows = {(section, row, figure): value for section, row, figure, value in report_rows(report)}
    assert rows[("received", "", "")] == 2
    assert rows[("sources", "Website", "received")] == 1
    assert rows[("response", "", "never")] == 2


def test_csv_quotes_every_field_and_keeps_a_formula_as_text(report, tmp_path):
    """The CSV opens in Excel as text: a source that looks like a formula starts with an apostrophe."""
    path = tmp_path / "insights.csv"
    count = write_report(path, report)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == HEADER and len(rows) == count + 1
    assert ["sources", "'=cmd|' /C calc'!A0", "received", "1"] in rows
    assert all(line.startswith('"') for line in path.read_text(encoding="utf-8-sig").splitlines())


def test_xlsx_and_a_wrong_suffix(report, tmp_path):
    """XLSX holds the same rows; any other suffix is refused, naming the file."""
    from openpyxl import load_workbook

    path = tmp_path / "insights.xlsx"
    count = write_report(path, report)
    sheet = load_workbook(path).active
    assert sheet.max_row == count + 1 and sheet.cell(1, 1).value == "section"
    with pytest.raises(InvalidInput, match="'insights.pdf'"):
        write_report(tmp_path / "insights.pdf", report)
