"""The contact form of a lead: its phone hint follows the region setting."""
from __future__ import annotations

import pytest

from desktop.lead_detail import LeadDetailDialog
from models import settings
from models.tables import Lead

pytestmark = pytest.mark.gui


def test_the_phone_hint_is_a_number_of_the_region_set(demo_controller, qtbot):
    """With the region set to the United Kingdom the phone placeholder is a British example number."""
    settings.put("phone_region", "GB")
    dialog = LeadDetailDialog(demo_controller, Lead.select().first().id)
    qtbot.add_widget(dialog)
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=3000)
    assert dialog.contact.edits["phone"].placeholderText() == "e.g. 0121 234 5678 or +44 121 234 5678"
