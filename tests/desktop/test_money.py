"""Money with its currency, written the way the user's locale writes it."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale

from desktop import money


@pytest.fixture
def locale_of(qapp):
    """Set Qt's default locale (e.g. 'de_DE') for one test; the currency setting unset."""
    before = QLocale()

    def use(name: str) -> None:
        QLocale.setDefault(QLocale(name))
    money.set_currency(None)
    yield use
    QLocale.setDefault(before)
    money.set_currency(None)


def test_currency_defaults_to_the_locale(locale_of):
    """Without a setting the currency is the locale's: EUR for de_DE, USD for en_US."""
    locale_of("de_DE")
    assert money.currency() == "EUR"
    assert money.format_money(1_035_580) == "1.035.580\u00a0€"
    locale_of("en_US")
    assert money.currency() == "USD"
    assert money.format_money(1_035_580) == "$1,035,580"


def test_the_currency_setting_wins_and_cents_show_only_when_there_are_some(locale_of):
    """A set currency is used in any locale; whole amounts have no decimals, others two."""
    locale_of("en_US")
    money.set_currency("eur")
    assert money.format_money(1_035_580) == "€1,035,580"
    assert money.format_money(12.5) == "€12.50"
    assert money.format_money(None) == ""
    locale_of("de_DE")
    money.set_currency("USD")
    assert money.format_money(12.5) == "12,50\u00a0$"
