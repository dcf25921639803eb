"""How a count reads in a message: "1 lead", "2,000 leads" (one rule for every screen and command)."""
from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """The count with thousands separators and the noun in the number it needs ("s" added unless given)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
