"""Does a message read like an inquiry? A small table of scored signals.

Each signal is a pattern with a weight: positive for what customers write ("how much",
"could you come"), negative for what pitches, spam, phishing and newsletters write ("I
noticed your website", "reply STOP", "bitcoin", "account suspended"). `judge` adds up the
weights of the signals found (each counts once), and classify turns the sum into a
verdict. Patterns are lower case and see at most SCAN characters: the subject and the
start of the text, so no input can make them slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as _c  # the parsed form of our own patterns (needs()): stable since 3.11
from re import _parser
from typing import Any

import ahocorasick

SCAN = 20_000  # characters of subject and text the patterns see

# Kinds of negative signal. Spam, phishing and scams end the judgement at once (HARD).
PITCH, MARKETING, JOB, SOCIAL = "sales pitch", "marketing", "job application", "social"
SPAM, PHISHING, SCAM = "spam", "phishing", "scam"
HARD = frozenset((SPAM, PHISHING, SCAM))
SELLING = frozenset((PITCH, MARKETING, JOB))  # someone offering something rather than asking for it


@dataclass(frozen=True)
class Signal:
    weight: int
    kind: str  # "inquiry" or one of the kinds above
    topic: str  # named in the reason: "price", "SEO", "pharmacy"; "" for framing only
    pattern: re.Pattern[str]


def _s(weight: int, kind: str, topic: str, pattern: str) -> Signal:
    return Signal(weight, kind, topic, re.compile(pattern))


# --- speed: only the signals that can match are searched -----------------------------------
# Python's re tries an alternation's branches one by one at every position, so searching ~50
# patterns cost ~55 µs a message. Every match of a pattern holds one of a few strings ("quote",
# "price", "how much" ...: needs(), read from the pattern itself), so one Aho-Corasick pass finds
# which signals can match at all (~4 of ~50 in an inquiry), and only those are searched (~12 µs).
# tests/sync/mail/test_signals.py checks judge against plain searches over a whole corpus.

_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)  # \b, ^, $, lookarounds: no characters of their own
_MOST = 32  # strings a run of literals may stand for ("cu[áa]nto": 2) before it is cut there
_FOLDED = re.IGNORECASE  # a group matching either case ("(?i:…)") holds no string a lower-case text shows


def _strings(items: list[Any]) -> set[str] | None:
    """The strings a piece of pattern matches, when it matches only a few fixed ones ("s?", "[çc]", "(?:a|an)")."""
    out, tail = {""}, ""  # tail: literals not yet added to each of out (most items are single characters)
    for op, av in items:
        if op is _c.LITERAL:
            tail += chr(av)
            continue
        if op in _ZERO_WIDTH:
            continue
        if op is _c.IN and all(o is _c.LITERAL for o, _ in av):
            alts: set[str] | None = {chr(a) for _, a in av}
        elif op is _c.SUBPATTERN:
            alts = None if av[1] & _FOLDED else _strings(av[-1].data)
        elif op is _c.BRANCH and len(av[1]) <= _MOST:
            each = [_strings(a.data) for a in av[1]]
            alts = None if None in each else set().union(*each)  # type: ignore[arg-type]
        elif op is _c.MAX_REPEAT and av[1] == 1:
            alts = _strings(av[2].data)
            alts = None if alts is None else alts | ({""} if av[0] == 0 else set())
        else:
            return None
        if alts is None or len(out) * len(alts) > _MOST:
            return None
        out, tail = {o + tail + a for o in out for a in alts}, ""
    return {o + tail for o in out}


def needs(items: list[Any]) -> frozenset[str] | None:
    """Strings one of which is in every match of this (parsed) pattern, or None where there are none: of
    the runs of literals and the groups it must go through, the one whose shortest string is longest."""
    found: list[frozenset[str]] = []
    run, tail = {""}, ""  # the run of fixed strings so far, as with _strings
    for item in [*items, (None, None)]:  # the end closes the last run
        op, av = item
        if op is _c.LITERAL:
            tail += chr(av)
            continue
        if op in _ZERO_WIDTH:
            continue
        fixed = _strings([item]) if op is not None else None
        if fixed is not None and len(run) * len(fixed) <= _MOST:
            run, tail = {r + tail + f for r in run for f in fixed}, ""
            continue
        run = {r + tail for r in run}
        if min(map(len, run)):
            found.append(frozenset(run))
        run, tail = {""}, ""
        inner = (av[-1].data if op is _c.SUBPATTERN and not av[1] & _FOLDED
                 else av[2].data if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1 else None)
        if inner is not None:
            found.append(needs(inner) or frozenset())
        elif op is _c.BRANCH:
            each = [needs(a.data) for a in av[1]]
            found.append(frozenset() if None in each else frozenset().union(*each))  # type: ignore[arg-type]
    found = [f for f in found if f]
    return max(found, key=lambda f: (min(map(len, f)), -len(f))) if found else None


_Q = "inquiry"
# Word starts are \b; endings are left open where languages inflect ("renovat", "interessad").
# fmt: off
SIGNALS: tuple[Signal, ...] = (
    # --- what customers write (en, de, fr, es, nl, it, pt) ---
    _s(3, _Q, "price", r"\b(?:quote|quotation|estimate|estimation|pric(?:ing|es|e)|costs?\b|how much|rates\b|fees?\b|"
       r"budget|angebot|kostenvoranschlag|preis|kosten\b|wie viel|was kostet|devis|tarifs?\b|prix|combien|"
       r"presupuesto|precios?\b|cotizaci|cu[áa]nto|offerte|prijs|wat kost|preventivo|prezz|costo|quanto|or[çc]amento|"
       r"pre[çc]os?\b|custos?\b|rfq|rfp|request for (?:quotation|quote|proposal)|submit a (?:proposal|quote|bid)|"
       r"tender|ausschreibung|konditionen|appel d'offres|licitaci|what (?:are|is) your (?:packages|charges|rates|"
       r"prices|fees)|(?:do|would|will) you charge)"),
    _s(4, _Q, "interest", r"\b(?:quer[íi]a|me gustar[íi]a|je voudrais|j'aimerais|ik zou graag|"
       r"(?:more )?info(?:rmation)? (?:about|on) your|informationen (?:zu|über)|renseignements|informations sur|"
       r"informaci[óo]n sobre|quisiera|informatie over|ik wil graag|informazioni su|informa[çc][õo]es sobre|(?:need|"
       r"want|looking for|recommend) (?:a|an) (?:good |reliable |local )?\w+(?:er|or|ist|ian)\b|(?:tried|trying|want|"
       r"wanted) to (?:book|order|buy|arrange|schedule)\b|(?:'d|would) love to (?:join|book|come|sign up|get|have|"
       r"order|try)|(?:still )?keen to (?:get|have|go ahead|book|start)|go ahead with|get (?:it|this|the work) done|"
       r"(?:'d| would) like to (?:make|get|book|have|order|arrange|discuss|know|ask|enquire|inquire|request|start|"
       r"hire)|suchen wir|wir suchen|ich suche|(?:i am|i'm|we are|we're) (?:interested in|looking for|planning to)|"
       r"looking for (?:a|an|someone|somebody)\b|(?:(?:i|we)'d|would) like (?:a|an|some|ours|mine|one)\b|inquiry|"
       r"enquiry|h[äa]tte gerne|w[üu]rde gerne|suche (?:eine?n?|jemand)|interesse an|anfrage|je souhait|je cherche|"
       r"nous cherchons|besoin d|int[ée]ress[ée]e? par|busco|buscamos|interesad[oa]s? en|graag ontvang|ik zoek|"
       r"wij zoeken|ge[ïi]nteresseerd in|aanvraag|vorrei|ho bisogno|cerco|cerchiamo|interessat[oi] a|richiesta|"
       r"gostaria|procuro|interessad[oa] em)"),
    _s(2, _Q, "request", r"\b(?:any chance (?:of|you|someone)|(?:grateful|appreciate it) if you (?:would|could)|"
       r"(?:please )?contact me (?:regarding|about)|est-il possible|serait-il possible|es posible|ser[íi]a posible|"
       r"ist es m[öo]glich|w[äa]re es m[öo]glich|is het mogelijk|[èe] possibile|seria poss[íi]vel|[ée] poss[íi]vel|"
       r"[a-zäöü]+en sie auch|est-ce que vous|do (?:you|u|ya)(?: guys| all)? (?!know|think|remember|want|mind|like|"
       r"need|see|get|mean|feel|agree|still|ever|have time)[a-z]+|are you able|would you be able|"
       r"would it be possible|is it possible|could (?:you|someone) fit (?:me|us|it) in|fit (?:me|us) in|fate anche|"
       r"fareste|avete|voc[êe]s (?:fazem|t[êe]m|trabalham|atendem)|fazem|hebben jullie|doen jullie|tienen|avez-vous|"
       r"haben sie|(?:can|could|would) (?:you|u|someone|somebody|anyone) (?:please |also |maybe )?(?:come|quote|do|"
       r"help|fix|install|repair|provide|make|take (?:this |it |that )?on|take a look|clean|build|paint|replace|look|"
       r"check|recommend|deliver|cater|design|redesign|create|update|plan|move|remove|cut|trim|tile|print|photograph|"
       r"translate|inspect|sort)|(?:you|someone) could (?:come|look|take|fix|check|help|do|quote)|is (?:this|that|"
       r"it) something you|wonder(?:ed|ing) (?:if|whether) you|(?:(?:i|we) )?(?:need|want) (?:a|an|some|help|someone|"
       r"our|my)\b|needs? (?:\w+ ){0,3}(?:inspected|repaired|replaced|fixed|cleaned|done|looked at|checked|quoted|"
       r"\w+ing)\b|vous pouvez|(?:i|we)(?:'d| would) like to|k[öo]nnten sie|k[öo]nnen sie|m[öo]chten|brauche|"
       r"machen sie|bieten sie|[üu]bernehmen sie|pouvez-vous|pourriez-vous|vous faites|faites-vous|vous proposez|"
       r"proposez-vous|hacen (?:ustedes|reformas|trabajos)|ofrecen|me podr[íi]an|pueden|podr[íi]an|necesit|kunt u|"
       r"kunnen jullie|potete|potreste|avete|podem|poderia|preciso|precisamos)"),
    _s(2, _Q, "booking", r"\b(?:appointment|availability|(?:are you|you be|is someone|anyone|is anyone) available|"
       r"available (?:on|next|this|tomorrow|today)\b|booking|(?:to|can i|could i|like to|want to|i'd|we'd) (?:book|"
       r"schedule)\b|schedule (?:a|an|the|you|me|someone)\b|consultation|come (?:out|over|by|round|and)|"
       r"set (?:something|a time|a date) up|(?:pop|come) (?:round|over|by)|are you (?:still )?(?:free|open|taking)|"
       r"(?:any|some) (?:time|room|space) (?:in|on|next|this)|nog tijd|taking (?:on )?(?:new )?(?:patients|clients|"
       r"customers|students|bookings)|can i (?:bring|book|come|get|have|pop|drop|make)|(?:any|free|"
       r"available) (?:dates|slots|spaces|spots)|dates left|site visit|are you free|when could you|when can you|"
       r"termin|verf[üu]gbar|buchen|vorbei(?:kommen|schauen)|besichtig|rendez-vous|disponib|r[ée]serv|"
       r"passer (?:cette|la semaine|demain|voir)|venir (?:voir|[àa] voir)|cita\b|reserva|venir a ver|pasar a ver|"
       r"afspraak|beschikbaar|langs(?:komen|kom)|komen kijken|appuntamento|sopralluogo|venire a vedere|"
       r"marca[çc][ãa]o|agendamento|vir (?:ver|aqui))"),
    _s(1, _Q, "job", r"\b(?:fix|repair|replac|install|renovat|remodel|inspect|(?:my|our) (?:house|home|roof|kitchen|"
       r"bathroom|bedroom|garden|yard|flat|apartment|property|office|shop|basement|garage|boiler|heating|gutters?|"
       r"chimney|windows?|car|wedding|event|daughter|son|dog|cat|teeth|tooth)|reparatur|reparier|erneuer|sanier|"
       r"r[ée]par|refaire|r[ée]nov|reparar|arreglar|cambiar|reformar|repareren|vervangen|riparare|rifare|sostituire|"
       r"consertar|trocar)"),
    _s(1, _Q, "problem", r"\b(?:no (?:hot water|heating|power|electricity)|leak\w*|broken|overflow\w*|damaged?|"
       r"cracked|blocked|clogged|stopped working|not working|doesn't work|hole in|there's a hole|rotten|drip\w*|"
       r"flood\w*|pouring|water (?:coming|is coming|getting)|came down|fell (?:off|down)|blew off|mould|mold|undicht|"
       r"tropft|kaputt|defekt|wasserschaden|fuite|ne (?:marche|fonctionne) plus|cass[ée]|goteras?|fuga|roto|humedad|"
       r"lekt|lekkage|kapot|perdita|infiltrazion|rotto|vazamento|infiltra[çc]|quebrad)"),
    _s(1, _Q, "urgency", r"\b(?:asap|urgent(?:ly)?|emergency|as soon as possible|right away|dringend|notfall|urgence|"
       r"urgente|spoed|urgente)\b"),
    _s(1, _Q, "question", r"\b(?:can|could|would|will|do|are) (?:you|u)\b|\bis it possible|\b(?:kann man|gibt es|"
       r"machen sie|k[öo]nn(?:en|ten) sie|haben sie|wann|est-ce que vous|vous faites|pouvez-vous|pourriez-vous|hacen|"
       r"pueden|podr[íi]an|tienen|doen jullie|kunt u|kunnen jullie|hebben jullie|avete|potete|fate|fazem|podem|"
       r"voc[êe]s)\b|\?"),
    _s(1, _Q, "please", r"\b(?:please|pls|bitte|s'il vous pla[îi]t|por favor|alsjeblieft|per favore|graag)\b"),
    _s(1, _Q, "contact", r"\b(?:call me|ring me|give me a (?:call|ring)|call back|my (?:number|phone|mobile|cell) is|"
       r"reach me|r[üu]ckruf|rufen sie|appelez-moi|ll[áa]m(?:e|ame)|bel me|chiamatemi|me ligue)"),
    _s(2, _Q, "referral", r"\b(?:(?:said|told (?:me|us)) to (?:contact|call|email|ring) you|(?:saw|got|have|"
       r"picked up) your (?:flyer|leaflet|ad|advert|van|sign|card|listing)|found you (?:on|through|via)|"
       r"(?:recommended|referred) (?:you|by|to you)|gave me your (?:name|number|details))"),
    _s(2, _Q, "work offered", r"\b(?:(?:some |a )?(?:work|job|project) for you|(?:use|hire) you\b|your services)"),
    # --- cold sales pitches: a framing (about the reader's site, "our team", "reply STOP") and a topic ---
    _s(-3, PITCH, "", r"\b(?:wir bieten|wir vermitteln|unser angebot|unsere leistungen|stellen wir ihnen|"
       r"nous proposons|nous offrons|notre (?:agence|soci[ée]t[ée])|somos una agencia|le ayudamos|ofrecemos|"
       r"nuestra agencia|le interesa|wij bieden|ons bureau|offriamo|la nostra agenzia|siamo un'agenzia|oferecemos|"
       r"somos uma ag[êe]ncia|nossa ag[êe]ncia)|\b(?:noticed|came across|visited|was (?:looking at|checking|browsing|"
       r"on)|(?:had|took) a look at) your (?:website|site|business|company|page|listing|profile|online)"),
    _s(-1, PITCH, "SEO", r"\bseo\b|seo-agentur|search engine optimi[sz]|first page (?:of|on) google|top[- ]?(?:10|"
       r"ten|3|three) (?:of|in|on) google|rank(?:ing|s)? (?:higher|on google|on the first|#1|number one)|"
       r"google (?:ranking|search results|maps ranking)|organic traffic"),
    _s(-3, PITCH, "backlinks", r"\bbacklinks?\b|link[- ]building|link insertion|niche edits?|domain authority|"
       r"\b(?:da|dr|da/dr) ?(?:\d{2}|\+)"),
    _s(-3, PITCH, "guest post", r"guest post|contribute an article|in exchange for a (?:link|backlink)|"
       r"your (?:blog )?guidelines|sponsored (?:post|article|content)|write (?:an article )?for your (?:blog|site|"
       r"website)|publish (?:an|my|our) article"),
    _s(-1, PITCH, "web design", r"\b(?:web ?site|web) (?:design|development|redesign)\b|"
       r"redesign (?:of )?your (?:web ?site|site)|your (?:web ?site|site)(?:'s)? (?:design|speed|ranking|"
       r"traffic) (?:is|could|needs)|(?:outdated|slow) (?:web ?site|site)"),
    _s(-3, PITCH, "", r"\bihre (?:website|webseite|homepage|internetseite) (?:angesehen|besucht|analysiert)|"
       r"(?:ersten? seite|platz (?:1|eins)) (?:bei|von|auf) google|kostenlose[n]? (?:analyse|seo|audit|erstanalyse)|"
       r"h[äa]tten sie interesse|votre site (?:web |internet )?(?:n'est|est|pourrait|m[ée]rite)|"
       r"premi[èe]re page de google|audit gratuit|seriez-vous int[ée]ress|primera p[áa]gina de google|"
       r"auditor[íi]a gratuita|estar[íi]a interesad|eerste pagina van google|zou u interesse|prima pagina di google|"
       r"sareste interessati|primeira p[áa]gina do google|teria interesse"),
    _s(-1, PITCH, "app development", r"\b(?:mobile )?app development|develop (?:an|your) app|\b(?:ios|android) app\b"),
    _s(-1, PITCH, "marketing services", r"\b(?:digital|internet|online|social media|email) marketing|"
       r"marketing (?:services|agency|solutions|campaigns?|packages?)|\bppc\b|google ads management|(?:more|"
       r"5[- ]star|google) reviews\b"),
    _s(-1, PITCH, "lead generation", r"mehr (?:anfragen|kunden|umsatz)|plus de clients|m[áa]s clientes|meer klanten|"
       r"pi[ùu] clienti|mais clientes|lead generation|(?:more|qualified|new|steady) (?:leads|clients|traffic|sales|"
       r"calls)\b|grow(?:ing)? your (?:business|company|sales)|(?:verified|email|contact|b2b|leads?) (?:list|"
       r"database)|increase your (?:sales|revenue|traffic|leads|customers|ranking|visibility)"),
    _s(-1, PITCH, "AI tools", r"\bai (?:receptionist|assistant|chatbot|agent|voice agent)s?\b|chatbot"),
    _s(-1, PITCH, "outsourcing", r"outsourc|virtual assistants?|offshore|dedicated (?:team|developers)|"
       r"white[- ]label|bookkeeping services|data entry services"),
    _s(-3, PITCH, "business loans", r"get approved|cash for your business|business (?:loans?|funding|financing)|"
       r"merchant cash advance|working capital|line of credit|pre-?approved|funding (?:offer|options)|"
       r"no credit check|same[- ]day funding"),
    _s(-2, PITCH, "", r"\bour (?:team|company|agency|services|packages|experts|clients|solutions|portfolio|rates|"
       r"offer|seo|software|platform|tool|ai)\b|\bwe (?:offer|provide|specialise|specialize)|(?:we are|we're|i am|"
       r"i'm) (?:a|an) (?:leading|team of (?:experts|professionals|developers|designers|specialists)|digital|"
       r"professional|experienced|full[- ]service|freelance|certified|expert|web|seo|marketing|software)|"
       r"reaching out (?:from|on behalf)|helps? (?:\w+ ){0,2}(?:businesses|companies|contractors|practices|owners)\b|"
       r"for (?:small|local) businesses|introduce (?:myself|ourselves|our)"),
    _s(-3, PITCH, "", r"\b(?:reply|respond|text)(?: with)? [\"'“]?(?:stop|unsubscribe|remove|no|yes)\b|opt[- ]out|"
       r"remove you from (?:my|our) list|if (?:you are|you're|you'd be) (?:not )?interested|not interested\?"),
    _s(-3, PITCH, "", r"\b(?:our|my|affordable|competitive|low|lowest|best|cheap|unbeatable|reasonable|"
       r"fair) (?:prices?|rates|pricing|costs?)\b|(?:our|attached|updated|new) (?:\w+ )?(?:price ?list|"
       r"catalog(?:ue)?|rate card|brochure)|(?:here is|attached is|please find) (?:our|the) (?:quote|quotation|"
       r"estimate|offer)|as requested"),
    _s(-2, PITCH, "", r"free (?:audit|analysis|report|consultation|(?:\d+[- ]day )?trial|demo|website review|seo|"
       r"quote on our|mockup|strategy)|for a free quote|your free (?:quote|estimate|audit|report)|no obligation|"
       r"special offer|limited (?:time|spots)|\d+ ?% off|discount(?:ed)? (?:price|rate|offer)|affordable (?:packages|"
       r"prices|rates|plans)|packages start"),
    _s(-2, PITCH, "", r"\bcan i send (?:you |over )?(?:a |an |our |some )?(?:[\w-]+ )?(?:demo|video|info|details|"
       r"proposal|samples?|case stud)|(?:get|request|claim) (?:a|your) free (?:quote|estimate) (?:today|now)|"
       r"boost your (?:brand|business|sales)|minimum order|custom (?:t-shirts|mugs|pens|merch)"),
    _s(-2, PITCH, "", r"(?:quick|short|brief|\d+[- ]minute) (?:call|chat|zoom|demo)|hop on a call|"
       r"open to a (?:quick )?(?:call|chat)|following up on my|just following up|bumping this|circle back|"
       r"decision maker|(?:person|right person) (?:who handles|in charge)|hope this (?:email|message) finds you"),
    _s(-2, PITCH, "", r"\bwith (?:over )?\d+\+? years (?:of )?experience|if you (?:ever )?need (?:a|an|any|help|more|"
       r"someone)|happy to help (?:you )?with your|write to us|(?:\d+ ?[$€£]|[$€£] ?\d+) ?(?:/|per|a) (?:month|hour)|"
       r"(?:reserve|book|register) (?:now|today|your (?:booth|seat|spot))"),
    _s(-2, PITCH, "", r"(?:would|are) you (?:be )?interested in (?!the job|doing|quoting|taking|this job|the work)|"
       r"(?:i'll|i will|we'll|we will|can) send (?:you )?(?:our )?(?:pricing|samples?|a sample|portfolio|proposal|"
       r"price list|case stud)|grow(?:ing)? your (?:business|company|sales)|looking for (?:partners|businesses|"
       r"companies|clients) (?:like|in|to)|(?:businesses|companies|studios|shops|practices|firms) like yours|"
       r"want to see (?:some )?(?:examples|samples|our work)"),
    _s(-3, JOB, "", r"\b(?:work experience|my cv\b|my resume|my r[ée]sum[ée]|job application|apply for (?:the|"
       r"a) (?:job|position|role)|position (?:advertised|as)|internship|apprenticeship|looking for (?:work|a job|"
       r"employment)|(?:are|if) you (?:are )?hiring)"),
    # --- newsletters and promotions that carry no list headers ---
    _s(-3, MARKETING, "unsubscribe link", r"unsubscribe|view (?:this email |it )?in (?:your )?browser|"
       r"you (?:are receiving|received) this (?:email|message|because)|manage (?:your )?(?:preferences|subscription)|"
       r"no longer wish to receive|email preferences|abmelden|d[ée]sinscri|darse de baja|afmelden|disiscriv"),
    _s(-2, MARKETING, "promotion", r"\b(?:(?:grab|get|buy) your (?:ticket|seat)|before prices go up|early bird|"
       r"black friday|cyber monday|flash sale|free shipping|last chance|shop now|save (?:up to )?\d+ ?%|\d+ ?% off|"
       r"ends (?:tonight|today|soon)|new arrivals|exclusive (?:deal|offer))"),
    _s(-2, MARKETING, "survey or appeal", r"\b(?:rate your (?:experience|visit|order)|your feedback helps|take (?:a|"
       r"our|\d+[- ]minute) (?:short )?survey|donat(?:e|ion)|sponsor me|fundrais)"),
    # --- spam, phishing and scams: 4 or more of one kind ends the judgement. A word a real
    # customer may use ("bitcoin" to an accountant, "inheritance" to a lawyer, "gift card"
    # to a spa) weighs 2; only the pitch around it ("guaranteed returns") decides alone ---
    _s(-5, SPAM, "pharmacy", r"\b(?:viagra|cialis|levitra|tramadol|xanax|valium|oxycodone|erectile|weight loss pills|"
       r"no prescription|meds online|pills? online|(?:online|canadian|discount) pharmacy|generic (?:viagra|cialis|"
       r"meds))"),
    _s(-2, SPAM, "crypto", r"\b(?:bitcoin|btc|cryptocurrenc|ethereum|usdt|forex)\b"),
    _s(-4, SPAM, "crypto", r"\b(?:crypto (?:investment|trading|wallet|profit)|trading (?:platform|bot|signals)|"
       r"investment (?:opportunity|plan)|(?:daily|weekly|guaranteed) (?:profit|returns?)|double your (?:btc|bitcoin|"
       r"money|investment))"),
    _s(-5, SPAM, "lottery", r"\b(?:lottery|jackpot|you (?:have|'ve) (?:won|been selected)|winning (?:number|"
       r"notification)|claim your (?:prize|reward|winnings)|prize (?:money|award)|sie haben gewonnen|gewinnspiel|"
       r"vous avez gagn|ha ganado|u heeft gewonnen|hai vinto|voc[êe] ganhou)"),
    _s(-4, SPAM, "money scheme", r"\b(?:make|earn) (?:\$|€|£)?\s?\d[\d,]* (?:a|per) (?:day|week|month)|"
       r"work from home (?:opportunity|job)|extra income|make money (?:fast|online)|get rich|passive income"),
    _s(-4, SPAM, "adult", r"\b(?:hot singles|lonely (?:women|girls|wives)|dating site|sexy (?:photos|girls|pics)|"
       r"webcam girls|adult (?:content|site|videos))"),
    _s(-2, SCAM, "advance fee", r"\b(?:inheritance|beneficiary|next of kin)\b"),
    _s(-5, SCAM, "advance fee", r"\b(?:barrister|consignment box|diplomat|compensation fund|atm (?:master ?)?card|"
       r"(?:million|m) (?:us dollars|usd|euros|pounds)|us\$ ?\d|transfer (?:the|this) funds?)"),
    _s(-4, SCAM, "gift cards", r"\b(?:(?:buy|get|purchase) (?:some |a few )?(?:\w+ )?(?:gift|itunes|"
       r"google play) cards? (?:for|and|today)|send (?:me )?the (?:codes|card numbers)|i need a (?:quick )?favou?r|"
       r"keep (?:this|it) (?:confidential|between us)|bank (?:details|account) (?:has |have )?changed|"
       r"new bank details|are you at your desk|i need you to (?:process|make|buy|get|send|pay)|process a (?:payment|"
       r"wire|transfer))"),
    _s(-4, PHISHING, "account warning", r"\b(?:(?:account|mailbox|access) (?:has been |is |will be )?(?:suspended|"
       r"locked|disabled|limited|deactivated|terminated)|verify your (?:account|identity|email|mailbox|details)|"
       r"unusual (?:sign-in|login|activity)|(?:mailbox|storage|e-?mail) (?:is )?(?:full|almost full|over quota)|"
       r"password (?:will |is about to )?expir|avoid (?:suspension|termination|deactivation))"),
    _s(-2, PHISHING, "payment link", r"\b(?:(?:payment|transaction|card) (?:failed|declined|was declined))"),
    _s(-4, PHISHING, "payment link", r"\b(?:(?:confirm|update|validate) your (?:billing|payment|account|card|details|"
       r"information|credentials)|click (?:here|below|the link|the button) (?:to|and) (?:verify|restore|confirm|"
       r"avoid|update|reactivate|unlock|log ?in|sign ?in|review|view))"),
    _s(-4, PHISHING, "parcel fee", r"\b(?:redelivery fee|delivery attempt (?:failed|was unsuccessful)|pay the (?:\$|"
       r"€|£)?\s?\d[\d.,]* (?:\w+ )?fee|(?:customs|shipping) fee (?:is )?(?:due|pending|unpaid))"),
    _s(-4, PHISHING, "fake invoice", r"\b(?:(?:see|find) (?:the )?attached (?:invoice|payment|remittance)|"
       r"overdue (?:invoice|payment)|invoice (?:is )?(?:attached|overdue|past due)|outstanding (?:balance|invoice)|"
       r"remittance advice|shared (?:a|an) (?:document|file|invoice) with you|docusign|sent you a document)"),
    # --- friends and family ---
    _s(-1, SOCIAL, "", r"\b(?:love you|miss you|lots of love|hi love|love,|xoxo|hugs|mom|mum|dad|grandma|grandpa|"
       r"honey|sweetie|darling|kids|see you (?:on|at|then|soon|saturday|sunday)|beer|pints?\b|mate\b|xx+\b|x$)"),
)
# fmt: on

_TEST = re.compile(
    r"(?:\W*(?:test(?:ing)?(?: (?:the )?(?:contact )?(?:mail|message|email|entry|form|\d+))?|"
    r"this is a test\b[^.!\n]{0,80}))+\W*"
)


@dataclass(frozen=True)
class Judgement:
    hits: tuple[tuple[Signal, str], ...]  # each signal found, with the text it matched

    @property
    def score(self) -> int:
        return sum(s.weight for s, _ in self.hits)

    @property
    def inquiry(self) -> int:
        """Sum of the inquiry signals' weights."""
        return sum(s.weight for s, _ in self.hits if s.weight > 0)

    @property
    def asks(self) -> int:
        """How many different inquiry signals were found (one money word alone is one)."""
        return sum(1 for s, _ in self.hits if s.weight > 0)

    def against(self, kinds: frozenset[str] | None = None) -> tuple[str, int, str]:
        """The heaviest negative kind (among `kinds`): (kind, its total weight, its topic)."""
        totals: dict[str, int] = {}
        topics: dict[str, str] = {}
        for s, _ in self.hits:
            if s.weight < 0 and (kinds is None or s.kind in kinds):
                totals[s.kind] = totals.get(s.kind, 0) - s.weight
                if s.topic and s.kind not in topics:
                    topics[s.kind] = s.topic
        if not totals:
            return "", 0, ""
        kind = max(totals, key=lambda k: totals[k])
        return kind, totals[kind], topics.get(kind, "")

    def best(self) -> str:
        """The matched text of the strongest inquiry signal, for the reason."""
        found = [(s.weight, text) for s, text in self.hits if s.weight > 0]
        return max(found, key=lambda x: x[0])[1] if found else ""


