"""A check-up on top of the party world (tests/party/conftest.py).

Community 1's cycle for 2026 with two common indicators (weights 3 and 1, max 10 and 5) and one
for in-service members. Grid 1's branch gains a second member with a login (the peer, 周敏) and a
branch secretary whose login is t_branch; 李秀英 (t_member) is the member assessed in most tests.
"""

import datetime as dt

import pytest

from sixfold.party import actions as party_actions
from sixfold.party.checkup import actions
from sixfold.party.checkup.models import Category
from sixfold.party.models import PartyMember
from tests import factories
from tests.party.conftest import PartyWorld, member


class CheckupWorld(PartyWorld):
    def __init__(self):
        super().__init__()
        peer_household = factories.household(grid=self.grid)
        self.peer = member(self.branch, factories.resident(peer_household, name="周敏"))
        self.users["peer"] = party_actions.create_member_login(
            self.peer, "t_peer", factories.PASSWORD + "-long", by=None
        )
        head_household = factories.household(grid=self.grid)
        self.head = member(self.branch, factories.resident(head_household, name="刘书记"))
        party_actions.add_party_post(self.branch, self.head, "secretary", by=None)
        PartyMember.objects.filter(pk=self.head.pk).update(user=self.users["branch_secretary"])
        for record in (self.member, self.peer, self.head):
            record.refresh_from_db()
        self.cycle = actions.create_cycle(
            self.community, {"year": 2026}, by=None, default_indicators=False
        )
        self.a = actions.add_indicator(
            self.cycle, {"name": "学习", "weight": 3, "max_score": 10}, by=None
        )
        self.b = actions.add_indicator(
            self.cycle, {"name": "服务", "weight": 1, "max_score": 5}, by=None
        )
        self.c = actions.add_indicator(
            self.cycle,
            {"name": "双报到", "weight": 1, "max_score": 10, "category": Category.IN_SERVICE},
            by=None,
        )

    def open(self):
        self.cycle = actions.open_cycle(self.cycle, by=None)
        return self.cycle

    def full_marks(self):
        return {self.a.pk: 10, self.b.pk: 5}


@pytest.fixture
def cw(db):
    return CheckupWorld()


TODAY = dt.date(2026, 11, 26)
