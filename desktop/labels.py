"""Labels that explain: a muted hint under a form, and a one-line result that reads as fine or failed."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "hint")
    return label


def show_result(label: QLabel, ok: bool | None, text: str) -> None:
    """Set the text styled as a success (hint), a failure (error) or neutral (None)."""
    label.setProperty("role", "" if ok is None else ("hint" if ok else "error"))
    label.style().unpolish(label)  # the stylesheet reads the role property: apply it again
    label.style().polish(label)
    label.setText(text)


def phone_example(region: str) -> str:
    """A placeholder for a phone field: an example number of the region, nationally and with its code."""
    import phonenumbers  # only when a phone field is built: the import is slow

    number = phonenumbers.example_number(region)
    if number is None:
        return "with the country code, e.g. +1 201-555-0123"
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"{national} or {international}"
