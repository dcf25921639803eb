"""Raw test messages in the shapes real inquiry mail takes (see shared/mail-formats.md).

Each builder returns RFC 5322 bytes with CRLF line ends and a unique Message-ID, so tests
and the capture benchmark can APPEND them to a real IMAP server. Labels vary on purpose.
"""
from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

OWNER = "owner@roofing.example"
_counter = itertools.count(1)


def _mid(tag: str) -> str:
    return f"<{tag}.{next(_counter)}.{datetime.now().timestamp():.6f}@test.example>"


def _date(when: datetime | None) -> str:
    return format_datetime(when or datetime.now(UTC) - timedelta(minutes=5))


def message(headers: dict[str, str], body: str, *, html: bool = False, when: datetime | None = None,
            message_id: str | None = None) -> bytes:
    head = {"Date": _date(when), "Message-ID": message_id or _mid("m"), "MIME-Version": "1.0",
            "Content-Type": f"text/{'html' if html else 'plain'}; charset=utf-8",
            "Content-Transfer-Encoding": "8bit"}
    head.update(headers)
    text = "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8")


def mid_of(raw: bytes) -> str:
    for line in raw.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise ValueError("no Message-ID")


# --- web forms and marketplaces ---------------------------------------------------------------

def contact_form_7(name: str = "Maria Gonzalez", email: str = "maria.gonzalez@example.org",
                   message_text: str = "Our garage roof leaks after every storm. Could you come and have a look?",
                   **kw) -> bytes:
    body = (f"From: {name} <{email}>\nSubject: Leaking garage roof\n\nMessage Body:\n{message_text}\n\n"
            "-- \nThis e-mail was sent from a contact form on Roofing Example (https://roofing.example)\n")
    return message({"From": "Roofing Example <wordpress@roofing.example>", "To": OWNER,
                    "Reply-To": f"{name} <{email}>", "Subject": '[Roofing Example] "Leaking garage roof"'},
                   body, **kw)


def wpforms(name: str = "Tom Becker", email: str = "tom.becker@example.net", phone: str = "+1 415 555 0134",
            **kw) -> bytes:
    body = (f"--- Your Name ---\n\n{name}\n\n--- Email Address ---\n\n{email}\n\n--- Phone Number ---\n\n{phone}\n\n"
            "--- What do you need help with? ---\n\nNew gutters for a two-storey house, about 40 metres.\n\n"
            "---\n\nSent from Roofing Example\n")
    return message({"From": f"Roofing Example <{OWNER}>", "To": OWNER, "Reply-To": email,
                    "Subject": "New Entry: Contact Form"}, body, **kw)


def elementor(name: str = "Jana Novak", email: str = "jana.novak@example.com", phone: str = "+49 30 1234567",
              **kw) -> bytes:
    body = (f"Full Name: {name}\nE-Mail: {email}\nTelefon: {phone}\nFirma: Novak Bau GmbH\n"
            "Nachricht: Wir brauchen ein Angebot für die Sanierung eines Flachdachs (120 m²).\n\n---\n\n"
            "Date: 20/11/2025\nTime: 10:14 am\nPage URL: https://roofing.example/kontakt/\n"
            "User Agent: Mozilla/5.0\nRemote IP: 203.0.113.7\nPowered by: Elementor\n")
    return message({"From": "Roofing Example <email@roofing.example>", "To": OWNER, "Reply-To": email,
                    "Subject": 'New message from "Roofing Example"'}, body, **kw)


def squarespace(name: str = "Olivia Smith", email: str = "olivia.smith@example.org", **kw) -> bytes:
    body = (f"Sent via form submission from Roofing Example\n\nName: {name}\n\nEmail Address: {email}\n\n"
            "Phone: (415) 555-0178\n\nSubject: Skylight\n\nMessage: We would like a skylight fitted in the attic.\n\n"
            "(Manage Submissions)\n")
    return message({"From": "Squarespace <form-submission@squarespace.info>", "To": OWNER,
                    "Reply-To": email, "Subject": "Form Submission - Contact"}, body, **kw)


def formspree(name: str = "Ahmed Khan", email: str = "ahmed.khan@example.com", **kw) -> bytes:
    body = (f"Someone just submitted your form on roofing.example.\n\nname: {name}\nemail: {email}\n"
            "phone: 415-555-0199\nmessage: Please quote for replacing 20 broken tiles.\n")
    return message({"From": "Formspree <noreply@formspree.io>", "To": OWNER, "Reply-To": email,
                    "Subject": "New submission from Contact"}, body, **kw)


def callrail(name: str = "Peter Wilson", email: str = "peter.wilson@example.com", **kw) -> bytes:
    body = (f"Form Submission Alert for Roofing Example\n\nForm Contents:\nName:: {name}\nEmail:: {email}\n"
            "Phone:: (415) 555-0121\nComments:: Chimney flashing needs repair before winter.\n")
    return message({"From": "CallRail <no-reply@callrail.com>", "To": OWNER,
                    "Subject": "Form Submission Alert for Roofing Example"}, body, **kw)


