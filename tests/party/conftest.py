"""A party organisation on top of the `world` fixture (tests/conftest.py).

Community 1 has a committee, its grid 1 a branch and the world household's building a party
group; community 2 a committee. Members: 李秀英 (the world's resident, grid 1 branch, in the
group), 王强 (the neighbour in grid 2, community 1's committee), 孙红 (not in the register,
community 1's committee) and 赵敏 (community 2). Logins: a branch secretary of grid 1 and 李秀英 as
a party member; the world's users get the party permissions of their roles.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from sixfold.party import actions
from sixfold.party.models import OrgKind
from tests import factories
from tests.conftest import World


def org(region, kind=None, **data):
    return actions.create_organization(region, {"kind": kind, **data} if kind else data, by=None)


def member(organization, resident=None, **data):
    data = {"joined_on": dt.date(2000, 7, 1), **data}
    if resident is not None:
        data["resident"] = resident
    return actions.create_member(organization, data, by=None)


class PartyWorld(World):
    def __init__(self):
        super().__init__()
        self.building = self.household.unit.building
        self.unit = self.household.unit
        self.committee = org(self.community, OrgKind.COMMITTEE)
        self.branch = org(self.grid)
        self.group = org(self.building.region)
        self.other_committee = org(self.other_community, OrgKind.BRANCH)
        self.member = member(self.branch, self.resident, group=self.group)
        self.neighbour_member = member(self.committee, self.neighbour)
        self.external = member(self.committee, name="孙红", gender="F", phone="13900001111")
        self.other_member = member(self.other_committee, self.other_resident)
        self.users["branch_secretary"] = factories.user_with_role(
            "branch_secretary", self.grid, username="t_branch"
        )
        self.users["party_member"] = actions.create_member_login(
            self.member, "t_member", factories.PASSWORD + "-long", by=None
        )


@pytest.fixture(autouse=True)
def default_grid_posts(request):
    """The grid posts the migration seeds. A browser test's flush (transactional_db) empties
    every table, migration data included, for the tests that run after it in the process."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    migration = importlib.import_module("sixfold.party.migrations.0002_default_grid_posts")
    migration.add_defaults(apps, None)


@pytest.fixture
def party(db):
    return PartyWorld()
