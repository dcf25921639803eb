"""Review rules travel with team sync: a teammate's decision on a sender applies on every laptop."""
from __future__ import annotations

import mail_samples as samples
from team_devices import as_device as device

from models import known, mail
from models.tables import Activity, MailMessage, SenderRule, database
from sync.mail.classify import classify
from sync.team import team

from . import test_team

pair, shared = test_team.pair, test_team.shared  # the fixtures: Ann's team, Ben joined


def capture(raw: bytes) -> MailMessage:
    """What a capture pass does with one message: classify against this database, store the verdict."""
    row = mail.store_verdict(classify(raw, me=[samples.OWNER], known=mail.DbKnown()), None, "INBOX", 1)
    assert row is not None
    return row


def rule_rows() -> list[tuple]:
    return database.execute_sql("SELECT * FROM sender_rule ORDER BY id").fetchall()


def test_a_domain_rejected_on_one_laptop_is_ignored_by_the_others_capture(pair):
    """Ann rejects a sender's domain; after one round Ben's capture ignores new mail from that domain."""
    ann, ben = pair
    with device(ann):
        assert mail.reject_review(capture(samples.personal()).id) == "@partner-firm.example"
        assert team.sync_round().sent > 0
    with device(ben):
        assert known.rules() == {}
        team.sync_round()
        assert known.rules() == {"@partner-firm.example": "ignored"}
        row = capture(samples.personal(name="Dana Kim", email="dana.kim@partner-firm.example"))
        assert row.verdict == "ignored" and row.lead_id is None
        assert "partner-firm.example" in row.reason


def test_two_laptops_deciding_differently_on_one_sender_converge(pair):
    """Ann rejects a sender Ben accepts before they sync: one row, the same action on both, a conflict
    counted but none on a timeline."""
    ann, ben = pair
    with device(ann):
        mail.reject_review(capture(samples.personal()).id, "address")
        team.sync_round()
    with device(ben):
        mail.accept_review(capture(samples.personal()).id)
        assert team.sync_round().conflicts == 1
    ends = []
    for who in (ann, ben):
        with device(who):
            team.sync_round()
            assert SenderRule.select().count() == 1  # the same id on both: one row
            assert not Activity.select().where(Activity.kind == "conflict").exists()
            ends.append((rule_rows(), known.rules()))
    assert ends[0] == ends[1]
    assert ends[0][1]["chris.park@partner-firm.example"] in ("ignored", "lead")
