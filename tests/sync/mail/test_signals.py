"""Tests for sync.mail.signals: the scored table that says whether text reads like an inquiry."""

import re

import pytest

from sync.mail.signals import HARD, PITCH, SCAN, SIGNALS, is_test_mail, judge


def test_patterns_are_lower_case():
    """Text is lowered before matching, so a pattern with an upper-case letter or class could never match."""
    for signal in SIGNALS:
        stripped = re.sub(r"\\[a-z]", "", signal.pattern.pattern)
        assert stripped == stripped.lower() and not re.search(r"\\[A-Z]", signal.pattern.pattern), signal.topic


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hi, do you do bathrooms? How much roughly? Tom", 6),
        ("Hallo, machen Sie auch Gartenpflege? Gruß Jens", 3),
        ("See you Saturday at the barbecue!", -1),
    ],
)
def test_score_adds_weights(text, expected):
    """The score is the sum of the weights of the signals found."""
    assert judge(text).score == expected


def test_each_signal_counts_once():
    """Repeating a phrase adds nothing: a signal counts once however often it matches."""
    assert judge("How much? How much? How much?").score == judge("How much?").score


def test_input_is_bounded():
    """Patterns see only the first SCAN characters of the texts given."""
    assert judge(" " * SCAN + " viagra").score == 0
    assert judge(" " * (SCAN - 10) + " viagra").score < 0
    assert judge("", "viagra").score < 0  # the subject and the text are judged together


def test_quotes_keep_the_original_case():
    """The reason quotes the matched words as written."""
    assert judge("Ein Angebot für Dachfenster, bitte").best() == "Angebot"


def test_against_names_the_heaviest_kind_and_its_topic():
    """The strongest negative kind wins, named with its first topic."""
    j = judge("I noticed your website is not on the first page of Google. Our SEO packages start at $99.")
    assert j.against() == (PITCH, 3 + 1 + 2 + 2, "SEO")
    assert j.against(HARD) == ("", 0, "")
    assert judge("Cheap viagra, best price").against(HARD)[:2] == ("spam", 5)


@pytest.mark.parametrize(
    "subject,text,expected",
    [
        ("test", "test", True),
        ("Testing 123", "", True),
        ("", "This is a test.", True),
        ("test", "test\n\ntest", True),
        ("", "", False),
        ("test", "Hi, can you test the gutters for leaks?", False),
        ("Roof test", "test", False),
    ],
)
def test_test_mail(subject, text, expected):
    """A test mail says "test" and nothing else."""
    assert is_test_mail(subject, text) is expected
