"""Strip quoted history and signatures from message text (pure, multilingual)."""

from __future__ import annotations

import functools
import re

# Attribution lines that start quoted history. The "On ... wrote:" family may wrap onto
# a second line, so each candidate is also tried joined with the following line.
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,240}\bwrote\s*:"
    r"|Am\b.{0,240}\bschrieb\b.{0,120}:"
    r"|Le\b.{0,240}\ba\s+[ée]crit\s*:"
    r"|El\b.{0,240}\bescribi[óo]\s*:"
    r"|Op\b.{0,240}\bschreef\b.{0,120}:"
    r"|Il\b.{0,240}\bha\s+scritto\s*:"
    r"|(?:Em|No\s+dia)\b.{0,240}\bescreveu\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Urspr[üu]ngliche Nachricht|Message d'origine|"
    r"Mensaje original|Oorspronkelijk bericht|Messaggio originale|Mensagem original)\s*-{2,}",
    re.IGNORECASE,
)
# Outlook's header block: "From:" followed within a few lines by "Sent:"/"Date:".
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Van|Da|Fra|Från)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(
    r"^\s*\*?(?:Sent|Date|Gesendet|Datum|Envoy[ée]|Enviado|Fecha|Verzonden|Verstuurd|Inviato|Data)\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_SIG_DASHES = re.compile(r"^--\s?$")
_SIG_MOBILE = re.compile(
    r"^\s*(?:Sent from my \w[\w ]{0,30}|Sent from (?:Mail|Outlook|Yahoo Mail)\b.*"
    r"|Get Outlook for \w+.*|Sent via \w[\w ]{0,30}"
    r"|Von meinem \w[\w ]{0,30} gesendet|Gesendet von meinem \w[\w ]{0,30}"
    r"|Envoy[ée] de mon \w[\w ]{0,30}|Enviado desde mi \w[\w ]{0,30}"
    r"|Verzonden (?:vanaf|met) mijn \w[\w ]{0,30}|Inviato da(?:l mio)? \w[\w ]{0,30}"
    r"|Enviado do meu \w[\w ]{0,30})\s*\.?\s*$",
    re.IGNORECASE,
)
_BLANKS = re.compile(r"\n{3,}")
LINE = 1_000  # chars: attributions, rules and signature markers are short; longer lines are never tested


@functools.lru_cache(maxsize=4)  # capture splits a message's text twice: to judge it, and to store it
def split_message(text: str) -> tuple[str, str, str]:
    """Split text into (body, signature, quoted history); each part may be empty."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)  # where quoted history starts
    for i, line in enumerate(lines):
        if not line or line[0] == ">" or len(line) > LINE:
            continue
        if _ORIGINAL.match(line) or _ATTRIBUTION.match(line):
            cut = i
            break
        if i + 1 < len(lines) and _ATTRIBUTION.match(line + " " + lines[i + 1][:LINE]):
            cut = i
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(x) for x in lines[i + 1 : i + 5]):
            cut = i - 1 if i and _RULE.match(lines[i - 1]) else i
            break
    head = lines[:cut]
    quoted = lines[cut:]
    sig_at = len(head)
    for i, line in enumerate(head):
        if len(line) <= LINE and (_SIG_DASHES.match(line) or _SIG_MOBILE.match(line)):
            sig_at = i
            break
    body = [x for x in head[:sig_at] if not x.startswith(">")]
    # A trailing "On ... wrote:" is gone with the history; interleaved quotes are dropped.
    quoted = [x for x in head[sig_at:] if x.startswith(">")] + quoted
    signature = [x for x in head[sig_at + 1 :] if not x.startswith(">")]  # without the marker
    return (_tidy(body), _tidy(signature), "\n".join(quoted).strip())


def _tidy(lines: list[str]) -> str:
    return _BLANKS.sub("\n\n", "\n".join(x.rstrip() for x in lines)).strip()


def strip_quotes_and_signature(text: str) -> str:
    """The author's own words: quoted history, "> " lines and signatures removed."""
    return split_message(text)[0]
