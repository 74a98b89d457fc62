from __future__ import annotations

import pytest

from bot.bank import Bank
from tests.mock.helpers import make_bank


@pytest.fixture
def bank() -> Bank:
    """Mock scenarios run on a small bank whose questions carry interview rounds."""
    return make_bank()
