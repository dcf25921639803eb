"""Money as the user reads it: the currency setting (else the locale's), in the locale's own format.

Apart from widgets.py because QLocale's type, with its hundreds of languages and countries,
takes ~20 ms to load: Today paints without it.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QLocale

# The currency setting, as the views last loaded it (models.board.Choices.currency); None: the locale's.
_currency: str | None = None


def set_currency(code: str | None) -> None:
    global _currency
    _currency = code.strip().upper() if code and code.strip() else None


def locale_currency() -> str:
    """The currency of the desktop's locale (EUR for de_DE), else USD."""
    return QLocale().currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode) or "USD"


def currency() -> str:
    """The ISO code money is shown in: the setting, else the locale's."""
    return _currency or locale_currency()


@lru_cache(maxsize=16)
def _symbol(code: str) -> str:
    """'€' for EUR, '$' for USD, as the locales that use the currency write it; else the code itself."""
    for locale in QLocale.matchingLocales(QLocale.Language.AnyLanguage, QLocale.Script.AnyScript,
                                          QLocale.Country.AnyCountry):
        if locale.currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode) == code:
            if locale.territory() == QLocale.codeToTerritory(code[:2]):  # the issuer's own locale first
                return locale.currencySymbol(QLocale.CurrencySymbolFormat.CurrencySymbol)
    if code == "EUR":
        return "€"
    return code


def format_money(value: float | None) -> str:
    """An amount with its currency as the user's locale writes it: '€1,035,580', '1.035.580 €'."""
    if value is None:
        return ""
    decimals = 0 if float(value).is_integer() else 2
    locale = QLocale()
    if locale.language() == QLocale.Language.C:  # LANG=C writes "1035580$": read as US English
        locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return locale.toCurrencyString(float(value), _symbol(currency()), decimals)
