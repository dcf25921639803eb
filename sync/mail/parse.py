"""Robust MIME parsing of raw message bytes into a plain, frozen `Mail`.

Pure: no network, no database, no Qt. Never fetches anything referenced by HTML.

The structure is parsed with the compat32 policy and headers are decoded here rather
than by `email.policy.default`: the default policy costs ~1.7 ms per message (its
header parser runs on every Content-Type), compat32 ~0.1 ms, and capture must classify
hundreds of messages a second. Decoding ourselves also lets us be lenient where the
stdlib raises (unknown charsets, broken base64 in encoded words). If the stdlib parser
fails outright we fall back to splitting headers by hand.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.parser
import email.policy
import email.utils
import functools
import hashlib
import quopri
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any

MAX_TEXT = 200_000  # chars of body text kept; capture bounds raw size separately
MAX_HTML_CONVERT = 1_000_000  # chars of HTML fed to the converter
MAX_HEADER = 20_000  # chars of a header value decoded (every pattern sees bounded input)
# A big message (a 40 MB attachment) is slimmed before parsing: parts that are not text keep
# their headers but lose a body above PART_BYTES, text parts keep their first TEXT_BYTES.
SLIM_ABOVE = 1_000_000
PART_BYTES = 65_536
TEXT_BYTES = 2 * MAX_HTML_CONVERT

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Mail:
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    from_name: str = ""
    from_addr: str = ""
    reply_to: tuple[tuple[str, str], ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False, repr=False)
    text: str = ""
    html: str | None = field(default=None, repr=False)
    is_report: bool = False
    content_types: tuple[str, ...] = ()  # every part's type, e.g. to spot text/calendar
    synthetic_id: bool = False


# --- header decoding -------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MSGID = re.compile(r"<([^<>\s]+)>")
_SURROGATE = re.compile("[\udc80-\udcff]")
# Fast path for the common "Name <addr>" / "addr" forms (matched on the stripped part; no two
# quantifiers can share a run of spaces, so it stays linear); anything with quotes, comments
# or groups goes through email.utils.getaddresses (10x slower).
_SIMPLE_ADDR = re.compile(r"([^<>@,]*)<([^<>\s@]+@[^<>\s@]+)>|([^<>\s@]+@[^<>\s@]+)")


def _codec(charset: str | None) -> str:
    """A usable codec name; unknown or missing charsets become utf-8."""
    if charset:
        cs = charset.strip().strip('"').lower().split("*", 1)[0]  # RFC 2231 language
        try:
            return codecs.lookup(cs).name
        except LookupError:
            pass
    return "utf-8"


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, then utf-8, then cp1252 (never raises)."""
    first = _codec(charset)
    for cs in dict.fromkeys((first, "utf-8")):
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError):
            continue
    # Mail that claims utf-8 but is really Windows-1252 is the common case here.
    return data.decode("cp1252" if first == "utf-8" else first, errors="replace")


def _decode_word(m: re.Match[str]) -> str:
    charset, enc, payload = m.group(1), m.group(2).lower(), m.group(3)
    try:
        if enc == "b":
            payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
            if len(payload) % 4 == 1:
                payload = payload[:-1]
            if not payload:
                return m.group(0)
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return m.group(0)
    return decode_bytes(data, charset)


def decode_header(value: str | None) -> str:
    """Unfold and decode RFC 2047 words and raw 8-bit bytes; lenient, never raises."""
    if not value:
        return ""
    value = str(value)[:MAX_HEADER]
    if _SURROGATE.search(value):  # raw 8-bit bytes kept by the parser
        value = decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")
    value = _FOLD.sub("", value)
    if "=?" in value:
        value = _BETWEEN_WORDS.sub(r"\1", value)  # whitespace between encoded words is dropped
        value = _ENCODED_WORD.sub(_decode_word, value)
    return value.replace("\r", " ").replace("\n", " ").strip()


def _addresses(raw: str | None) -> list[tuple[str, str]]:
    """(name, lowercased address) pairs; names decoded after splitting, so an encoded
    comma in a display name cannot split an address."""
    if not raw:
        return []
    raw = _FOLD.sub("", raw[:MAX_HEADER])
    if not any(c in raw for c in '"(;\\:'):
        simple = [_SIMPLE_ADDR.fullmatch(part.strip()) for part in raw.split(",")]
        if all(simple):
            return [
                (decode_header((m.group(1) or "").strip()), (m.group(2) or m.group(3)).lower())  # type: ignore[union-attr]
                for m in simple
            ]
    out = []
    pairs = email.utils.getaddresses([raw])
    if pairs == [("", "")] and "," in raw:
        # Pythons with the CVE-2023-27043 fix (3.11.10+, 3.12.6+, 3.13, Debian's 3.11.2) refuse a whole
        # header over one malformed address: keep the strict reading, one address at a time.
        pairs = [pair for part in raw.split(",") for pair in email.utils.getaddresses([part])]
    for name, addr in pairs:
        addr = decode_header(addr).strip().strip("<>").lower()
        if addr or name:
            out.append((decode_header(name).strip().strip('"').strip(), addr))
    return out


