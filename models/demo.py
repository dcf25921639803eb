"""Demo data: a small service business's last ~18 months of leads, for trying Leadbook and benchmarks.

generate() fills the open database through models.writes.insert_many (the write path team
sync hooks) in one transaction. The history is plausible rather than random: old leads
are closed (won, or lost with a reason), recent ones are open in New, Contacted or Quoted,
every open lead has exactly one pending follow-up, and timelines run forward in time.
Only a handful of leads are unanswered or overdue, so Today stays a checklist at any size.
The same seed gives the same data; row ids are fresh uuid4s, so generating again adds leads.
"""
from __future__ import annotations

import math
import os
import random
import time
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from . import settings, stages, writes
from .clock import local_day_bounds, now
from .errors import RuleError
from .leads import RESPOND
from .tables import Activity, FollowUp, Lead, Member, database

DAY = 86400.0
HISTORY_DAYS = 540  # ~18 months
CHUNK = 2000  # leads generated and written per round

# Shares of the generated leads (open ones are ~12%: the recent end of the history).
OPEN_SHARE = 0.12
WON_SHARE = 0.3  # of the closed leads
# Shares of the open leads that need attention today; the rest have a next step ahead.
UNANSWERED, REPLIED, OVERDUE, DUE_TODAY, STALE = 0.008, 0.006, 0.025, 0.03, 0.015

# code: weight, calling code, mobile prefixes, (lowest, highest) number after the prefix,
# mail domains, web domain ending, company suffix, first names, last names (comma-separated when they
# contain spaces).
COUNTRIES: dict[str, tuple] = {
    "US": (30, "1", "212 310 312 415 512 617 303 206 404 713 305 602 615 503 919", (2_000_000, 9_999_999),
           "gmail.com yahoo.com outlook.com icloud.com comcast.net", "com", "LLC",
           "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Susan Daniel "
           "Jessica Matthew Sarah Ashley Brian Emily Kevin Tyler Megan",
           "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson "
           "Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark"),
    "CA": (7, "1", "416 604 514 403 613 780 902 647", (2_000_000, 9_999_999),
           "gmail.com rogers.com shaw.ca outlook.com", "ca", "Inc.",
           "Liam Olivia Noah Emma Ethan Chloe Lucas Charlotte Logan Amelia Nathan Sophie Owen Zoe "
           "Mathieu Élodie",
           "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin MacDonald Campbell Stewart "
           "Wong Singh Murphy Reid"),
    "GB": (12, "44", "740 741 742 743 746 747 751 753 755 757 771 772 773 775 777 780 784 786 788 790 "
           "792 794 796 798", (0, 9_999_999),
           "gmail.com hotmail.co.uk btinternet.com outlook.com yahoo.co.uk", "co.uk", "Ltd",
           "Oliver Amelia George Isla Harry Ava Jack Emily Charlie Sophie Thomas Grace Oscar Lily "
           "William Freya Alfie Poppy Henry Evie",
           "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
           "Walker White Roberts Green Hall Wood Hughes Clarke"),
    "IE": (3, "353", "83 85 86 87 89", (0, 9_999_999),
           "gmail.com eircom.net hotmail.com", "ie", "Ltd",
           "Seán Aoife Conor Ciara Patrick Niamh Darragh Saoirse Cian Róisín Liam Siobhán",
           "Murphy Kelly O'Sullivan Walsh Byrne Ryan O'Brien O'Connor Doyle McCarthy Gallagher Kennedy"),
    "AU": (6, "61", "400 401 402 403 404 405 406 407 408 409 410 411 412 413 414 415 416 417 418 419 "
           "420 421 422 423 424 425 427 428 430 431 432 433 434 438 447 448 450 451", (0, 999_999),
           "gmail.com bigpond.com outlook.com icloud.com", "com.au", "Pty Ltd",
           "Jack Charlotte Lachlan Olivia Cooper Mia Riley Isla Harrison Matilda Noah Ruby Mitchell "
           "Chloe Hamish Zara",
           "Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin White Anderson Walker "
           "Thompson Kelly Ryan Campbell"),
    "DE": (12, "49", "151 152 157 159 160 162 163 170 171 172 173 174 175 176 177 178 179",
           (0, 99_999_999),
           "gmx.de web.de t-online.de gmail.com outlook.de", "de", "GmbH",
           "Lukas Anna Jonas Laura Leon Julia Felix Lena Maximilian Sophie Paul Lea Jan Hannah Tim Katrin "
           "Jürgen Sabine Stefan Monika",
           "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
           "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann"),
    "FR": (8, "33", "60 61 62 64 65 66 67 68 73 74 75 76 77 78", (0, 9_999_999),
           "orange.fr free.fr gmail.com laposte.net sfr.fr", "fr", "SARL",
           "Lucas Emma Louis Chloé Hugo Léa Gabriel Manon Arthur Camille Jules Inès Nathan Juliette "
           "François Hélène",
           "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
           "Lefèvre Michel Garcia Fournier"),
    "ES": (6, "34", "6", (0, 99_999_999),
           "gmail.com hotmail.es yahoo.es telefonica.net", "es", "S.L.",
           "Hugo Lucía Martín Sofía Pablo María Daniel Paula Alejandro Carmen Javier Elena José Laura "
           "Álvaro Nuria",
           "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz "
           "Hernández Díaz Moreno Muñoz"),
    "IT": (6, "39", "320 328 329 331 333 334 335 338 339 340 345 346 347 348 349 366 388 389 392 393",
           (0, 9_999_999),
           "libero.it gmail.com virgilio.it alice.it tiscali.it", "it", "S.r.l.",
           "Francesco Giulia Alessandro Sofia Lorenzo Aurora Matteo Martina Andrea Chiara Marco "
           "Francesca Luca Elena Niccolò Beatrice",
           "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti "
           "Lombardi Costa Giordano"),
    "NL": (4, "31", "61 62 63 64 65 66 68", (0, 9_999_999),
           "gmail.com ziggo.nl kpnmail.nl hotmail.nl", "nl", "B.V.",
           "Daan Emma Sem Julia Lucas Sophie Milan Tess Levi Anna Finn Fleur Bram Sanne Thijs Lotte",
           "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, "
           "de Boer, Mulder, de Groot, Bos, Vos, Peters"),
}
COMPANY_WORDS = ("Dental", "Logistics", "Design", "Consulting", "Properties", "Bakery", "Architects", "Builders",
                 "Legal", "Media", "Motors", "Fitness", "Studio", "Hospitality", "Engineering", "Retail")

