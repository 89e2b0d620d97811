"""The demo street's work orders, built by `seed_demo` after the party's members (small street)."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import RequestFactory

from sixfold.accounts.models import User
from sixfold.orders.demo import fill_orders
from sixfold.orders.models import Order, OrderEvent, Whistle
from sixfold.orders.states import State


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        importlib.import_module("sixfold.party.migrations.0002_default_grid_posts").add_defaults(
            apps, None
        )
        out = StringIO()
        call_command(
            "seed_demo", "--communities", "2", "--villages", "1", "--seed", "5", stdout=out
        )
        # seed_demo writes the orders when its transaction commits; this one never does
        fill_orders(5)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_year_of_orders(demo):
    assert "dept_chengguan" in demo
    total = Order.objects.count()
    assert 1000 < total < 3000
    states = dict(Order.objects.values_list("state").annotate(n=Count("pk")))
    assert states[State.PUBLISHED] > total / 2
    assert {State.REJECTED, State.CANCELLED, State.CLOSED} <= set(states)
    assert Order.objects.values("number").distinct().count() == total
    assert not Order.objects.filter(events__isnull=True).exists()
    assert OrderEvent.objects.filter(transition="publish").count() == states[State.PUBLISHED]
    published = Order.objects.filter(state=State.PUBLISHED)
    assert not published.filter(public=False).exists()
    assert published.filter(rating__gte=4).count() > published.filter(rating__lte=2).count()
    assert Order.objects.filter(escalation_level__gte=1).exists()


@pytest.mark.django_db
def test_members_claim_and_the_department_logs_in(demo):
    claimants = User.objects.filter(claimed_orders__isnull=False).distinct()
    assert claimants.filter(role_assignments__role="party_member").exists()
    # the party pillar's members got logins, so stars and the board can name them
    assert claimants.filter(party_member__isnull=False).exists()
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="dept_chengguan", password="sixfold-demo")
    staff = User.objects.get(username="dept_chengguan")
    seen = Order.objects.visible_to(staff)
    whistled = Whistle.objects.filter(department__slug="chengguan").values("order_id")
    assert set(seen.values_list("pk", flat=True)) == set(
        Order.objects.filter(pk__in=whistled).values_list("pk", flat=True)
    )


def orders_fingerprint():
    return sorted(
        Order.objects.values_list(
            "number", "code", "category__slug", "state", "urgency", "rating", "claimant__username"
        )
    )


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_orders(demo):
    first = orders_fingerprint()
    with transaction.atomic():
        Order.objects.all().delete()
        User.objects.filter(username__regex=r"^m[0-9]{3}_[0-9]{2}$").delete()
        fill_orders(5)
        assert orders_fingerprint() == first
        transaction.set_rollback(True)