def _msgids(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    ids = _MSGID.findall(raw)
    if not ids and raw.strip():
        ids = raw.split()[:1]
    return tuple(f"<{i.strip('<>')}>" for i in ids)


def _date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # RFC 5322 "-0000": zone unknown, take UTC
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# --- HTML to text ----------------------------------------------------------------

_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul".split()
)
_SKIP = frozenset(("script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe"))


class _TextExtractor(HTMLParser):
    """Renders HTML as lines. A table row becomes one line with its cells joined by a
    tab, so "label | value" rows stay pairs for the form extractor. Only text is kept:
    nothing the HTML references (images, styles, frames) is ever loaded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.rows: list[list[str]] = []  # open table rows, innermost last
        self.skip = 0
        self.pre = 0

    def _text(self) -> str:
        text = "".join(self.cur)
        self.cur = []
        return text if self.pre else " ".join(text.split())

    def _cell(self) -> None:
        if not self.rows:  # a cell outside any row: keep its text for the next line
            self.cur.append(" ")
            return
        text = self._text()
        if text:
            self.rows[-1].append(text)

    def _emit_row(self) -> None:
        self._cell()
        if self.rows and self.rows[-1]:
            self.lines.append("\t".join(self.rows[-1]))
            self.rows[-1] = []

    def _newline(self) -> None:
        if self.rows:  # a block inside a cell keeps the cell on one line
            self.cur.append(" ")
        else:
            self.lines.append(self._text())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "table":
            self._emit_row() if self.rows else self._newline()  # nested table: outer text first
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell()
        elif tag == "pre":
            self._newline()
            self.pre += 1
        elif tag in _BLOCK:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th"):
            self._cell()
        elif tag == "tr":
            if self.rows:
                self._emit_row()
                self.rows.pop()
        elif tag == "table":
            while self.rows:  # unclosed rows
                self._emit_row()
                self.rows.pop()
        elif tag == "pre":
            self._newline()
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.cur.append(data)


_BLANKS = re.compile(r"\n{3,}")
# A "<" whose tag never closes before the next "<": text, not a tag. HTMLParser rescans an
# unclosed tag on every "<" after it (18 KB of "<a " took 2 s); each lookahead stops at the
# next "<" or ">", so this pass is linear.
_UNCLOSED = re.compile(r"<(?![^<>]*>)")


def html_to_text(html: str) -> str:
    """Plain text from HTML; table rows as tab-joined cells, scripts and styles dropped."""
    p = _TextExtractor()
    try:
        p.feed(_UNCLOSED.sub("&lt;", html[:MAX_HTML_CONVERT]))
        p.close()
    except Exception:  # HTMLParser is lenient, but never let odd markup stop a message
        pass
    while p.rows:
        p._emit_row()
        p.rows.pop()
    p._newline()
    text = "\n".join(line.strip() for line in p.lines)
    return _BLANKS.sub("\n\n", text).strip()


# --- body ------------------------------------------------------------------------


_B64_LINE = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")


def _b64(data: bytes) -> bytes:
    """Base64 that survives damage: if the whole body is not valid, decode the lines
    that are and drop the rest (never concatenate junk into the text)."""
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        pass
    good = b"".join(line for line in (x.strip() for x in data.splitlines()) if _B64_LINE.match(line))
    good = good.replace(b"=", b"")
    good = good[: len(good) - 1] if len(good) % 4 == 1 else good
    try:
        return base64.b64decode(good + b"=" * (-len(good) % 4))
    except (binascii.Error, ValueError):
        return b""


def _payload(part: Message) -> bytes:
    """Transfer-decoded bytes of a leaf part."""
    if str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        raw = part.get_payload()
        return _b64(raw.encode("ascii", "ignore")) if isinstance(raw, str) else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _walk(msg: Message) -> Iterator[tuple[Message, str]]:
    """(part, its content type) in order, not descending into attached messages (forwards, bounces).
    The type is read once: each header lookup scans the part's headers."""
    ctype = msg.get_content_type()
    yield msg, ctype
    if msg.is_multipart() and not ctype.startswith("message/"):
        for sub in msg.get_payload():
            if isinstance(sub, Message):
                yield from _walk(sub)


