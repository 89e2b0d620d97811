"""`Unindexed` selects the same rows as the plain column; on SQLite it hides the column from
the planner's indexes (so a region-code range is used instead)."""

import pytest
from django.db import connection
from django.db.models.lookups import Exact, In

from sixfold.core.lookups import Unindexed
from sixfold.core.models import Level, Region

pytestmark = pytest.mark.django_db


def test_same_rows_as_the_plain_filter(world):
    plain = Region.objects.within(world.street.code).filter(level__in=[Level.GRID])
    wrapped = Region.objects.within(world.street.code).filter(
        In(Unindexed("level"), [Level.GRID])
    )
    assert list(wrapped.order_by("code")) == list(plain.order_by("code"))
    assert Region.objects.filter(Exact(Unindexed("level"), Level.COMMUNITY)).count() == 2


def test_on_sqlite_the_column_is_an_expression():
    sql = str(Region.objects.filter(Exact(Unindexed("level"), Level.GRID)).query)
    if connection.vendor == "sqlite":
        assert '+"core_region"."level"' in sql
    else:
        assert '+"core_region"' not in sql
