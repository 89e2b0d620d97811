"""The party world (tests/party/conftest.py) with a clock fixed inside 2026Q4, so 2026Q3 is a
past quarter that can be computed."""

import datetime as dt

import pytest

from sixfold.points.models import StarItem
from tests.party.conftest import PartyWorld
from tests.points.star_items import default_star_items  # noqa: F401  (autouse fixture)

Q3_DAY = dt.date(2026, 8, 15)


@pytest.fixture
def party(db):
    return PartyWorld()


@pytest.fixture
def items(db):
    return {item.code: item for item in StarItem.objects.filter(subject_type="party.partymember")}
