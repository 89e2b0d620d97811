import pytest
from django.utils import translation

from tests import factories


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
