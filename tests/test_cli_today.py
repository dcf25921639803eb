"""`leadbook today` after `followup --due`: the snoozed inquiry waits under upcoming."""
from __future__ import annotations

from test_cli import as_json, ok


def test_followup_due_later_moves_an_inquiry_to_upcoming(tmp_path):
    """`followup LEAD --due +2d` takes a new inquiry out of respond_now; `today --json` lists it in upcoming."""
    anna = as_json(tmp_path, "add", "--name", "Anna Schmidt", "--email", "anna@example.com")
    assert [i["lead_id"] for i in as_json(tmp_path, "today")["respond_now"]] == [anna["id"]]
    ok(tmp_path, "followup", anna["id"], "--due", "+2d")
    day = as_json(tmp_path, "today")
    assert day["respond_now"] == [] and [i["lead_id"] for i in day["upcoming"]] == [anna["id"]]
    assert day["counts"]["upcoming"] == 1 and day["upcoming"][0]["reason"].startswith("until ")
