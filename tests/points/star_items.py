"""The default star items the migration seeds. A browser test's flush (transactional_db) empties
every table, migration data included, for the tests that run after it in the process."""

import importlib

import pytest
from django.apps import apps

from sixfold.points.models import StarItem


def ensure_default_items() -> None:
    if not StarItem.objects.exists():
        migration = importlib.import_module("sixfold.points.migrations.0003_default_star_items")
        migration.seed(apps, None)


@pytest.fixture(autouse=True)
def default_star_items(request):
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    ensure_default_items()
