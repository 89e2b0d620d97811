"""Fixtures for API tests: token clients per World role, a second street, row counts."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sixfold.core.models import AuditEvent, Building, Household, Region, Resident, Unit
from tests import factories

ROLES = ["street_admin", "community_secretary", "community_worker", "grid_worker", "resident"]
REGISTER_MODELS = (Region, Building, Unit, Household, Resident, AuditEvent)


@pytest.fixture
def api():
    """`api(user)` → an APIClient sending that user's token (anonymous for None), in English."""

    def make(user=None) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def row_counts() -> dict[str, int]:
    """Rows of every register and of the audit log, to show that a refused request saved nothing."""
    return {model.__name__: model.objects.count() for model in REGISTER_MODELS}


class Elsewhere:
    """A second street with one resident: outside every World user's scope, the street admin's
    included."""

    def __init__(self):
        self.street = factories.street("370116002", "另一街道")
        self.community = factories.community(1, self.street)
        self.grid = factories.grid(1, self.community)
        self.household = factories.household(grid=self.grid)
        self.unit = self.household.unit
        self.building = self.unit.building
        self.resident = factories.resident(self.household, name="孙丽")


@pytest.fixture
def elsewhere(world):
    return Elsewhere()


@pytest.fixture
def no_role_user(db):
    """Logged in, but holding no role anywhere."""
    return factories.UserFactory(username="t_nobody")


def new_resident_payload(household_id: int, **overrides) -> dict:
    born = dt.date(1991, 7, 3)
    return {
        "household": household_id,
        "name": "周杰",
        "gender": "M",
        "birth_date": born.isoformat(),
        "relation": "child",
        "id_number": factories.valid_id_number(born, "M"),
        "phone": "13912345678",
        **overrides,
    }