def _body(msg: Message) -> tuple[str, str | None, tuple[str, ...]]:
    """(plain text, HTML, every part's type: the message's own first)."""
    plain: str | None = None
    html: str | None = None
    types: list[str] = []
    for part, ctype in _walk(msg):
        types.append(ctype)
        if part.is_multipart() or ctype not in ("text/plain", "text/html"):
            continue
        disp = str(part.get("content-disposition", "")).split(";", 1)[0].strip().lower()
        if disp == "attachment":
            continue
        text = decode_bytes(_payload(part), part.get_content_charset())
        if ctype == "text/plain" and plain is None and text.strip():
            plain = text
        elif ctype == "text/html" and html is None and text.strip():
            html = text
    return plain if plain is not None else "", html, tuple(types)


# --- big messages ----------------------------------------------------------------


def slim(raw: bytes) -> bytes:
    """The message without what capture never reads: bodies of big non-text parts, text past TEXT_BYTES.

    The stdlib parser keeps every part as text, line by line: a 43 MB message cost 388 MB.
    This walks the MIME structure by its boundaries on the bytes as they are (no copy of a
    big part is made) and keeps every part's headers, so the part types stay known.
    """
    if len(raw) <= SLIM_ABOVE:
        return raw
    out: list[bytes] = []
    _slim_part(raw, 0, len(raw), out, 0)
    return b"".join(out)


def _header_end(raw: bytes, start: int, end: int) -> int | None:
    """Where the part's body starts (after the blank line), or None without one."""
    if raw.startswith((b"\r\n", b"\n"), start):
        return start + (2 if raw[start] == 13 else 1)
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep, start, end)) != -1]
    return min(ends) if ends else None


def _slim_part(raw: bytes, start: int, end: int, out: list[bytes], depth: int) -> None:
    body = _header_end(raw, start, end)
    if body is None or body - start > PART_BYTES:  # no body, or headers nobody writes: keep a bounded start
        _keep(raw, start, end, TEXT_BYTES, out)
        return
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[start:body])
    out.append(raw[start:body])
    boundary = head.get_boundary() if head.get_content_maintype() == "multipart" else None
    if boundary and depth < 20:
        _slim_multipart(raw, body, end, ("--" + boundary).encode("ascii", "replace"), out, depth)
    elif head.get_content_type() in ("text/plain", "text/html"):
        _keep(raw, body, end, TEXT_BYTES, out)
    else:
        _keep(raw, body, end, PART_BYTES, out)


def _keep(raw: bytes, start: int, end: int, most: int, out: list[bytes]) -> None:
    """A body if it is at most `most` bytes (text is cut there instead: pass TEXT_BYTES)."""
    if end - start <= most:
        out.append(raw[start:end])
    elif most == TEXT_BYTES:
        out.append(raw[start:start + most] + b"\r\n")
    else:
        out.append(b"\r\n")  # left out: the next boundary still starts a line


def _slim_multipart(raw: bytes, start: int, end: int, delimiter: bytes, out: list[bytes], depth: int) -> None:
    marks = []  # delimiter lines: at the start of a line
    at = raw.find(delimiter, start, end)
    while at != -1:
        if at == start or raw[at - 1] == 10:
            marks.append(at)
        at = raw.find(delimiter, at + len(delimiter), end)
    if not marks:  # a multipart without its parts: keep a bounded start
        _keep(raw, start, end, TEXT_BYTES, out)
        return
    _keep(raw, start, marks[0], PART_BYTES, out)  # the preamble
    for at, stop in zip(marks, [*marks[1:], end], strict=True):
        line = raw.find(b"\n", at, stop)
        if line == -1:
            out.append(raw[at:stop])
            continue
        out.append(raw[at:line + 1])
        if raw.startswith(delimiter + b"--", at):  # the closing delimiter: what follows is the epilogue
            _keep(raw, line + 1, stop, PART_BYTES, out)
        else:
            _slim_part(raw, line + 1, stop, out, depth + 1)


# --- message ---------------------------------------------------------------------


