import importlib

import pytest
from django.apps import apps
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from tests import factories

# Reference data the migrations insert (RunPython functions, each idempotent).
MIGRATION_DATA = [
    ("sixfold.core.migrations.0005_seed_calendar", "seed"),
    ("sixfold.party.migrations.0002_default_grid_posts", "add_defaults"),
    ("sixfold.party.dualreport.migrations.0002_default_categories", "add_defaults"),
    ("sixfold.points.migrations.0003_default_star_items", "seed"),
    ("sixfold.orders.migrations.0002_default_categories_departments", "seed"),
    ("sixfold.services.migrations.0002_default_service_types", "add_defaults"),
]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.4 s a password here and most tests create several users. Argon2 stays
    listed so hashes made outside a test still verify; tests about hashing switch it back."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


def _flushes(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (browser journeys, live server) ends with a flush that empties every
    table, the migrations' reference data included (calendar, categories, star items …). Once all
    of the test's fixtures are torn down, the reference data goes back, committed, for the tests
    that follow in the same process."""
    yield
    # After the process's last test the test database itself is gone (session teardown).
    if nextitem is None or not _flushes(item):
        return
    with item.config.stash[blocking_manager_key].unblock():
        for module, function in MIGRATION_DATA:
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Messages raised by code called directly in a test read in English, whatever language an
    earlier request in the same process left active (LocaleMiddleware activates per request).
    Pages and API responses still choose their language per request."""
    with translation.override("en"):
        yield


@pytest.fixture
def street(db):
    return factories.street()


@pytest.fixture
def grid(street):
    return factories.grid(1, factories.community(1, street))


class World:
    """Two communities of one street, each with a grid, a household and a resident, and one user
    per role scoped to community 1 (or its grid, or its household). Community 2 is out of scope
    for everyone but the street admin."""

    def __init__(self):
        self.street = factories.street()
        self.community = factories.community(1, self.street)
        self.other_community = factories.community(2, self.street)
        self.grid = factories.grid(1, self.community)
        self.other_grid = factories.grid(1, self.other_community)
        self.second_grid = factories.grid(2, self.community)
        self.household = factories.household(grid=self.grid)
        self.resident = factories.resident(
            self.household, name="李秀英", gender="F", birth_date=factories.dt.date(1950, 3, 8)
        )
        self.neighbour_household = factories.household(grid=self.second_grid)
        self.neighbour = factories.resident(self.neighbour_household, name="王强")
        self.other_household = factories.household(grid=self.other_grid)
        self.other_resident = factories.resident(self.other_household, name="赵敏", gender="F")
        self.users = {
            "street_admin": factories.user_with_role(
                "street_admin", self.street, username="t_street_admin"
            ),
            "community_secretary": factories.user_with_role(
                "community_secretary", self.community, username="t_secretary"
            ),
            "community_worker": factories.user_with_role(
                "community_worker", self.community, username="t_worker"
            ),
            "grid_worker": factories.user_with_role("grid_worker", self.grid, username="t_grid"),
            "resident": factories.user_with_role(
                "resident", self.household.region, username="t_resident"
            ),
        }


@pytest.fixture
def world(db):
    return World()
