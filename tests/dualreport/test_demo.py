"""Dual reporting in the demo street (S22): built by `seed_demo` after the party, most in-service
members reported, posts of every category in every community, claims within capacity, a year of
service with the ledger entries of its confirmed hours, the same for the same seed.

Built on the small street (2 communities, 1 village) like tests/party/test_demo.py."""

import hashlib
import importlib
import time
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import Client, RequestFactory

from sixfold.accounts.models import User
from sixfold.core.models import Region
from sixfold.party.dualreport.actions import ledger_key
from sixfold.party.dualreport.demo import DEMO_LOGIN, build_dualreport_demo
from sixfold.party.dualreport.models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServiceCategory,
    ServicePost,
    ServiceRecord,
    UnitRegistration,
)
from sixfold.party.models import PartyMember
from sixfold.points.models import LedgerEntry

SMALL = ["--communities", "2", "--villages", "1"]
DUAL_MODELS = (
    QuarterlyAssessment,
    ServiceRecord,
    PostClaim,
    ServicePost,
    MemberRegistration.categories.through,
    MemberRegistration,
    UnitRegistration,
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        # data the migrations seed (an earlier browser test's flush empties them)
        for module in (
            "sixfold.party.migrations.0002_default_grid_posts",
            "sixfold.party.dualreport.migrations.0002_default_categories",
        ):
            importlib.import_module(module).add_defaults(apps, None)
        out = StringIO()
        call_command("seed_demo", *SMALL, "--seed", "5", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def fingerprint() -> str:
    digest = hashlib.sha256()
    rows = [
        *MemberRegistration.objects.values_list("code", "employer", "registered_on", "skills"),
        *ServicePost.objects.values_list("code", "category__slug", "title", "capacity"),
        *ServiceRecord.objects.values_list(
            "code", "registration__member__resident__name", "served_on", "hours", "status"
        ),
    ]
    for row in sorted(map(repr, rows)):
        digest.update(row.encode())
    return digest.hexdigest()


@pytest.mark.django_db
class TestDualReportDemo:
    def test_most_in_service_members_have_reported(self, demo):
        in_service = PartyMember.objects.filter(in_service=True, status="active").count()
        reported = MemberRegistration.objects.filter(status="active").count()
        assert in_service > 0
        assert 0.75 <= reported / in_service < 1, (reported, in_service)
        for registration in MemberRegistration.objects.select_related("member", "community"):
            assert registration.member.in_service
            assert registration.code.startswith(registration.community.code)
        assert UnitRegistration.objects.filter(phone_masked__contains="****").exists()

    def test_posts_of_every_category_in_every_community(self, demo):
        communities = Region.objects.filter(level__in=["community", "village"])
        categories = ServiceCategory.objects.filter(active=True).count()
        assert categories == 8
        for community in communities:
            seen = ServicePost.objects.filter(community=community).values("category").distinct()
            assert seen.count() == categories, community.code
        over = ServicePost.objects.annotate(
            taken=Count("claims", filter=Q(claims__status="active"))
        ).filter(taken__gt=F("capacity"))
        assert not over.exists()

    def test_a_year_of_service_with_its_ledger_entries(self, demo):
        records = ServiceRecord.objects.all()
        assert records.filter(status="confirmed").count() > 100
        assert records.filter(status="pending").exists()
        days = records.order_by("served_on").values_list("served_on", flat=True)
        assert (days.last() - days.first()).days > 300
        confirmed = list(records.filter(status="confirmed")[:300])
        keys = {ledger_key(r.pk): r for r in confirmed}
        entries = LedgerEntry.objects.filter(key__in=keys)
        assert entries.count() == len(confirmed)
        for entry in entries:
            record = keys[entry.key]
            assert entry.points == record.points and entry.occurred_on == record.served_on
            assert entry.subject_id == record.registration.member_id
        # withdrawn hours are reversed
        for record in records.filter(status="withdrawn")[:20]:
            credit = LedgerEntry.objects.get(key=ledger_key(record.pk))
            assert LedgerEntry.objects.get(reverses=credit).points == -credit.points
        # some reported members did not serve at all (the "no service" list has names)
        idle = MemberRegistration.objects.exclude(records__isnull=False)
        assert idle.exists()
        assert QuarterlyAssessment.objects.exists()

    def test_the_demo_login_sees_her_pages(self, demo):
        assert DEMO_LOGIN in demo
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=DEMO_LOGIN, password="sixfold-demo")
        user = User.objects.get(username=DEMO_LOGIN)
        registration = MemberRegistration.objects.get(member__user=user)
        assert registration.records.exists()
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        for url in (
            "/party/dual-report/me/",
            f"/party/dual-report/registrations/{registration.pk}/",
        ):
            assert client.get(url).status_code == 200

    def test_the_same_seed_gives_the_same_records_quickly(self, demo):
        first = fingerprint()
        with transaction.atomic():
            for model in DUAL_MODELS:
                model.objects.all()._raw_delete(model.objects.db)
            LedgerEntry.objects.filter(key__startswith="dualreport:")._raw_delete(
                LedgerEntry.objects.db
            )
            PartyMember.objects.filter(user__username=DEMO_LOGIN).update(user=None)
            started = time.perf_counter()
            build_dualreport_demo(seed=5)
            assert time.perf_counter() - started < 5
            assert fingerprint() == first
            transaction.set_rollback(True)