def _headers(msg: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in msg.raw_items():  # raw: 8-bit bytes stay decodable by us
        key = str(name).strip().lower()
        if key not in out:  # first occurrence wins: the one added last by our own MTA
            out[key] = _FOLD.sub("", value if isinstance(value, str) else str(value))
    return out


_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:[ \t]*(.*)$")
_FIELD_NAME = re.compile(r"[!-9;-~]+")  # the stdlib parser's field names: printable ASCII but ":"


class _OnePart(Message):
    """What _one_part builds. Reading it is reading a Message, but a field is found in a table of first
    occurrences (Message.get scans every field, and judging a message asks for fields some ten times)
    and the charset of a Content-Type is worked out once per distinct value. Never changed once built."""

    def __init__(self) -> None:
        super().__init__()
        self._first: dict[str, tuple[str, str]] = {}

    def set_raw(self, name: str, value: str) -> None:
        super().set_raw(name, value)
        self._first.setdefault(name.lower(), (name, value))

    def get(self, name: str, failobj: Any = None) -> Any:
        hit = self._first.get(name.lower())
        return failobj if hit is None else self.policy.header_fetch_parse(*hit)

    def get_content_charset(self, failobj: Any = None) -> Any:
        value = self.get("content-type")
        if not isinstance(value, str):  # none, or with 8-bit bytes (then a Header): the stdlib's way
            return super().get_content_charset(failobj)
        charset = _charset_of(value)
        return failobj if charset is None else charset


@functools.lru_cache(maxsize=256)
def _charset_of(content_type: str) -> str | None:
    """Message.get_content_charset of a message with this Content-Type (None without a charset)."""
    probe = Message()
    probe.set_raw("Content-Type", content_type)
    return probe.get_content_charset()


def _one_part(raw: bytes) -> Message | None:
    """A message of one part (its type neither multipart/ nor message/) with CRLF or LF line ends, built as
    the stdlib parser (compat32) builds it, or None: then the stdlib parser reads it. Its line-by-line
    reading cost as much as all the rest of judging a small message; most mail has a single part.
    Anything unusual (mixed line ends, a field the stdlib would count as a defect) goes the stdlib way."""
    eol = "\r\n" if raw.find(b"\r\n") == raw.find(b"\n") - 1 else "\n"
    end = raw.find(2 * eol.encode())
    if end <= 0 or raw.startswith(b"From "):
        return None
    lines = raw[:end].decode("ascii", "surrogateescape").split(eol)
    if any("\r" in line or "\n" in line for line in lines):
        return None
    msg = _OnePart()
    name, value = None, ""
    for line in lines:
        if line[:1] in (" ", "\t"):
            if name is None:
                return None
            value += eol + line
            continue
        if name is not None:
            msg.set_raw(name, value.rstrip("\r\n"))
        name, colon, value = line.partition(":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            return None
        value = value.lstrip(" \t")
    if name is not None:
        msg.set_raw(name, value.rstrip("\r\n"))
    if msg.get_content_maintype() in ("multipart", "message"):
        return None
    msg.set_payload(raw[end + 2 * len(eol):].decode("ascii", "surrogateescape"))
    return msg


def _manual(raw: bytes) -> tuple[dict[str, str], str]:
    """Last resort: headers split line by line, body decoded as utf-8/cp1252."""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    headers: dict[str, str] = {}
    last = None
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and last:
            headers[last] += " " + line.strip().decode("ascii", "surrogateescape")
            continue
        m = _HEADER_LINE.match(line)
        if m:
            last = m.group(1).decode("ascii").lower()
            headers.setdefault(last, m.group(2).decode("ascii", "surrogateescape"))
    return headers, decode_bytes(body, "utf-8")


def parse(raw: bytes) -> Mail:
    """Parse raw RFC 5322 bytes into a `Mail`. Tolerates malformed input."""
    raw = slim(raw)
    try:
        msg = _one_part(raw) or email.message_from_bytes(raw, policy=email.policy.compat32)
        headers = _headers(msg)
        text, html, types = _body(msg)
        is_report = types[0] == "multipart/report" and (
            str(msg.get_param("report-type", "")).lower() == "delivery-status"
        )
    except Exception:
        headers, text = _manual(raw)
        html, types, is_report = None, ("text/plain",), False
    if not text.strip() and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT]

    sender = _addresses(headers.get("from")) or [("", "")]
    if not sender[0][1] and headers.get("sender"):
        sender = _addresses(headers.get("sender")) or sender
    subject = decode_header(headers.get("subject"))
    ids = _msgids(headers.get("message-id"))
    synthetic = not ids
    if synthetic:
        key = "\0".join(
            (
                headers.get("date", ""),
                headers.get("from", ""),
                headers.get("to", ""),
                headers.get("subject", ""),
                text[:4096],
            )
        ).encode("utf-8", "surrogateescape")
        message_id = f"<{hashlib.sha256(key).hexdigest()}@leadbook.synthetic>"
    else:
        message_id = ids[0]
    in_reply_to = _msgids(headers.get("in-reply-to"))
    return Mail(
        message_id=message_id,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_msgids(headers.get("references")),
        from_name=sender[0][0],
        from_addr=sender[0][1],
        reply_to=tuple(_addresses(headers.get("reply-to"))),
        to=tuple(a for _, a in _addresses(headers.get("to")) if a),
        cc=tuple(a for _, a in _addresses(headers.get("cc")) if a),
        subject=subject,
        date=_date(headers.get("date")),
        headers=MappingProxyType(headers),
        text=text,
        html=html,
        is_report=is_report,
        content_types=types,
        synthetic_id=synthetic,
    )
