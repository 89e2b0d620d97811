"""Star rules (S6): thresholds, evaluation scores, disqualification, reversals, reproducibility,
and `star_counts` batching."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sixfold.points import actions, ledger, stars
from sixfold.points.models import RatingPeriod, RatingResult

from .conftest import Q3_DAY

PM = "party.partymember"


def credit(subject, points, kind, on=Q3_DAY, source=None):
    source = source or kind.split(".")[0]
    return ledger.credit(subject, points=points, source=source, kind=kind, on=on, reason="t")


def result_of(period, member):
    return RatingResult.objects.get(period=period, subject_id=member.pk)


def test_periods_parse():
    assert stars.parse_period("2026q3")[1:] == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert stars.parse_period("2026Q4")[2] == dt.date(2026, 12, 31)
    assert stars.parse_period("2026")[1:] == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert stars.last_full_quarter(dt.date(2026, 11, 26)) == "2026Q3"
    assert stars.last_full_quarter(dt.date(2027, 2, 1)) == "2026Q4"
    with pytest.raises(ValidationError):
        stars.parse_period("2026Q5")


def test_threshold_earns_a_star_and_everyone_is_rated(party, items):
    # given: learning needs 4 points of activity.study in the quarter
    credit(party.member, 3, "activity.study")
    credit(party.neighbour_member, 4, "activity.study")
    credit(party.neighbour_member, 10, "activity.study", on=dt.date(2026, 6, 30))  # Q2
    # when
    period = actions.compute_period("2026Q3", by=party.users["street_admin"], subject_type=PM)
    # then
    assert not result_of(period, party.member).items["learning"]["earned"]
    neighbour = result_of(period, party.neighbour_member)
    assert neighbour.items["learning"]["earned"] and neighbour.stars == 1
    assert neighbour.points == 4
    # members without entries are rated too (the party's population)
    assert result_of(period, party.external).stars == 0
    assert period.subject_count == 4
    assert neighbour.rank == 1


def test_evaluation_score_needed(party, items):
    period = actions.compute_period("2026Q3", by=None, subject_type=PM)
    admin = party.users["street_admin"]
    actions.record_evaluation(period, items["political"], party.member, score=90, by=admin)
    actions.record_evaluation(period, items["political"], party.external, score=84, by=admin)
    actions.compute_period(period, by=admin)
    assert result_of(period, party.member).items["political"]["earned"]
    assert not result_of(period, party.external).items["political"]["earned"]
    # a score does not add to points
    assert result_of(period, party.member).points == 0
    with pytest.raises(ValidationError) as exc:
        actions.record_evaluation(period, items["political"], party.member, score=101, by=admin)
    assert "score" in exc.value.message_dict


def test_disqualification_zeroes_the_period(party, items):
    credit(party.member, 10, "activity.study")
    secretary = party.users["community_secretary"]
    actions.disqualify(
        party.member, occurred_on=dt.date(2026, 9, 1), reason="党纪处分", by=secretary
    )
    period = actions.compute_period("2026Q3", by=None, subject_type=PM)
    row = result_of(period, party.member)
    assert row.disqualified and row.stars == 0 and row.points == 10
    assert row.rank == period.subject_count  # the disqualified rank last
    # out of scope / without the permission
    with pytest.raises(PermissionDenied):
        actions.disqualify(party.other_member, occurred_on=Q3_DAY, reason="x", by=secretary)
    with pytest.raises(ValidationError) as exc:
        actions.disqualify(party.member, occurred_on=Q3_DAY, reason=" ", by=secretary)
    assert "reason" in exc.value.message_dict


def test_reversal_takes_the_star_back(party, items):
    entry = credit(party.member, 5, "activity.study")
    period = actions.compute_period("2026Q3", by=None, subject_type=PM)
    assert result_of(period, party.member).stars == 1
    reversal = ledger.reverse(entry, by=party.users["community_secretary"], reason="重复登记")
    actions.compute_period(period, by=None)
    row = result_of(period, party.member)
    assert row.stars == 0 and row.points == 0
    assert row.items["learning"]["entries"] == [entry.pk, reversal.pk]


def test_recomputation_is_reproducible(party, items):
    credit(party.member, 5, "activity.study")
    credit(party.member, 7, "order.resolved", source="order")
    credit(party.neighbour_member, 3, "activity.patrol")
    first = actions.compute_period("2026Q3", by=None, subject_type=PM)
    rows = list(
        RatingResult.objects.filter(period=first)
        .values_list("subject_id", "stars", "points", "rank", "items")
        .order_by("subject_id")
    )
    again = actions.compute_period(first, by=None)
    assert again.fingerprint == first.fingerprint
    assert rows == list(
        RatingResult.objects.filter(period=again)
        .values_list("subject_id", "stars", "points", "rank", "items")
        .order_by("subject_id")
    )
    # a new entry changes the fingerprint
    credit(party.member, 1, "activity.visit")
    assert actions.compute_period(first, by=None).fingerprint != first.fingerprint


def test_published_period_is_locked(party, items):
    period = actions.compute_period("2026Q3", by=None, subject_type=PM)
    actions.publish_period(period, by=party.users["street_admin"])
    with pytest.raises(ValidationError):
        actions.compute_period(period, by=None)
    with pytest.raises(ValidationError):
        actions.disqualify(
            party.member, occurred_on=Q3_DAY, reason="x", by=party.users["community_secretary"]
        )
    assert RatingPeriod.objects.get(pk=period.pk).is_published


def test_only_street_wide_staff_compute(party, items):
    with pytest.raises(PermissionDenied):
        actions.compute_period("2026Q3", by=party.users["community_secretary"], subject_type=PM)
    with pytest.raises(ValidationError):
        actions.compute_period("2099Q1", by=party.users["street_admin"], subject_type=PM)


def test_star_item_rule_can_be_changed(party, items):
    admin = party.users["street_admin"]
    actions.change_star_item(items["learning"], {"name": "学习星", "threshold": "2"}, by=admin)
    credit(party.member, 2, "activity.study")
    period = actions.compute_period("2026Q3", by=None, subject_type=PM)
    assert result_of(period, party.member).items["learning"]["earned"]
    with pytest.raises(ValidationError) as exc:
        actions.change_star_item(items["learning"], {"counts": "", "evaluation_min": ""}, by=admin)
    assert "counts" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.change_star_item(items["learning"], {}, by=party.users["community_secretary"])


def test_star_counts_batched(party, items, django_assert_num_queries):
    credit(party.member, 5, "activity.study")
    credit(party.neighbour_member, 5, "activity.study")
    credit(party.neighbour_member, 3, "activity.patrol")
    actions.compute_period("2026Q3", by=None, subject_type=PM)
    neighbour_login = ledger.subject_key(party.neighbour_member)
    assert neighbour_login[0] == PM
    from sixfold.party import actions as party_actions

    login = party_actions.create_member_login(
        party.neighbour_member, "t_neighbour", "a-long-password-1", by=None
    )
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = list(
        User.objects.filter(
            pk__in=[party.users["party_member"].pk, login.pk, party.users["resident"].pk]
        )
    )
    # one query for the users' member records, one for the results
    with django_assert_num_queries(2):
        counts = stars.star_counts(users)
    assert counts == {party.users["party_member"].pk: 1, login.pk: 2}
    # members themselves work too
    assert stars.star_counts([party.member, party.external]) == {
        party.member.pk: 1,
        party.external.pk: 0,
    }
    assert stars.star_counts([]) == {}


def test_ledger_is_append_only(party):
    from sixfold.points.models import AppendOnly, LedgerEntry

    entry = credit(party.member, 5, "activity.study")
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=1)
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.all().delete()


def test_adjustment_needs_a_second_person(party):
    secretary = party.users["community_secretary"]
    worker = party.users["community_worker"]
    with pytest.raises(ValidationError) as exc:
        ledger.adjust(party.member, points=3, reason="表彰", by=secretary, approved_by=secretary)
    assert "approved_by" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ledger.adjust(party.member, points=3, reason="表彰", by=secretary, approved_by=worker)
    assert "approved_by" in exc.value.message_dict  # workers may not approve
    entry = ledger.adjust(party.member, points=3, reason="表彰", by=worker, approved_by=secretary)
    assert entry.approved_by == secretary and entry.source == "manual"
    with pytest.raises(PermissionDenied):
        ledger.adjust(
            party.member,
            points=3,
            reason="x",
            by=party.users["grid_worker"],
            approved_by=secretary,
        )


def test_board_opt_out_permissions(party):
    from sixfold.points.models import BoardOptOut

    with pytest.raises(PermissionDenied):
        actions.set_board_opt_out(party.member, hidden=True, by=party.users["branch_secretary"])
    actions.set_board_opt_out(party.member, hidden=True, by=party.users["community_worker"])
    actions.set_board_opt_out(party.member, hidden=True, by=party.users["community_worker"])
    assert BoardOptOut.objects.count() == 1  # idempotent
    assert actions.hidden_from_boards(PM, [party.member.pk, party.external.pk]) == {party.member.pk}
    actions.set_board_opt_out(party.member, hidden=False, by=party.users["party_member"], own=True)
    assert not BoardOptOut.objects.exists()
