"""What an imported cell says: status words as Leadbook stages, dates, several values in one cell."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from . import stages
from .clock import to_utc
from .errors import InvalidInput
from .import_columns import key

# Status words of the tools people move from, and everyday words, as steps of Leadbook's pipeline:
# new (the first open stage), contacted (the second), quoted (the last open one), won, lost.
_WORDS = {
    "new": "new neu nouveau nouvelle nuevo nueva nieuw nuovo novo lead leadin subscriber opennotcontacted "
           "notcontacted open offen ouvert abierto notstarted prospect prospekt interessent active aktiv anfrage "
           "inquiry enquiry pending",
    "contacted": "contacted kontaktiert contacte contactado contactada gecontacteerd contattato workingcontacted "
                 "working inprogress attemptedtocontact connected contactmade contactinfuture prequalified "
                 "qualified marketingqualifiedlead salesqualifiedlead mql sql opendeal needsdefined demoscheduled "
                 "qualifiedtobuy inbearbeitung inbehandeling encours enproceso followup nachfassen meetingscheduled "
                 "appointmentscheduled termin",
    "quoted": "quoted angebot angebotgesendet angeboterstellt angebotverschickt offer proposal proposalmade "
              "negotiation negotiationsstarted opportunity devis devisenvoye presupuesto presupuestoenviado offerte "
              "offerteverstuurd cotizado preventivo presentationscheduled decisionmakerboughtin contractsent "
              "verhandlung",
    "won": "won gewonnen gagne ganado vinto ganho customer kunde client cliente klant closedwon closedconverted "
           "converted evangelist auftrag auftragerteilt beauftragt signed sold verkauft vendu vendido",
    "lost": "lost verloren perdu perdue perdido perdida perso perdido closedlost closednotconverted lostlead "
            "absage abgesagt cancelled canceled storniert annule cancelado",
}
# Lost with a reason the default lost reasons know.
_LOST_BECAUSE = {
    "unqualified": "Not a fit", "notqualified": "Not a fit", "junklead": "Not a fit", "disqualified": "Not a fit",
    "nichtqualifiziert": "Not a fit", "badtiming": "Bad timing", "noresponse": "No response",
    "keineantwort": "No response",
}
_STEP = {word: step for step, words in _WORDS.items() for word in words.split()}


@dataclass(frozen=True)
class Placed:
    stage: str  # a stage's name
    kind: str  # open | won | lost
    reason: str | None = None  # for lost


class StageWords:
    """Places status words on this database's stages; the user's own mapping comes first."""

    def __init__(self, user: dict[str, str] | None = None) -> None:
        all_stages = stages.all_stages()
        self.by_name = {stage.name.casefold(): Placed(stage.name, stage.kind) for stage in all_stages}
        opened = [stage for stage in all_stages if stage.kind == "open"]
        step = {"new": opened[0], "contacted": opened[min(1, len(opened) - 1)], "quoted": opened[-1]}
        for kind in ("won", "lost"):
            step[kind] = next((s for s in all_stages if s.kind == kind), opened[0])
        self.steps = {name: Placed(stage.name, stage.kind) for name, stage in step.items()}
        for kind in ("open", "won", "lost"):  # the kind's first stage, as the old importer read open/won/lost
            self.by_name.setdefault(kind, self.steps["new" if kind == "open" else kind])
        self.user = {key(word): self.place_target(target) for word, target in (user or {}).items()}

    def place_target(self, target: str) -> Placed:
        """What the user maps a word to: a stage's name, or open, won or lost."""
        placed = self.by_name.get(target.strip().casefold())
        if placed is None:
            names = ", ".join(sorted({p.stage for p in self.by_name.values()}))
            raise InvalidInput(f"'{target}' is not a stage: use one of {names} (or open, won, lost).")
        return placed

    def place(self, word: str) -> Placed | None:
        """The stage a status word means, or None when it cannot be placed."""
        k = key(word)
        if k in self.user:
            return self.user[k]
        placed = self.by_name.get(word.strip().casefold())
        if placed is not None:
            return placed
        if k in _LOST_BECAUSE:
            return Placed(self.steps["lost"].stage, self.steps["lost"].kind, _LOST_BECAUSE[k])
        step = _STEP.get(k)
        return self.steps[step] if step else None


def best(placed: list[Placed], first: str) -> Placed | None:
    """Of several status columns (Pipedrive's stage and status), a closing word wins, then a stage past the first."""
    return (next((p for p in placed if p.kind != "open"), None) or next((p for p in placed if p.stage != first), None)
            or (placed[0] if placed else None))


# --- dates --------------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})"
                   r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?$")
_TEXT_FORMATS = ("%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y", "%d %b %Y %H:%M", "%d %b %Y",
                 "%B %d, %Y", "%d %B %Y")


def when(text: str, region: str) -> datetime:
    """A spreadsheet or CRM date (ISO, Salesforce's +0000, 31.12.2024, 12/31/2024 08:15 AM, Mar 1, 2024)
    as stored UTC; a bare date means 09:00 local."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00")))
        bare = len(text) == 10
    except ValueError:
        parsed, bare = _numeric(text, region)
    if bare:
        parsed = datetime.combine(parsed.date(), time(9))  # as models.clock.parse_when reads a bare date
    return to_utc(parsed)


def _numeric(text: str, region: str) -> tuple[datetime, bool]:
    match = _DATE.match(text)
    if not match:
        for pattern in _TEXT_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
            except ValueError:
                continue
            return parsed, "%H" not in pattern and "%I" not in pattern
        raise InvalidInput(f"'{text}' is not a date")
    a, b, c = (int(match[i]) for i in (1, 2, 3))
    if len(match[1]) == 4:
        year, month, day = a, b, c
    elif "." in text or a > 12 or (b <= 12 and region != "US"):
        day, month, year = a, b, c
    else:
        month, day, year = a, b, c
    year += 2000 if year < 100 else 0
    hour, minute, second = (int(match[i] or 0) for i in (4, 5, 6))
    if match[7]:
        hour = hour % 12 + (12 if match[7].lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second), match[4] is None
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date") from None


# --- cells --------------------------------------------------------------------------------------

_SEVERAL = re.compile(r"\s*(?:[;,|\n]| / | ::: )\s*")
EMPTY = {"0/0/00", "00.00.0000", "n/a", "N/A", "-", "--", "none", "None", "null", "NULL"}


def values_of(cell: str, separator: str | None) -> list[str]:
    """A cell's values: split by the export's separator (Google's ' ::: '), or as it is."""
    if separator and separator in cell:
        return [v.strip() for v in cell.split(separator) if v.strip()]
    return [cell]


def split_loose(cell: str) -> list[str]:
    """Two numbers or addresses typed into one cell ('030 123 / 0171 456', 'a@x.de; b@y.de')."""
    return [v for v in _SEVERAL.split(cell) if v]


_TAGS = re.compile(r'",\s*"|\s*:::\s*|;')


def tags(cell: str) -> str:
    """Mailchimp writes tags as '"VIP","Blog"'; Google labels start with '* myContacts': plain words instead."""
    words = [w.strip().strip('"').strip() for w in _TAGS.split(cell)]
    return ", ".join(w for w in words if w and not w.startswith("* "))