# source name, weight, marketplace relay domain ("" when replies go straight to the person)
SOURCES = [
    ("Website form (WPForms)", 16, ""), ("Contact Form 7", 10, ""), ("Direct email", 14, ""),
    ("Phone call", 10, ""), ("Referral", 9, ""), ("Google Local Services", 9, ""),
    ("Yelp", 8, "messaging.yelp.com"), ("Houzz", 7, "reply.houzz.com"),
    ("HomeAdvisor", 7, "leads.homeadvisor.com"), ("Thumbtack", 4, "reply.thumbtack.com"),
]
# service, typical job value (low, high)
SERVICES = [
    ("Kitchen remodel", 8000, 45000), ("Bathroom renovation", 5000, 25000), ("Roof repair", 400, 6000),
    ("Roof replacement", 8000, 30000), ("Wedding photography", 1500, 6000), ("Family portrait session", 200, 800),
    ("Website redesign", 2000, 15000), ("Logo and brand identity", 800, 5000), ("Deck building", 4000, 20000),
    ("Interior painting", 900, 7000), ("Exterior painting", 2500, 12000), ("HVAC installation", 4000, 15000),
    ("Plumbing repair", 150, 2000), ("Electrical rewiring", 2000, 12000), ("Landscape design", 1500, 20000),
    ("Tree removal", 300, 3000), ("Window replacement", 3000, 18000), ("Office cleaning contract", 1200, 9000),
    ("Event catering", 1000, 12000), ("Solar panel installation", 9000, 30000), ("Flooring installation", 1500, 10000),
]
MEMBERS = [("Sam Porter", "sam"), ("Alex Rivera", "alex"), ("Jordan Lee", "jordan")]
TEAM_DOMAIN = "brightside-services.example"

