"""Fixtures the import and export tests share."""
from __future__ import annotations

import pytest

from models import settings


@pytest.fixture
def de(store):
    """The store with German phone numbers as the default region."""
    settings.put("phone_region", "DE")
    return store
