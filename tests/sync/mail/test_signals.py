"""Tests for sync.mail.signals: the scored table that says whether text reads like an inquiry."""

import random
import re
from pathlib import Path

import pytest

from sync.mail.parse import parse
from sync.mail.signals import HARD, PITCH, SCAN, SIGNALS, Judgement, factored, is_test_mail, judge

MESSAGES = Path(__file__).parent / "messages"


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


def _texts() -> list[str]:
    """Every message of the corpus, lowered, and texts glued from the patterns' own words (near misses,
    overlaps, words at the very start and end)."""
    texts = []
    for path in sorted(MESSAGES.rglob("*.eml")):
        mail = parse(path.read_bytes())
        texts.append(f"{mail.subject}\n{mail.text}".lower()[:SCAN])
    words = sorted({w for s in SIGNALS for w in re.findall(r"[^\W\d_][\w'-]*|\d+|[$€£?%]", s.written)})
    rng = random.Random(10)
    ends = ["", "", " ", "s", "?", ".", "ing", "'s", "\n", "-"]
    texts += [" ".join(rng.choice(words) + rng.choice(ends) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    return texts


def test_factoring_keeps_every_match():
    """factored() joins branches under shared first characters, keeping which branch matches first."""
    assert factored("cost|could|costs?\\b|c") == "c(?:o(?:s(?:t(?:|s?\\b))|uld)|)"
    assert factored("ab|[xa]c|ad") == "ab|[xa]c|ad"  # nothing moves across a class
    for text in _texts():
        for signal in SIGNALS:
            found, plain = signal.pattern.search(text), re.search(signal.written, text)
            assert (found and found.span()) == (plain and plain.span()), (signal.topic, text[:80])


def test_judge_finds_what_a_plain_search_finds():
    """judge's unions and factored patterns give the very hits, in order and with their text, of
    searching each written pattern in turn."""
    for text in _texts():
        plain = tuple((s, text[m.start() : m.end()]) for s in SIGNALS if (m := re.search(s.written, text)))
        assert judge(text) == Judgement(plain), text[:80]
