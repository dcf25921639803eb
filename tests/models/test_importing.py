"""Planning an import (models.importing): what it leaves behind in the process."""
from __future__ import annotations

import gc

import pytest

from models import importing
from models.errors import InvalidInput


@pytest.mark.parametrize("enabled", [True, False])
def test_planning_leaves_the_cycle_collector_as_it_was(store, tmp_path, enabled):
    """The collector is paused while a plan is made (its objects live on), on again after, even when the file is
    refused; one someone else paused stays paused."""
    good, bad = tmp_path / "p.csv", tmp_path / "bad.csv"
    good.write_text("Name,Email\nAda,ada@example.com\n", encoding="utf-8")
    bad.write_text("Colour,Size\nred,L\n", encoding="utf-8")
    (gc.enable if enabled else gc.disable)()
    try:
        assert len(importing.plan_import(good).rows) == 1
        assert gc.isenabled() is enabled
        with pytest.raises(InvalidInput):
            importing.plan_import(bad)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
