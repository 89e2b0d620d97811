"""The service network on top of the party world (tests/party/conftest.py).

Community 1 has its station (staffed by 张建国, 站长), grid 1 its point and the world household's
building a liaison point; grid 2, the building's stairwell and the neighbour's building have
none. The street has its centre; community 2 a station. Community 1 has a 红立方 offering every
default service type; community 2 a 红工坊. Notices in community 1: a published pinned one, a
draft and an expired one; community 2 one published. The chain: 王强 (a committee member)
answers for community 1, 李秀英 for grid 1.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from sixfold.party import actions as party_actions
from sixfold.services import actions
from sixfold.services.models import ServiceType
from tests.party.conftest import PartyWorld

STATION_PHONE = "13911112222"


class ServicesWorld(PartyWorld):
    def __init__(self):
        super().__init__()
        self.centre = actions.create_point(self.street, {}, by=None)
        self.station = actions.create_point(
            self.community,
            {"opening_hours": "周一至周五", "service_phone": "0531-76543210"},
            by=None,
        )
        self.station_head = actions.add_staff(
            self.station, {"name": "张建国", "role": "站长", "phone": STATION_PHONE}, by=None
        )
        self.grid_point = actions.create_point(self.grid, {}, by=None)
        self.liaison = actions.create_point(self.building.region, {}, by=None)
        self.other_station = actions.create_point(self.other_community, {}, by=None)
        types = list(ServiceType.objects.all())
        self.types = {t.slug: t for t in types}
        self.cube = actions.create_venue(
            self.community,
            {"name": "第1社区红立方", "kind": "red_cube", "service_types": types},
            by=None,
        )
        self.other_venue = actions.create_venue(
            self.other_community,
            {"name": "第2社区红工坊", "kind": "red_workshop", "service_types": types[:1]},
            by=None,
        )
        self.notice = actions.create_notice(
            self.community,
            {"title": "停水通知", "body": "明日停水。", "pinned": True},
            by=None,
            publish=True,
        )
        self.draft = actions.create_notice(
            self.community, {"title": "草稿通知", "body": "还没发布。"}, by=None
        )
        self.expired = actions.create_notice(
            self.community, {"title": "过期通知", "body": "已经过期。"}, by=None, publish=True
        )
        self.expired.expires_on = timezone.localdate() - dt.timedelta(days=1)
        self.expired.save(update_fields=["expires_on"])
        self.other_notice = actions.create_notice(
            self.other_community,
            {"title": "第2社区通知", "body": "别处的通知。"},
            by=None,
            publish=True,
        )
        party_actions.assign_responsibility(self.community, self.neighbour_member, by=None)
        party_actions.assign_responsibility(self.grid, self.member, by=None)


@pytest.fixture(autouse=True)
def default_service_types(request):
    """The service types the migration seeds (a browser test's flush empties every table)."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    migration = importlib.import_module("sixfold.services.migrations.0002_default_service_types")
    migration.add_defaults(apps, None)


@pytest.fixture
def services(db, default_service_types):
    return ServicesWorld()
