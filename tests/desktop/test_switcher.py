"""The quick switcher uses the search's ranking: accent-blind, open leads first, like `leadbook search`."""
from __future__ import annotations

from datetime import timedelta

import pytest

from desktop.switcher import QuickSwitcher
from models import leads, search, stages
from models.clock import now

pytestmark = pytest.mark.gui


def test_switcher_finds_accented_names_open_leads_first(controller, qtbot):
    """"jurg" lists the open Jürgen above a newer, won Jurgen, in the order find_leads gives."""
    jurgen, _ = leads.add_lead("Jürgen Schneider", email="js@example.com", received_at=now() - timedelta(days=9))
    won, _ = leads.add_lead("Jurgen Won", email="won@example.com")
    leads.move_lead(won, stages.find_stage("Won"), value="100")
    widget = QuickSwitcher(controller)
    qtbot.add_widget(widget)
    widget.popup()
    with qtbot.wait_signal(widget.results_shown, timeout=2000):
        qtbot.keyClicks(widget.edit, "jurg")
    shown = [hit.id for hit in widget.model.items()]
    assert shown == [jurgen.id, won.id] == [hit.id for hit in search.find_leads("jurg")]
    assert widget.list.currentIndex().row() == 0