def _words(signals: tuple[Signal, ...]) -> tuple[ahocorasick.Automaton, frozenset[int]]:
    """An automaton finding each signal's needs() in a text (its value: the signals a string stands for), and
    the signals without any (searched always)."""
    automaton, always, by_string = ahocorasick.Automaton(), set(), {}
    for n, signal in enumerate(signals):
        folded = signal.pattern.flags & re.IGNORECASE  # "(?i)…" matches what no lower-case string finds
        strings = None if folded else needs(_parser.parse(signal.pattern.pattern).data)
        if strings is None:
            always.add(n)
        for string in strings or ():
            by_string.setdefault(string, set()).add(n)
    for string, members in by_string.items():
        automaton.add_word(string, frozenset(members))
    automaton.make_automaton()
    return automaton, frozenset(always)


_WORDS, _ALWAYS = _words(SIGNALS)


def judge(*texts: str) -> Judgement:
    """Score the given texts (subject, message, form fields) together, bounded to SCAN characters."""
    blob = "\n".join(t[:SCAN] for t in texts if t)[:SCAN]
    low = blob.lower()
    shown = blob if len(blob) == len(low) else low  # quote the original case where lower() kept the length
    maybe = set(_ALWAYS)
    for _end, members in _WORDS.iter(low):
        maybe |= members
    hits = []
    for n in sorted(maybe):
        if m := SIGNALS[n].pattern.search(low):
            hits.append((SIGNALS[n], shown[m.start() : m.end()]))
    return Judgement(tuple(hits))


def is_test_mail(subject: str, text: str) -> bool:
    """A "test" / "testing" message: subject and text say nothing else."""
    parts = [" ".join(t.split()).lower() for t in (subject, text[:300]) if t.strip()]
    return bool(parts) and all(_TEST.fullmatch(p) for p in parts)
