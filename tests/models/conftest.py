"""Fixtures the model tests share: a German phone region, a process in Berlin time."""
from __future__ import annotations

import time

import pytest

from models import settings


@pytest.fixture
def de(store):
    """The store with German phone numbers as the default region."""
    settings.put("phone_region", "DE")
    return store


@pytest.fixture
def berlin():
    """The process in Europe/Berlin for the test (local days follow it), then back to what it was."""
    import os

    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()
