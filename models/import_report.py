"""What an import plan will do, as lines for the command line and as JSON."""
from __future__ import annotations

from typing import Any

from .importing import ImportPlan, ImportResult

SHOWN = 20  # warnings and rejected rows listed one by one; the rest are counted


def counts(plan: ImportPlan) -> dict[str, int]:
    return {action: sum(1 for r in plan.rows if r.action == action) for action in ("add", "merge", "skip")}


def summary(plan: ImportPlan, result: ImportResult | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "profile": plan.profile, "mapping": plan.mapping, "kept": list(plan.kept), "ignored": list(plan.ignored),
        **counts(plan),
        "rejected": [{"line": line, "reason": why} for line, why in plan.rejected],
        "warnings": [{"line": line, "column": column, "warning": text} for line, column, text in plan.warnings],
        "unknown_values": plan.unknown,
        "skipped_rows": [{"line": line, "reason": why} for line, why in plan.skipped_rows],
        "sheets": [{"name": s.name, "imported": s.used, "rows": s.rows, "why": s.why} for s in plan.sheets],
    }
    if result is not None:
        data |= {"added": result.added, "merged": result.merged, "skipped": result.skipped}
    return data


def describe(plan: ImportPlan) -> list[str]:
    """The plan in plain lines: the export it looks like, where each column goes, what needs a look."""
    lines = [f"Looks like a {plan.profile} export." if plan.profile else "A spreadsheet of your own."]
    for sheet in plan.sheets:
        state = "imported" if sheet.used else "not imported"
        lines.append(f"Sheet '{sheet.name}' ({sheet.rows} rows): {state}, {sheet.why}.")
    lines.append("Columns: " + ", ".join(f"{column} → {field}" for column, field in plan.mapping.items()))
    if plan.kept:
        lines.append("Kept on each lead's timeline, in its first entry: " + ", ".join(plan.kept))
    if plan.ignored:
        lines.append("Ignored columns: " + ", ".join(plan.ignored))
    for column, words in plan.unknown.items():
        listed = ", ".join(f"{word} ({n})" for word, n in words.items())
        example = next(iter(words))
        lines.append(f"Status words of '{column}' that are not stages (these leads come in as new; map them with "
                     f"--map-value \"{column}:{example}=STAGE\"): {listed}")
    lines += [f"Skipped line {line}: {why}" for line, why in plan.skipped_rows]
    lines += [f"Line {line}, {column}: {text}" for line, column, text in plan.warnings[:SHOWN]]
    if len(plan.warnings) > SHOWN:
        lines.append(f"... and {len(plan.warnings) - SHOWN} more cells left blank.")
    lines += [f"Rejected line {line}: {why}" for line, why in plan.rejected[:SHOWN]]
    if len(plan.rejected) > SHOWN:
        lines.append(f"... and {len(plan.rejected) - SHOWN} more rejected rows.")
    return lines
