"""Normalising contact data on the way in, so duplicates can be caught."""
from __future__ import annotations

import re
from functools import lru_cache

from .errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def normalise_email(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    email = value.strip().strip("<>").lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"'{value}' is not an email address.")
    return email


def normalise_phone(value: str | None, region: str) -> str | None:
    """E.164 (+4930123456); a number that cannot be a phone number is refused."""
    if not value or not value.strip():
        return None
    e164 = _e164(value, region)
    if e164 is None:
        raise InvalidInput(f"'{value}' is not a phone number.")
    return e164


@lru_cache(maxsize=4096)  # ~30 µs a number: imports and mail passes see the same numbers again and again
def _e164(value: str, region: str) -> str | None:
    import phonenumbers  # here, not at the top: ~15 ms of start-up the first window does not need

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """International format for display: +49 30 123456."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
