"""Dual reporting on top of the party world (tests/party/conftest.py).

李秀英 (grid 1 of community 1, login `t_member`), 王强 (grid 2 of community 1) and 赵敏
(community 2) are in-service members; 孙红 (community 1's committee, outside the register) is not.
李秀英 has reported to community 1 and holds a place on one of its posts; community 2 has a post
of its own.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from sixfold.party import actions as party_actions
from sixfold.party.dualreport import actions
from sixfold.party.dualreport.models import ServiceCategory
from tests.party.conftest import PartyWorld

MIGRATION = "sixfold.party.dualreport.migrations.0002_default_categories"


@pytest.fixture(autouse=True)
def default_categories(request):
    """The categories the data migration seeds (a browser test's flush empties them)."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    importlib.import_module(MIGRATION).add_defaults(apps, None)


def category(slug="governance"):
    return ServiceCategory.objects.get(slug=slug)


def post_data(**data):
    return {
        "category": category(),
        "title": "楼道文明劝导",
        "place": "社区服务站",
        "schedule": "每周六上午",
        "capacity": 2,
        **data,
    }


class DualWorld(PartyWorld):
    def __init__(self):
        super().__init__()
        for member, employer in (
            (self.member, "莱钢"),
            (self.neighbour_member, "供电公司"),
            (self.other_member, "人民医院"),
        ):
            party_actions.change_member(member, {"in_service": True, "employer": employer}, by=None)
            member.refresh_from_db()
        self.registration = actions.register_member(
            self.member,
            {
                "employer_party_org": "莱钢党委",
                "skills": "法律",
                "categories": [category("legal_aid")],
                "registered_on": dt.date(2026, 1, 5),
            },
            by=None,
        )
        self.post = actions.publish_post(self.community, post_data(), by=None)
        self.other_post = actions.publish_post(
            self.other_community, post_data(title="义诊"), by=None
        )
        self.claim = actions.claim_post(self.post, self.registration, by=None)


@pytest.fixture
def dual(db):
    return DualWorld()
