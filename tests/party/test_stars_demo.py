"""The demo street's points and stars (S6, S8): a year of ledger entries for every member from
the four sources, reversals, evaluation scores, disqualifications, and 2026Q3 computed and
published, so the rating pages and the airing boards show real content. Built on the small
street (2 communities, 1 village) like tests/party/test_demo.py."""

import importlib
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min, Sum

from sixfold.party import demo_points
from sixfold.party.models import PartyMember
from sixfold.points.models import (
    Disqualification,
    EvaluationScore,
    LedgerEntry,
    RatingPeriod,
    RatingResult,
    StarItem,
)
from tests.points.star_items import ensure_default_items

SMALL = ["--communities", "2", "--villages", "1"]
PM = "party.partymember"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        importlib.import_module("sixfold.party.migrations.0002_default_grid_posts").add_defaults(
            apps, None
        )
        ensure_default_items()
        call_command("seed_demo", *SMALL, "--seed", "5", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def mine():
    return LedgerEntry.objects.filter(subject_type=PM, created_by__isnull=True).exclude(reason="")


@pytest.mark.django_db
class TestPointsDemo:
    def test_a_year_of_entries_for_every_member(self, demo):
        members = PartyMember.objects.active().count()
        entries = LedgerEntry.objects.filter(subject_type=PM)
        span = entries.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
        assert span["first"].isoformat() < "2026-01-01" and span["last"].isoformat() > "2026-10-01"
        per_member = entries.values("subject_id").distinct().count()
        assert per_member >= 0.9 * members
        sources = set(entries.values_list("source", flat=True).distinct())
        assert {"activity", "order", "dual_report", "manual", "evaluation"} <= sources
        assert entries.filter(reverses__isnull=False).exists()
        assert not entries.filter(reason="").exists()
        manual = entries.filter(source="manual", reverses__isnull=True)
        assert manual.exists() and not manual.filter(approved_by__isnull=True).exists()

    def test_2026q3_is_computed_published_and_spread(self, demo):
        period = RatingPeriod.objects.get(subject_type=PM, code="2026Q3")
        assert period.is_published and period.fingerprint
        assert period.subject_count == PartyMember.objects.active().count()
        assert RatingResult.objects.filter(period=period).count() == period.subject_count
        spread = dict(
            RatingResult.objects.filter(period=period).values_list("stars").annotate(n=Count("id"))
        )
        assert sum(n for stars_, n in spread.items() if stars_ >= 8) > 0
        assert sum(n for stars_, n in spread.items() if stars_ <= 3) > 0
        assert RatingResult.objects.filter(period=period, disqualified=True, stars=0).exists()
        assert Disqualification.objects.filter(subject_type=PM).exists()
        assert EvaluationScore.objects.filter(period=period).exists()

    def test_each_star_is_explained_by_its_entries(self, demo):
        # The points demo runs after every other builder that credits the ledger, so the stored
        # explanation is what the entries say now.
        period = RatingPeriod.objects.get(subject_type=PM, code="2026Q3")
        items = {i.code: i for i in StarItem.objects.filter(subject_type=PM, active=True)}
        for result in RatingResult.objects.filter(period=period, disqualified=False)[:200]:
            earned = [code for code, data in result.items.items() if data["earned"]]
            assert result.stars == len(earned)
            for code in earned:
                data, item = result.items[code], items[code]
                if item.counts:
                    points = LedgerEntry.objects.filter(pk__in=data["entries"]).aggregate(
                        total=Sum("points")
                    )["total"]
                    assert points == Decimal(data["points"]) >= item.threshold
                if item.evaluation_min is not None:
                    assert Decimal(data["score"]) >= item.evaluation_min

    def test_the_demo_part_is_quick(self, demo):
        assert demo_points.build_seconds["total"] < 6
