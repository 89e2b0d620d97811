"""The points ledger: append-only, reversals instead of edits, idempotent credits, the
two-person rule for manual adjustments, subject resolvers and scoping."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sixfold.core.models import AuditEvent
from sixfold.points import ledger
from sixfold.points.models import AppendOnly, LedgerEntry, Source

pytestmark = pytest.mark.django_db


def credit(subject, points=5, **kwargs):
    kwargs.setdefault("source", Source.ORDER)
    kwargs.setdefault("kind", "order.resolved")
    return ledger.credit(subject, points=points, **kwargs)


def test_credit_records_subject_scope_and_audit_event(world):
    entry = credit(world.resident, on=dt.date(2026, 7, 1), ref="orders.order:7", reason="修水管")
    assert entry.subject_type == "core.resident"
    assert entry.subject_id == world.resident.pk
    assert entry.code == world.resident.code
    assert entry.subject_name == str(world.resident)
    assert entry.points == Decimal("5.00")
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.CREATE, object_type="points.ledgerentry", object_id=str(entry.pk)
    ).exists()
    assert ledger.balance(world.resident) == Decimal("5")


def test_entries_cannot_be_changed_or_deleted(world):
    entry = credit(world.resident)
    entry.points = 100
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=1)
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).points == Decimal("5.00")


def test_a_key_makes_a_credit_idempotent(world):
    first = credit(world.resident, key="order:1:resolved")
    again = credit(world.resident, points=9, key="order:1:resolved")
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("points", [0, "abc", "NaN", "Infinity", 10001, -10001, None])
def test_bad_amounts_are_refused_with_a_field_error(world, points):
    with pytest.raises(ValidationError) as error:
        credit(world.resident, points=points)
    assert "points" in error.value.message_dict
    assert not LedgerEntry.objects.exists()


def test_unknown_source_is_a_programming_error(world):
    with pytest.raises(ValueError):
        credit(world.resident, source="lottery")


def test_reversal_cancels_an_entry_once(world):
    entry = credit(world.resident, points=3, on=dt.date(2026, 5, 2))
    admin = world.users["community_secretary"]
    reversal = ledger.reverse(entry, by=admin, reason="重复登记")
    assert reversal.points == Decimal("-3.00")
    assert reversal.reverses == entry
    assert reversal.occurred_on == entry.occurred_on
    assert ledger.balance(world.resident) == 0
    with pytest.raises(ValidationError):
        ledger.reverse(entry, by=admin, reason="again")
    with pytest.raises(ValidationError):
        ledger.reverse(reversal, by=admin, reason="undo")


def test_people_need_the_adjust_permission_and_a_reason_to_reverse(world):
    entry = credit(world.resident)
    with pytest.raises(PermissionDenied):
        ledger.reverse(entry, by=world.users["resident"], reason="x")
    with pytest.raises(PermissionDenied):
        ledger.reverse(entry, by=world.users["grid_worker"], reason="x")
    with pytest.raises(ValidationError):
        ledger.reverse(entry, by=world.users["community_secretary"], reason=" ")
    # Engines reverse their own entries as the system.
    assert ledger.reverse(entry, by=None).points == Decimal("-5.00")


def test_adjustment_needs_a_second_person_who_may_approve(world):
    worker = world.users["community_worker"]
    secretary = world.users["community_secretary"]
    with pytest.raises(ValidationError) as error:
        ledger.adjust(world.resident, points=2, reason="", by=worker, approved_by=worker)
    assert set(error.value.message_dict) == {"reason", "approved_by"}
    with pytest.raises(ValidationError) as error:
        ledger.adjust(world.resident, points=2, reason="帮扶", by=secretary, approved_by=worker)
    assert "approved_by" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        ledger.adjust(
            world.resident,
            points=2,
            reason="帮扶",
            by=world.users["grid_worker"],
            approved_by=secretary,
        )
    entry = ledger.adjust(
        world.resident, points="-1.5", reason="扣分", by=worker, approved_by=secretary
    )
    assert entry.source == Source.MANUAL and entry.approved_by == secretary
    assert entry.created_by == worker and entry.points == Decimal("-1.50")


def test_adjustment_out_of_the_approvers_scope_is_refused(world):
    street_admin = world.users["street_admin"]
    secretary = world.users["community_secretary"]
    with pytest.raises(ValidationError):
        ledger.adjust(
            world.other_resident, points=1, reason="x", by=street_admin, approved_by=secretary
        )


def test_resolvers_map_what_engines_pass_to_the_subject(world):
    user = world.users["resident"]
    assert ledger.credit(user, points=1, source=Source.ORDER, kind="order.resolved") is None

    def resolver(person):
        return world.resident if person == user else None

    ledger.register_resolver(resolver)
    try:
        entry = ledger.credit(user, points=1, source=Source.ORDER, kind="order.resolved")
        assert entry.subject_type == "core.resident"
    finally:
        ledger._RESOLVERS.remove(resolver)


def test_balance_within_a_period(world):
    credit(world.resident, points=1, on=dt.date(2026, 3, 31))
    credit(world.resident, points=2, on=dt.date(2026, 4, 1))
    credit(world.resident, points=4, on=dt.date(2026, 6, 30))
    credit(world.resident, points=8, on=dt.date(2026, 7, 1))
    q2 = ledger.balance(world.resident, start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30))
    assert q2 == Decimal("6")


def test_visibility_follows_the_points_view_scope(world):
    mine = credit(world.resident)
    other = credit(world.other_resident)
    secretary = world.users["community_secretary"]
    assert list(LedgerEntry.objects.visible_to(secretary)) == [mine]
    assert set(LedgerEntry.objects.visible_to(world.users["street_admin"])) == {mine, other}
    assert not LedgerEntry.objects.visible_to(world.users["resident"]).exists()
    assert not LedgerEntry.objects.visible_to(world.users["grid_worker"]).exists()
