"""Tests for sync.mail.signals: the scored table that says whether text reads like an inquiry."""

import random
import re
from pathlib import Path

import pytest

from sync.mail.parse import parse
from sync.mail.signals import HARD, PITCH, SCAN, SIGNALS, Judgement, is_test_mail, judge, needs

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
    words = sorted({w for s in SIGNALS for w in re.findall(r"[^\W\d_][\w'-]*|\d+|[$€£?%]", s.pattern.pattern)})
    rng = random.Random(10)
    ends = ["", "", " ", "s", "?", ".", "ing", "'s", "\n", "-"]
    texts += [" ".join(rng.choice(words) + rng.choice(ends) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    return texts


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\bquote|pric(?:ing|es|e)|costs?\b", {"quote", "pricing", "prices", "price", "cost", "costs"}),
    (r"cu[áa]nto|how much", {"cuánto", "cuanto", "how much"}),  # a small class: both spellings
    (r"\b(?:da|dr) ?(?:\d{2}|\+)", {"da", "da ", "dr", "dr "}),  # fixed strings join up, "?" too
    (r"do (?!know|think)[a-z]+", {"do "}),  # lookarounds and \b take no characters
    (r"(?:more )?info(?:rmation)? about", {"info about", "information about", "more info about",
                                          "more information about"}),
    (r"[a-zäöü]+en sie auch", {"en sie auch"}),  # the longest run, wherever it is
    (r"\w+ing|\?", {"ing", "?"}),
    (r"\w+|\?", None),  # a branch without any fixed string: always searched
    (r"a(?:b|c\w+)d", {"a"}),  # a group that holds no fixed string ends the run
    (r"x$|xx+\b|mum", {"x", "mum"}),
    (r"(?i:price) list", {" list"}),  # either case: "PRICE" would match, so only what follows counts
    (r"(?i:quote)", None),
])
def test_needs_finds_strings_every_match_holds(pattern, expected):
    from re import _parser

    found = needs(_parser.parse(pattern).data)
    assert (found and set(found)) == expected


def test_every_match_holds_one_of_its_needs():
    """What judge relies on: where a signal matches, one of its needs() is inside the match."""
    from re import _parser

    strings = [needs(_parser.parse(s.pattern.pattern).data) for s in SIGNALS]
    assert sum(s is None for s in strings) <= 1  # nearly every signal is searched only where it can match
    for text in _texts():
        for signal, wanted in zip(SIGNALS, strings, strict=True):
            for m in signal.pattern.finditer(text):
                assert wanted is None or any(w in m.group() for w in wanted), (signal.topic, m.group())


def test_judge_finds_what_a_plain_search_finds():
    """judge, searching only the signals whose strings it found, gives the very hits, in order and with their
    text, of searching every pattern in turn."""
    for text in _texts():
        plain = tuple((s, text[m.start() : m.end()]) for s in SIGNALS if (m := s.pattern.search(text)))
        assert judge(text) == Judgement(plain), text[:80]


def test_a_signal_without_fixed_strings_is_searched_always(monkeypatch):
    from sync.mail import signals

    table = (signals.Signal(1, "inquiry", "please", re.compile(r"\bplease\b")),
             signals.Signal(2, "inquiry", "long word", re.compile(r"\b[a-z]{12,}\b")))
    words, always = signals._words(table)
    for name, value in (("SIGNALS", table), ("_WORDS", words), ("_ALWAYS", always)):
        monkeypatch.setattr(signals, name, value)
    assert always == {1}
    assert judge("an extraordinary job").hits == ((table[1], "extraordinary"),)
    assert signals._words((table[0], signals.Signal(1, "inquiry", "", re.compile("(?i)ſ"))))[1] == {1}
