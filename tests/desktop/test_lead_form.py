"""The new-lead form: a phone hint for the region set, Tab down the fields in the order shown."""
from __future__ import annotations

import pytest
from keyboard import tab_stops

from desktop.lead_form import NewLeadDialog
from models import settings

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(controller, qtbot):
    def make(region: str) -> NewLeadDialog:
        settings.put("phone_region", region)
        dialog = NewLeadDialog(controller)
        qtbot.add_widget(dialog)
        dialog.show()
        return dialog
    return make


@pytest.mark.parametrize("region, example", [("US", "(201) 555-0123 or +1 201-555-0123"),
                                             ("DE", "030 123456 or +49 30 123456")])
def test_the_phone_hint_is_a_number_of_the_region_set(dialog, region, example):
    """The phone placeholder is the region's example number, written nationally and with its code."""
    form = dialog(region)
    assert form.region == region and form.phone.placeholderText() == example


def test_tab_walks_the_form_top_to_bottom(dialog, qtbot):
    """Tab goes Name, Email, Phone, Company, Source, Service, Message (Tab leaves it), then the buttons."""
    form = dialog("US")
    form.name.setText("Anna")
    expected = [form.name, form.email, form.phone, form.company, form.source, form.service, form.message,
                *form.buttons.buttons()]
    assert tab_stops(qtbot, form.name, len(expected)) == expected
