"""Tests for models.plural: one way to say how many."""

import pytest

from models.plural import counted


@pytest.mark.parametrize(("count", "noun", "plural", "expected"), [
    (0, "lead", None, "0 leads"),
    (1, "lead", None, "1 lead"),
    (2, "lead", None, "2 leads"),
    (12_345, "row", None, "12,345 rows"),
    (1, "other device", None, "1 other device"),
    (3, "inquiry", "inquiries", "3 inquiries"),
])
def test_counted(count, noun, plural, expected):
    assert counted(count, noun, plural) == expected
