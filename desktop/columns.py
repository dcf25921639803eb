"""Text columns for the terminal: widths counted in terminal cells, so wide (CJK) characters line up."""
from __future__ import annotations

import unicodedata


def _width(char: str) -> int:
    """Terminal columns a character takes: 2 for wide East Asian ones, 0 for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell(text: str | None, width: int) -> str:
    """text in exactly `width` terminal columns: padded, or cut with "…" (wide characters count twice)."""
    text = " ".join((text or "").split())
    used = sum(map(_width, text))
    if used <= width:
        return text + " " * (width - used)
    out, used = "", 0
    for char in text:
        if used + _width(char) > width - 1:
            break
        out, used = out + char, used + _width(char)
    return out + "…" + " " * (width - 1 - used)