GREETINGS = ("Hi,", "Hello,", "Good morning,", "Hi there,", "Dear team,", "Hello!")
ASKS = (
    "I'm looking for a quote for {s} {w}.", "We need help with {s} {w}.",
    "Do you do {s}? We'd like to get it done {w}.", "Could you give me a price for {s}? Ideally {w}.",
    "A friend recommended you for {s}. Are you available {w}?",
)
WHEN = ("this spring", "before the end of the month", "as soon as possible", "in the next two months",
        "after the holidays", "this summer", "next month", "sometime this year")
DETAILS = (
    "The house was built in the seventies.", "Budget is flexible for the right quality.",
    "We'd like someone to come and have a look first.", "It's a fairly small job, I think.",
    "We already have drawings from an architect.", "Please call me in the evening if possible.",
    "We got two other quotes but would like a third.", "Parking is available on site.", "",
)
SIGN_OFFS = ("Thanks, {f}", "Best regards,\n{f} {l}", "Cheers, {f}", "Kind regards, {f}", "Thank you!\n{f}")
REPLIES_IN = (
    "Thanks for getting back to me so quickly. {d} works for us.", "Could you also include the materials in the price?",
    "We talked it over and have a few more questions about the timeline.", "Sorry for the slow reply, it's been busy.",
    "Sounds good. What do you need from us to get started?", "Is there any flexibility on the price?",
    "Here are the photos you asked for.", "Can we move the visit to later in the week?",
)
REPLIES_OUT = (
    "Thanks for your message about the {s}. When would suit you for a short call?",
    "Following up on my last email: are you still planning the {s}?",
    "Good question: the price includes materials and clearing up afterwards.",
    "I've attached a few photos of similar jobs we did recently.", "Thursday afternoon works for us, see you then.",
    "Just checking in: let me know if you have any questions about the quote.",
)
CALLS = ("Talked through the scope, they want a site visit.", "Left a voicemail.", "No answer, will try again.",
         "Discussed budget and timeline; decision in two weeks.", "Quick call to confirm the details.")
NOTES = ("Prefers email over phone.", "Neighbour of a previous customer.", "Needs the work done before a move-in date.",
         "Price sensitive: mention the payment plan.", "Asked for references.", "Access via the back gate.")
MEETINGS = ("Site visit: measured up and took photos.", "Met at the office to go through the options.",
            "Video call to walk through the proposal.")
TITLES = ("Follow up", "Call back", "Send quote", "Check on decision", "Confirm site visit")

# middle-of-the-conversation activities and their weights
KINDS = ("email_in", "email_out", "call", "note", "followup", "meeting")
KIND_WEIGHTS = (26, 24, 16, 12, 16, 6)
LOST_WEIGHTS = {"Price too high": 25, "Went with a competitor": 20, "No response": 30, "Not a fit": 10,
                "Bad timing": 10, "Other": 5}




def demo_folder(data_dir: Path) -> Path:
    """The separate, clearly named folder for trying Leadbook: 'Leadbook' -> 'Leadbook demo' beside it."""
    return data_dir.with_name(data_dir.name + " demo")


def _claim(force: bool) -> None:
    """Mark the open folder as a demo folder, or refuse one that holds real leads (unless forced)."""
    if settings.is_demo_folder():
        return
    if Lead.select().exists():
        if not force:
            raise RuleError("This data folder holds real leads: demo data would mix with them. Generate it in "
                            "another folder (--data-dir), or add --force to mix them anyway.")
        return  # forced into real data: the folder stays a real one
    settings.put(settings.DEMO_KEY, "1")