def yelp(first: str = "Kim L.", **kw) -> bytes:
    relay = f"reply+{next(_counter):06d}abc@messaging.yelp.com"
    body = ("Job Requested\nRoof repair\n\nPostal Code\n94110\n\n"
            "Hi, a few shingles blew off in last night's wind. Can someone come this week?\n")
    return message({"From": f"{first} via Yelp <{relay}>", "To": OWNER, "Reply-To": relay,
                    "Subject": f"Message from {first} for Roofing Example"}, body, **kw)


def direct(name: str = "Lena Fischer", email: str = "lena.fischer@example.de", **kw) -> bytes:
    body = ("Guten Tag,\n\nwir möchten unser Dach neu decken lassen (Einfamilienhaus, ca. 150 m²). "
            "Können Sie uns ein Angebot machen? Erreichbar unter 0171 2345678.\n\nViele Grüße\n" + name + "\n")
    return message({"From": f"{name} <{email}>", "To": OWNER, "Subject": "Anfrage Dachsanierung"}, body, **kw)


def direct_en(name: str = "Sam Taylor", email: str = "sam.taylor@example.com", **kw) -> bytes:
    body = ("Hello,\n\nI'd like a quote for a new roof on our bungalow. Are you available next month?\n\n"
            f"Thanks,\n{name}\n")
    return message({"From": f"{name} <{email}>", "To": OWNER, "Subject": "Quote for a new roof"}, body, **kw)


# --- replies, our own mail, and mail that is never a lead ----------------------------------------

def reply_from(lead_email: str, thread_id: str, name: str = "Customer", **kw) -> bytes:
    body = ("Thanks, Thursday at 10 works for us.\n\nOn Mon, 17 Nov 2025 at 09:00, Owner <" + OWNER + "> wrote:\n"
            "> Could we come by on Thursday?\n")
    return message({"From": f"{name} <{lead_email}>", "To": OWNER, "Subject": "Re: your inquiry",
                    "In-Reply-To": thread_id, "References": thread_id}, body, **kw)


def owner_reply(to: str, thread_id: str, **kw) -> bytes:
    body = "Hello,\n\nthank you for your inquiry. Could we come by on Thursday at 10 to have a look?\n\nBest\nOwner\n"
    return message({"From": f"Owner <{OWNER}>", "To": to, "Subject": "Re: your inquiry",
                    "In-Reply-To": thread_id, "References": thread_id}, body, **kw)


def newsletter(**kw) -> bytes:
    return message({"From": "Builders Weekly <news@builders-weekly.example>", "To": OWNER,
                    "Subject": "This week: 10 tips for winter roofs", "List-Id": "<weekly.builders-weekly.example>",
                    "List-Unsubscribe": "<https://builders-weekly.example/unsub>", "Precedence": "bulk"},
                   "Ten tips for your roof this winter. Read more on our site.\n", **kw)


def auto_reply(**kw) -> bytes:
    return message({"From": "Frank Miller <frank@supplier.example>", "To": OWNER,
                    "Subject": "Automatic reply: Order 4711", "Auto-Submitted": "auto-replied"},
                   "I am out of the office until Monday.\n", **kw)


def bounce(**kw) -> bytes:
    return message({"From": "Mail Delivery System <MAILER-DAEMON@mail.roofing.example>", "To": OWNER,
                    "Subject": "Undelivered Mail Returned to Sender", "Return-Path": "<>"},
                   "This is the mail system. Your message could not be delivered.\n", **kw)


def huge(megabytes: int = 5, **kw) -> bytes:
    """A direct inquiry with a big attachment: only its start should ever be downloaded."""
    boundary = "BOUNDARY-huge"
    blob = base64.encodebytes(b"\x89PNG" + b"\0" * (megabytes * 1024 * 1024)).decode().replace("\n", "\r\n")
    body = (f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Hello, please see the photos of our damaged roof attached. Can you repair it? Regards, Chris Young\r\n"
            f"--{boundary}\r\nContent-Type: image/png; name=roof.png\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: attachment; filename=roof.png\r\n\r\n{blob}--{boundary}--\r\n")
    head = {"Date": _date(kw.pop("when", None)), "Message-ID": kw.pop("message_id", None) or _mid("huge"),
            "MIME-Version": "1.0", "From": "Chris Young <chris.young@example.com>", "To": OWNER,
            "Subject": "Roof damage photos", "Content-Type": f'multipart/mixed; boundary="{boundary}"'}
    return ("".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n" + body).encode()


FORMS = {
    "contact_form_7": contact_form_7, "wpforms": wpforms, "elementor": elementor, "squarespace": squarespace,
    "formspree": formspree, "callrail": callrail, "yelp": yelp, "direct": direct, "direct_en": direct_en,
}


def personal(name: str = "Chris Park", email: str = "chris.park@partner-firm.example", **kw) -> bytes:
    """A personal note with only a faint inquiry signal: the owner decides (review)."""
    return message({"From": f"{name} <{email}>", "To": OWNER, "Subject": "Saturday"},
                   "Hi, good to see you at the barbecue on Saturday. We may have some work for you next year,\n"
                   "would you be around?\n\nChris\n", **kw)
