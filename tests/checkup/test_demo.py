"""The check-up part of the demo (small street, like tests/party/test_demo.py): last year's closed
cycle with grades and follow-up, this year's open cycle partly assessed, pages for the demo
logins, and the same seed giving the same history."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from sixfold.accounts.models import User
from sixfold.core import demo as core_demo
from sixfold.party.checkup.demo import build_checkup_demo
from sixfold.party.checkup.models import (
    Assessment,
    CheckupCycle,
    CheckupResult,
    Grade,
    Recheck,
    RectificationItem,
)
from sixfold.party.demo import build_party_demo

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        importlib.import_module("sixfold.party.migrations.0002_default_grid_posts").add_defaults(
            apps, None
        )
        call_command(
            "seed_demo", "--communities", "2", "--villages", "1", "--seed", "5", stdout=StringIO()
        )
        yield
        transaction.set_rollback(True)


def fingerprint():
    return sorted(
        Assessment.objects.values_list("cycle__year", "member__code", "party", "score")
    ) + sorted(CheckupResult.objects.values_list("member__code", "total", "initial_grade", "grade"))


def test_the_checkup_demo_runs_after_the_party_demo():
    extensions = core_demo.DEMO_EXTENSIONS
    assert extensions.index(build_party_demo) < extensions.index(build_checkup_demo)


@pytest.mark.django_db
class TestCheckupDemo:
    def test_last_year_closed_and_graded_this_year_open(self, demo):
        last, current = CheckupCycle.objects.order_by("year")
        assert (last.status, current.status) == ("closed", "open")
        grades = set(CheckupResult.objects.values_list("initial_grade", flat=True))
        assert Grade.HEALTHY in grades and Grade.SUBHEALTHY in grades
        assert not CheckupResult.objects.filter(cycle=current).exists()
        assessed = Assessment.objects.filter(cycle=current).values("member").distinct().count()
        members = CheckupResult.objects.filter(cycle=last).count()
        assert 0.2 * members < assessed < 0.8 * members
        # follow-up only where it belongs
        assert RectificationItem.objects.exists()
        assert not RectificationItem.objects.filter(result__initial_grade=Grade.HEALTHY).exists()
        assert Recheck.objects.exists()

    def test_pages_for_the_demo_logins(self, demo, client):
        current = CheckupCycle.objects.get(status="open")
        for username, url in (
            ("street_admin", reverse("checkup:progress", args=[current.pk])),
            ("secretary_01", reverse("checkup:summary", args=[current.pk])),
            ("secretary_01", reverse("checkup:rectification_list")),
            ("member_01", reverse("checkup:me")),
            ("resident_01", reverse("checkup:rate")),
        ):
            client.force_login(User.objects.get(username=username), backend=BACKEND)
            assert client.get(url).status_code == 200, (username, url)
        member = User.objects.get(username="member_01").party_member
        assert not Assessment.objects.filter(cycle=current, member=member, party="self").exists()

    def test_the_same_seed_gives_the_same_history(self, demo):
        # Rebuilt twice here: pillars seeded after this one (dual reporting) add members.
        def rebuild():
            for model in (RectificationItem, Recheck, CheckupResult, Assessment, CheckupCycle):
                model.objects.all().delete()
            build_checkup_demo(seed=5)
            return fingerprint()

        with transaction.atomic():
            assert rebuild() == rebuild()
            transaction.set_rollback(True)