def generate(count: int = 300, seed: int | None = None,
             progress: Callable[[int, int], None] | None = None, force: bool = False) -> dict:
    """Add `count` realistic leads with their timelines and follow-ups; return what was added.

    The database must be open with its stages seeded. A folder holding real (non-demo) leads is
    refused (RuleError) unless `force`. `progress(done, count)` is called after each chunk.
    Returns {"leads", "activities", "followups", "seconds"}.
    """
    started = time.perf_counter()
    builder = _Builder(random.Random(seed))
    totals = {"leads": 0, "activities": 0, "followups": 0}
    with database.atomic():
        _claim(force)
        builder.prepare()
        categories = _categories(count, builder.rng)
        parts = -(-count // CHUNK)
        for part, first in enumerate(range(0, count, CHUNK)):
            leads, activities, followups = builder.build(categories[first:first + CHUNK], part, parts)
            totals["leads"] += writes.insert_many(Lead, leads, batch=CHUNK)
            totals["activities"] += writes.insert_many(Activity, activities, batch=CHUNK * 4)
            totals["followups"] += writes.insert_many(FollowUp, followups, batch=CHUNK * 2)
            if progress:
                progress(min(first + CHUNK, count), count)
        # Fresh planner statistics after a bulk load (sampled: milliseconds): without them SQLite
        # may pick a wide index over a tiny partial one, and Today slows down a hundredfold.
        database.execute_sql("PRAGMA analysis_limit = 400")
        database.execute_sql("ANALYZE")
        database.execute_sql("PRAGMA analysis_limit = 0")
    return dict(totals, seconds=round(time.perf_counter() - started, 2))


def _categories(count: int, rng: random.Random) -> list[str]:
    """What becomes of each lead, in random order: closed (won/lost) or open in some state."""
    if count <= 0:
        return []
    n_open = max(1, round(count * OPEN_SHARE))
    special = {name: max(1, round(n_open * share)) if count >= 20 else 0
               for name, share in (("new", UNANSWERED), ("replied", REPLIED), ("overdue", OVERDUE),
                                   ("due_today", DUE_TODAY), ("stale", STALE))}
    if count < 20:
        special["new"] = 1
    n_won = round((count - n_open) * WON_SHARE)
    cats = [name for name, n in special.items() for _ in range(n)]
    cats += ["open"] * max(0, n_open - len(cats)) + ["won"] * n_won
    cats += ["lost"] * (count - len(cats))
    rng.shuffle(cats)
    return cats


def _ascii(text: str) -> str:
    """A name as it would appear in an email address: 'Müller' -> 'mueller', "O'Brien" -> 'obrien'."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text if c.isalnum())


def _weights(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    items, cumulative, total = [], [], 0.0
    for item, weight in pairs:
        total += weight
        items.append(item)
        cumulative.append(total)
    return items, cumulative


def _uuid4s(n: int, part: int = 0, parts: int = 1) -> list[str]:
    """n random uuid4 strings from the part-th of `parts` equal slices of the id space, ascending.

    Rows inserted in key order fill SQLite's indexes almost like appending; random keys
    into million-row indexes make the whole run several times slower.
    """
    width = (1 << 32) // parts
    tops = [part * width + int.from_bytes(b, "big") % width for b in _split(os.urandom(4 * n), 4)]
    h = os.urandom(12 * n).hex()
    out = [f"{top:08x}-{h[j:j + 4]}-4{h[j + 4:j + 7]}-{'89ab'[int(h[j + 7], 16) & 3]}{h[j + 8:j + 11]}-"
           f"{h[j + 11:j + 23]}" for top, j in zip(tops, range(0, 24 * n, 24), strict=True)]
    out.sort()
    return out


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


class _Builder:
    """Turns categories into lead, activity and follow-up rows (plain dicts for insert_many)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        countries = []
        for code, (weight, calling, prefixes, span, mails, tld, suffix, firsts, lasts) in COUNTRIES.items():
            last_names = lasts.split(", ") if "," in lasts else lasts.split()
            countries.append(((code, calling, prefixes.split(), span, mails.split(), tld, suffix,
                               [(f, _ascii(f)) for f in firsts.split()],
                               [(n, _ascii(n)) for n in last_names]), weight))
        self.countries = _weights(countries)
        self.sources = _weights([((name, relay), w) for name, w, relay in SOURCES])
        self.kinds = _weights(list(zip(KINDS, KIND_WEIGHTS, strict=True)))
        rnd = rng.random  # rng.choice and rng.uniform cost ~1 µs a call; these a fifth of that
        self.pick: Callable[[Any], Any] = lambda seq: seq[int(rnd() * len(seq))]
        self.between: Callable[[float, float], float] = lambda low, high: low + (high - low) * rnd()

    def prepare(self) -> None:
        """Read the stages and lost reasons; make the team members (once per database)."""
        self.base = now().replace(microsecond=0)
        start, end = local_day_bounds()
        self.day_start, self.day_end = (start - self.base).total_seconds(), (end - self.base).total_seconds()
        opens = stages.open_stages()
        self.new, self.contacted = opens[0], opens[min(1, len(opens) - 1)]
        self.quoted = opens[min(2, len(opens) - 1)]
        self.won, self.lost = stages.closing_stage("won"), stages.closing_stage("lost")
        self.reasons = _weights([(r, LOST_WEIGHTS.get(r, 5)) for r in stages.lost_reasons()] or [("Other", 1)])
        members = [(m.id, m.name) for m in Member.select().order_by(Member.name)]
        if not members:
            rows = [{"id": member_id, "name": name, "email": f"{user}@{TEAM_DOMAIN}"}
                    for member_id, (name, user) in zip(_uuid4s(len(MEMBERS)), MEMBERS, strict=True)]
            writes.insert_many(Member, rows)
            members = [(row["id"], row["name"]) for row in rows]
        self.members = members

    def build(self, categories: list[str], part: int, parts: int) -> tuple[list[dict], list[dict], list[dict]]:
        """Rows for some leads; ids ascending within this part of the id space (see _uuid4s)."""
        leads: list[dict] = []
        activities: list[dict] = []
        followups: list[dict] = []
        for category, lead_id in zip(categories, _uuid4s(len(categories), part, parts), strict=True):
            self._lead(category, lead_id, leads, activities, followups)
        for rows in (activities, followups):
            for row, row_id in zip(rows, _uuid4s(len(rows), part, parts), strict=True):
                row["id"] = row_id
        return leads, activities, followups

    # -- one lead ---------------------------------------------------------------------------------

    def _person(self) -> dict[str, Any]:
        rng, pick = self.rng, self.pick
        (code, calling, prefixes, (low, high), mails, tld, suffix, firsts, lasts), = rng.choices(
            self.countries[0], cum_weights=self.countries[1])
        first, first_a = pick(firsts)
        last, last_a = pick(lasts)
        company = None
        if rng.random() < 0.35:
            firm = f"{pick(lasts)[0]} {pick(COMPANY_WORDS)}"
            company = f"{firm} {suffix}"
        if company and rng.random() < 0.7:
            domain = _ascii(firm) + "." + tld
            local = pick((first_a, f"{first_a}.{last_a}", f"{first_a[0]}.{last_a}", "info"))
        else:
            domain = pick(mails)
            local = pick((f"{first_a}.{last_a}", f"{first_a}{last_a}", f"{first_a[0]}{last_a}",
                                f"{first_a}_{last_a}", f"{last_a}.{first_a}", f"{first_a}{rng.randrange(60, 100)}"))
        email = f"{local}@{domain}"
        while email in self.emails:
            email = f"{local}{rng.randrange(2, 1000)}@{domain}"
        self.emails.add(email)
        phone = f"+{calling}{pick(prefixes)}{low + int(rng.random() * (high - low + 1)):0{len(str(high))}d}"
        while phone in self.phones:
            phone = f"+{calling}{pick(prefixes)}{low + int(rng.random() * (high - low + 1)):0{len(str(high))}d}"
        self.phones.add(phone)
        return {"name": f"{first} {last}", "first": first, "last": last, "email": email, "phone": phone,
                "company": company, "domain": domain}

    def _lead(self, category: str, lead_id: str, leads: list[dict], activities: list[dict],
              followups: list[dict]) -> None:
        rng, pick, between = self.rng, self.pick, self.between
        person = self._person()
        (source, relay), = rng.choices(self.sources[0], cum_weights=self.sources[1])
        service, low, high = pick(SERVICES)
        first = person["first"]
        email, phone = person["email"], person["phone"]
        if source == "Phone call" and rng.random() < 0.6:
            email = None
        elif relay and rng.random() < 0.5:
            email = None  # the marketplace hides the address; replies go through its relay
        elif rng.random() < 0.2:
            phone = None
        if email is None and phone is None:
            phone = person["phone"]
        owner = pick(self.members) if rng.random() < 0.9 else None
        me = (owner or pick(self.members))[1]
        ask = pick(ASKS).format(s=service.lower(), w=pick(WHEN))
        message = f"{pick(GREETINGS)}\n\n{ask} {pick(DETAILS)}\n\n" \
                  f"{pick(SIGN_OFFS).format(f=first, l=person['last'])}"
        fmt = {"s": service.lower(), "d": pick(("Tuesday", "Thursday", "Next week", "Friday morning"))}

        # The story: (seconds relative to now, kind, summary, body, follow-up done here or None).
        events: list[tuple] = []
        stage, status, value, reason, awaiting, closed = self.contacted, "open", None, None, None, None
        pending: tuple[str, float] | None = None  # (title, due)
        responded = category != "new"
        quoted = False
        if category == "new":
            created = -between(300, 20 * 3600)
            stage, responded, end = self.new, False, created
            pending = (RESPOND, created)
        elif category in ("won", "lost"):
            # closed some time ago (more often lately: the business grows), after a life of days to weeks
            end = -(HISTORY_DAYS * DAY * (1 - math.sqrt(rng.random())) + 3600)
            life = (rng.lognormvariate(2.6, 0.6) if category == "won" else rng.lognormvariate(2.2, 0.8)) * DAY
            created = end - min(life, 60 * DAY)
            status, closed = category, end
            if category == "won":
                stage, quoted = self.won, True
            else:
                stage = self.lost
                (reason,) = rng.choices(self.reasons[0], cum_weights=self.reasons[1])
                responded = rng.random() > 0.06
                quoted = responded and (reason in ("Price too high", "Went with a competitor") or rng.random() < 0.3)
        else:
            stage = self.quoted if rng.random() < 0.45 else self.contacted
            quoted = stage is self.quoted
            stale_days = stage.stale_days or 7
            if category == "overdue":
                due = self.day_start - between(0.05, 5) * DAY
                end = due - between(1, 4) * DAY
            elif category == "due_today":
                due = between(self.day_start, self.day_end)
                end = min(due, 0) - between(1, 4) * DAY
            elif category == "replied":
                end = -between(0.02, 2) * DAY
                due = end + between(1, 3) * DAY
                awaiting = end
            else:
                end = -between(0.02, 0.85 * stale_days) * DAY if category == "open" else \
                    -(stale_days + between(0.5, 20)) * DAY
                due = self.day_end + rng.expovariate(1 / 6) * DAY  # tomorrow or later, mostly soon
            pending = (pick(TITLES[2:] if quoted else TITLES[:3]), due)
            created = end - (rng.expovariate(1 / 10) + (5 if quoted else 1)) * DAY

        events.append((created, "created", f"Inquiry received via {source}", message, None))
        response = None
        if responded:
            delay = min(rng.lognormvariate(math.log(90 * 60), 1.4), 4 * DAY, (end - created) * 0.5)
            response = created + delay
            if rng.random() < 0.7 or not phone:
                events.append((response, "email_out", f"Re: {service}", REPLIES_OUT[0].format(**fmt), None))
            else:
                events.append((response, "call", "Call", pick(CALLS), None))
            events.append((response + 1, "stage", f"{self.new.name} → {self.contacted.name} (we replied)", None,
                           (RESPOND, created, created, "Replied")))
            # the middle of the conversation
            if category == "won":
                n = rng.randint(5, 11)
            elif category == "lost":
                n = rng.randint(1, 5)
            else:
                n = rng.randint(1, 5) + (2 if quoted else 0)
            times = sorted(between(response + 2, end) for _ in range(n))
            if category in ("open", "stale", "overdue", "due_today") and times:
                times[-1] = end
            kinds = rng.choices(self.kinds[0], cum_weights=self.kinds[1], k=n)
            if category == "replied":
                times.append(end)
                kinds.append("email_in")
            quote_at = (n * 2) // 5 if quoted else -1
            previous = response + 1
            for i, (t, kind) in enumerate(zip(times, kinds, strict=True)):
                if i == quote_at:
                    value = float(round(between(low, high), -1 if high < 3000 else -2))
                    events.append((t, "stage", f"{self.contacted.name} → {self.quoted.name}", None, None))
                    events.append((t + 1, "email_out", f"Quote: {service}",
                                   f"Please find our quote for the {service.lower()} attached: {value:,.0f}.",
                                   None))
                    t += 2
                if kind == "email_in":
                    if reason == "No response":
                        kind = "followup"
                    else:
                        events.append((t, kind, f"Re: {service}", pick(REPLIES_IN).format(**fmt), None))
                if kind == "email_out":
                    events.append((t, kind, f"Re: {service}", pick(REPLIES_OUT).format(**fmt), None))
                elif kind == "call":
                    events.append((t, kind, "Call", pick(CALLS), None))
                elif kind == "note":
                    events.append((t, kind, "Note", pick(NOTES), None))
                elif kind == "meeting":
                    events.append((t, kind, "Meeting", pick(MEETINGS), None))
                elif kind == "followup":
                    title = pick(TITLES)
                    due = max(previous, t - between(0, DAY))
                    events.append((t, kind, f"Done: {title}", None, (title, due, previous, None)))
                previous = t
        if status != "open":
            if status == "won":
                summary = f"{self.quoted.name} → {self.won.name}"
            else:
                summary = (f"{(self.quoted if quoted else self.contacted if responded else self.new).name} → "
                           f"{self.lost.name} ({reason})")
            events.append((max(end, events[-1][0] + 1), "stage", summary, None, None))

        # rows, with times forced strictly upwards
        base, delta = self.base, timedelta
        author_in = person["name"]
        last = -math.inf
        stage_at = created
        message_domain = person["domain"]
        for t, kind, summary, body, done in events:
            t = float(int(max(t, last + 1)))
            last = t
            at = base + delta(seconds=t)
            if kind == "stage":
                stage_at = t
            activities.append({
                "id": None, "lead": lead_id, "kind": kind, "at": at,
                "author": author_in if kind == "email_in" else ("" if kind == "created" else me),
                "summary": summary, "body": body,
                "message_id": f"<{rng.getrandbits(64):016x}@{message_domain if kind == 'email_in' else TEAM_DOMAIN}>"
                if kind in ("email_in", "email_out") else None,
            })
            if done is not None:
                title, due, scheduled, outcome = done
                followups.append({"id": None, "lead": lead_id, "title": title,
                                  "due": base + delta(seconds=int(min(due, t))), "done_at": at, "outcome": outcome,
                                  "created_at": base + delta(seconds=int(min(scheduled, t)))})
                if kind != "followup":  # the respond step is ticked off by the reply itself
                    activities.append({"id": None, "lead": lead_id, "kind": "followup", "at": at,
                                       "author": me, "summary": f"Done: {title}", "body": None, "message_id": None})
        if pending is not None:
            title, due = pending
            followups.append({"id": None, "lead": lead_id, "title": title,
                              "due": base + delta(seconds=int(max(due, created))), "done_at": None, "outcome": None,
                              "created_at": base + delta(seconds=int(last))})
        leads.append({
            "id": lead_id, "name": person["name"], "email": email, "phone": phone, "company": person["company"],
            "source": source, "service": service, "message": message, "stage": stage.id, "status": status,
            "owner": owner[0] if owner else None, "value": value, "lost_reason": reason,
            "relay": f"{rng.getrandbits(48):012x}@{relay}" if relay else None,
            "created_at": base + delta(seconds=int(created)), "stage_changed_at": base + delta(seconds=stage_at),
            "first_response_at": None if response is None else base + delta(seconds=int(max(response, created + 1))),
            "last_activity_at": base + delta(seconds=last),
            "awaiting_since": None if awaiting is None else base + delta(seconds=last),
            "closed_at": None if closed is None else base + delta(seconds=last), "merged_into": None,
        })
