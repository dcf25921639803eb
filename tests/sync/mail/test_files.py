"""Mail from .eml files is classified and stored as capture would: once, with its verdict."""
from __future__ import annotations

from pathlib import Path

from models.mail import message_text
from models.tables import Lead, MailMessage
from sync.mail.files import store_files

MESSAGES = Path(__file__).parent / "messages"


def test_files_are_stored_once_with_their_verdicts(store):
    """Each file becomes one stored message (a lead for an inquiry); a second run stores nothing new."""
    paths = [MESSAGES / "newsletter_bulk.eml", MESSAGES / "personal_unclear.eml", MESSAGES / "direct_en.eml"]
    assert store_files(paths) == 3
    assert sorted(m.verdict for m in MailMessage.select()) == ["ignored", "lead", "review"]
    assert Lead.select().count() == 1
    review = MailMessage.get(MailMessage.verdict == "review")
    assert message_text(review.id).strip()
    assert store_files(paths) == 0 and MailMessage.select().count() == 3


def test_skipped_verdicts_and_missing_files_are_passed_over(store, tmp_path):
    """Verdicts named in skip are not stored, and a file that does not exist is no error."""
    assert store_files([MESSAGES / "direct_en.eml", tmp_path / "gone.eml", MESSAGES / "receipt.eml"],
                       skip=("lead",)) == 1
    assert [m.verdict for m in MailMessage.select()] == ["ignored"] and Lead.select().count() == 0
