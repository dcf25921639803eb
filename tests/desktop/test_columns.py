"""Terminal columns: counted in cells, so wide characters line up and a cut name ends in "…"."""
from __future__ import annotations

from desktop.columns import cell


def cells(text: str) -> int:
    return sum(2 if "\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7a3" else 1 for c in text)


def test_short_text_is_padded_to_the_width():
    """Latin and wide text both fill exactly the column; None is an empty column."""
    assert cell("Anna", 6) == "Anna  "
    assert cell("山田", 6) == "山田  " and cells(cell("山田", 6)) == 6
    assert cell(None, 3) == "   "


def test_long_text_is_cut_with_an_ellipsis_on_a_cell_boundary():
    """A cut keeps whole characters: a wide one that would straddle the edge goes, and a space pads."""
    assert cell("Alexandra Schmidt", 8) == "Alexand…"
    assert cell("山田太郎株式会社", 8) == "山田太… " and cells(cell("山田太郎株式会社", 8)) == 8
    assert cell("한국어 이름입니다", 7) == "한국어…"


def test_combining_accents_take_no_cell():
    """'José' written with a combining accent is four cells wide, like the precomposed one."""
    assert cell("Jose\u0301", 5) == "Jose\u0301 "
