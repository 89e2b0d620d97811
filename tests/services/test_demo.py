"""The demo street's service network: the centre, a station per community, points in the grids,
most buildings with a liaison point, some stairwells with a liaison (gaps on purpose), two to
four venues per community with a 红立方, notices; the same for the same seed; quick."""

import time

import pytest
from django.db import transaction

from sixfold.core.demo import STREET_CODE, build_demo_street
from sixfold.core.models import Level, Region
from sixfold.services.coverage import coverage_report
from sixfold.services.demo import build_services_demo
from sixfold.services.models import Notice, ServicePoint, ServiceStaff, Venue

pytestmark = pytest.mark.django_db


def fingerprint() -> list:
    return [
        sorted(ServicePoint.objects.values_list("code", "name", "service_phone")),
        sorted(ServiceStaff.objects.values_list("code", "name", "role", "phone_masked")),
        sorted(Venue.objects.values_list("code", "name", "kind")),
        sorted(Notice.objects.values_list("code", "title", "published", "pinned")),
    ]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo_street(seed=3, communities=2, villages=1)
        started = time.perf_counter()
        build_services_demo(seed=3)
        seconds = time.perf_counter() - started
        yield seconds
        transaction.set_rollback(True)


def test_network_with_gaps(demo):
    report = coverage_report(Region.objects.get(code=STREET_CODE), limit=0)
    rows = {row.kind: row for row in report.levels}
    assert rows["centre"].uncovered == 0 and rows["station"].uncovered == 0
    assert rows["station"].nodes == 3
    assert rows["grid_point"].covered >= rows["grid_point"].nodes - 1
    assert 0 < rows["building_liaison"].uncovered < rows["building_liaison"].nodes / 3
    assert 0 < rows["unit_liaison"].covered < rows["unit_liaison"].nodes / 2
    assert ServiceStaff.objects.filter(phone_masked__contains="****").count() == (
        ServiceStaff.objects.count()
    )


def test_venues_and_notices(demo):
    for community in Region.objects.filter(level__in=(Level.COMMUNITY, Level.VILLAGE)):
        venues = Venue.objects.filter(region=community)
        assert 2 <= venues.count() <= 4
        cube = venues.get(kind=Venue.Kind.RED_CUBE)
        assert cube.service_types.count() == 7
        assert Notice.objects.filter(region=community).current().exists()
    assert Notice.objects.filter(published=False).exists()


def test_same_seed_same_network_and_quick(demo):
    assert demo < 4
    first = fingerprint()
    with transaction.atomic():
        for model in (ServiceStaff, ServicePoint, Notice):
            model.objects.all().delete()
        Venue.service_types.through.objects.all().delete()
        Venue.objects.all().delete()
        build_services_demo(seed=3)
        assert fingerprint() == first
        transaction.set_rollback(True)
