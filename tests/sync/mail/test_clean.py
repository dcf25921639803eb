"""sync.mail.clean on hostile text: its patterns only ever see short lines."""
from __future__ import annotations

import time

from sync.mail.clean import LINE, strip_quotes_and_signature


def test_lines_longer_than_any_marker_are_text():
    """A 200 KB paragraph starting like a mobile signature is the message, not its signature; at once."""
    paragraph = "Sent from Mail order catalogues, " + "we need a quote for the roof " * 7_000
    start = time.perf_counter()
    assert strip_quotes_and_signature(f"Hello\n{paragraph}\n> quoted") == f"Hello\n{paragraph.rstrip()}"
    assert time.perf_counter() - start < 0.5 and len(paragraph) > LINE
    assert strip_quotes_and_signature("Hello\nSent from Mail\n> quoted") == "Hello"
    assert strip_quotes_and_signature("Hello\nOn Monday, Ann wrote:\n> quoted") == "Hello"
