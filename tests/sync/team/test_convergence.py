"""Three laptops, one shared folder, any schedule of edits and sync rounds: everyone ends with the same rows."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import leads, stages
from models.errors import LeadbookError
from models.tables import FollowUp, Lead
from sync.team import team

from .test_team import device, rows

ACTIONS = ("company", "note", "add", "move", "done", "sync")
schedules = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS), st.integers(0, 20)),
                     min_size=1, max_size=25)


def act(action: str, n: int) -> None:
    live = list(Lead.select().where(Lead.merged_into.is_null()).order_by(Lead.id))
    if action == "sync" or (not live and action != "add"):
        team.sync_round(force=True)
        return
    if action == "add":
        leads.add_lead(f"Lead {n}", company=f"Co {n}")
        return
    lead = live[n % len(live)]
    if action == "company":
        leads.edit_lead(lead, company=f"Company {n}")
    elif action == "note":
        leads.add_note(lead, f"note {n}")
    elif action == "move":
        everything = stages.all_stages()
        leads.move_lead(lead, everything[n % len(everything)], reason="Price", value=float(n))
    else:
        leads.complete_followup(lead, outcome=f"outcome {n}")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(schedules)
def test_any_schedule_of_edits_and_rounds_converges(keyring_tmp, schedule):
    """After everyone has synced everything, the three data folders hold identical synced rows, and
    every open lead still has exactly one pending step."""
    with tempfile.TemporaryDirectory() as tmp:
        shared = Path(tmp) / "shared"
        folders = [Path(tmp) / name for name in ("ann", "ben", "cy")]
        with device(folders[0]):
            leads.add_lead("First", email="first@example.com")
            team.create(shared, None, "Ann", None)
        for folder, name in zip(folders[1:], ("Ben", "Cy"), strict=True):
            with device(folder):
                team.join(shared, None, name, None)
        for who, action, n in schedule:
            with device(folders[who]):
                try:
                    act(action, n)
                except LeadbookError:
                    pass  # a rule refused it: nothing written
        ends = []
        for _ in range(5):  # until a whole pass ships nothing (conflict entries and fixes ship a round later)
            sent = 0
            for folder in folders:
                with device(folder):
                    sent += team.sync_round(force=True).sent
            if not sent:
                break
        assert not sent, "still changing after five passes"
        for folder in folders:
            with device(folder):
                ends.append(rows())
                for lead in Lead.select().where((Lead.status == "open") & Lead.merged_into.is_null()):
                    pending = FollowUp.select().where((FollowUp.lead == lead.id) & FollowUp.done_at.is_null())
                    assert pending.count() == 1, lead.name
        assert ends[0] == ends[1] == ends[2]
