"""Provider presets: the server of each provider, guessed from the address's domain."""
from __future__ import annotations

import pytest

from sync.mail import presets


@pytest.mark.parametrize("address, key, host", [
    ("anna@gmail.com", "gmail", "imap.gmail.com"),
    ("Anna@GoogleMail.COM ", "gmail", "imap.gmail.com"),
    ("bob@hotmail.de", "microsoft", "outlook.office365.com"),
    ("c@me.com", "icloud", "imap.mail.me.com"),
    ("d@ymail.com", "yahoo", "imap.mail.yahoo.com"),
    ("e@fastmail.fm", "fastmail", "imap.fastmail.com"),
    ("f@gmx.de", "gmx", "imap.gmx.net"),
    ("g@web.de", "gmx", "imap.web.de"),
])
def test_guess_finds_the_provider_and_its_server(address, key, host):
    """A known domain, in any case and with spaces around, names its provider and that domain's server."""
    preset = presets.guess(address)
    assert preset is not None and preset.key == key
    assert preset.host_for(address) == host and (preset.port, preset.security) == (993, "ssl")


@pytest.mark.parametrize("address", ["", "anna", "anna@", "anna@gmail", "anna@shop-example.com"])
def test_guess_is_none_for_an_unknown_or_unfinished_domain(address):
    """Until the domain is complete and known, nothing is guessed (the user's choice stays)."""
    assert presets.guess(address) is None


def test_every_preset_has_one_short_sentence_of_hint():
    """Each provider says what to do about passwords in one short sentence; Microsoft mentions OAuth."""
    for preset in presets.PRESETS:
        assert preset.hint.endswith(".") and preset.hint.count(". ") == 0 and len(preset.hint) <= 140, preset
    assert "OAuth" in presets.preset("microsoft").hint and "app password" in presets.preset("gmail").hint


def test_gmail_and_microsoft_sign_in_with_oauth():
    """The providers that turned IMAP passwords off choose OAuth; Gmail still takes app passwords, Microsoft none."""
    assert {p.key: p.oauth for p in presets.PRESETS if p.oauth} == {"gmail": "google", "microsoft": "microsoft"}
    assert presets.preset("gmail").password and not presets.preset("microsoft").password
    assert all(p.password for p in presets.PRESETS if not p.oauth)


def test_for_host_and_preset_fall_back_to_other():
    """A saved server maps back to its provider (both GMX servers too); anything else is Other."""
    assert presets.for_host("IMAP.web.de").key == "gmx" and presets.for_host("imap.gmail.com").key == "gmail"
    assert presets.for_host("mail.shop.example") is presets.OTHER and presets.for_host("") is presets.OTHER
    assert presets.preset("nope") is presets.OTHER and presets.OTHER.host == ""
