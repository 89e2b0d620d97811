"""The claimant's points: credits on verify and good ratings, debits on rework and bad ratings,
reversal on reopening."""

from decimal import Decimal

import pytest

from sixfold.orders import actions
from sixfold.points import ledger
from sixfold.points.models import LedgerEntry


@pytest.fixture
def user_subjects():
    """Count points on the login itself (the party pillar maps logins to members instead)."""

    def resolver(person):
        return person if person._meta.label_lower == "accounts.user" else None

    ledger._RESOLVERS.insert(0, resolver)
    yield
    ledger._RESOLVERS.remove(resolver)


def total(user):
    return sum(
        LedgerEntry.objects.filter(subject_type="accounts.user", subject_id=user.pk).values_list(
            "points", flat=True
        ),
        Decimal(0),
    )


def test_credits_debits_and_reversal(ow, user_subjects):
    member, worker, resident = (
        ow.users["party_member"],
        ow.users["community_worker"],
        ow.users["resident"],
    )
    order = ow.resolved()
    order = actions.send_back(order, by=worker, reason="没修好")
    assert total(member) == -2
    order = actions.resolve(order, by=member, resolution="修好了")
    order = actions.verify(order, by=worker)
    assert total(member) == -2 + 5 + 2  # resolved, on time
    order = actions.close(order, by=resident, rating=5)
    assert total(member) == 8
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == {"order.rework", "order.resolved", "order.on_time", "order.good_rating"}
    order = actions.reopen(order, by=resident, reason="又坏了")
    assert total(member) == 0
    # a new cycle earns again; a bad rating debits
    order = actions.claim(order, by=member)
    order = actions.resolve(order, by=member, resolution="彻底修好")
    order = actions.verify(order, by=worker)
    order = actions.close(order, by=resident, rating=1)
    assert total(member) == 5 + 2 - 3


def test_no_ledger_no_points(ow):
    """A user nobody maps to a subject has no ledger: the order goes on regardless."""
    actions.close(ow.verified(), by=ow.users["resident"], rating=5)
    assert not LedgerEntry.objects.exists()
