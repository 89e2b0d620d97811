"""The orders world: the core `World` (two communities, one user per role) plus a party member
and a volunteer-like claimer, a department with one staff login, and helpers to file orders."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from sixfold.orders import actions
from sixfold.orders.models import Category, Department, DepartmentStaff
from tests import factories
from tests.conftest import World


class OrdersWorld(World):
    def __init__(self):
        super().__init__()
        self.category = Category.objects.get(slug="property_repair")
        self.child_category = Category.objects.get(slug="elevator")
        self.department = Department.objects.get(slug="chengguan")
        self.other_department = Department.objects.get(slug="police")
        self.users["party_member"] = factories.user_with_role(
            "party_member", self.community, username="t_member"
        )
        self.users["party_member_2"] = factories.user_with_role(
            "party_member", self.community, username="t_member2"
        )
        self.users["other_member"] = factories.user_with_role(
            "party_member", self.other_community, username="t_other_member"
        )
        self.users["department_staff"] = factories.user_with_role(
            "department_staff", self.street, username="t_dept"
        )
        self.users["other_department_staff"] = factories.user_with_role(
            "department_staff", self.street, username="t_dept_police"
        )
        DepartmentStaff.objects.create(
            department=self.department, user=self.users["department_staff"]
        )
        DepartmentStaff.objects.create(
            department=self.other_department, user=self.users["other_department_staff"]
        )

    def submit(self, by=None, region=None, **data):
        by = self.users["resident"] if by is None else by
        payload = {
            "region": region or self.household.region,
            "category": self.category,
            "title": "楼道灯不亮",
            "text": "3单元楼道灯坏了一周，晚上看不见路。",
            **data,
        }
        return actions.submit(payload, by=by)

    def accepted(self, **data):
        order = self.submit(**data)
        return actions.accept(order, by=self.users["community_worker"])

    def claimed(self, claimer="party_member", **data):
        return actions.claim(self.accepted(**data), by=self.users[claimer])

    def resolved(self, **data):
        order = self.claimed(**data)
        return actions.resolve(order, by=self.users["party_member"], resolution="已更换灯泡。")

    def verified(self, **data):
        return actions.verify(self.resolved(**data), by=self.users["community_worker"])


@pytest.fixture(autouse=True)
def default_categories(request):
    """The categories, departments and time limits the migration seeds. A browser test's flush
    (transactional_db) empties every table, migration data included, for the tests that run
    after it in the same process."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    migration = importlib.import_module(
        "sixfold.orders.migrations.0002_default_categories_departments"
    )
    migration.seed(apps, None)


@pytest.fixture
def ow(db):
    return OrdersWorld()


def codes(exc) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    """A moment in Asia/Shanghai."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))
