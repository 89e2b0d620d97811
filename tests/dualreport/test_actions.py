"""Dual reporting's actions (S22): registration, posts and claims within capacity, hours credited
to the points ledger and reversed on withdrawal, assessments, and their audit events."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from sixfold.core.models import AuditEvent
from sixfold.party.dualreport import actions
from sixfold.party.dualreport.models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServicePost,
    ServiceRecord,
    Status,
)
from sixfold.points import ledger
from sixfold.points.models import LedgerEntry, Source

from .conftest import category, post_data

Rec = ServiceRecord.RecordStatus


def codes(exc: ValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"": [e.code for e in exc.error_list]}
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def hours(registration, by, **data):
    return actions.log_service(
        registration,
        {"served_on": dt.date(2026, 2, 3), "hours": "2.5", "description": "楼道劝导", **data},
        by=by,
    )


# --- registration --------------------------------------------------------------------------------
def test_a_member_reports_to_the_community_she_lives_in(dual):
    registration = dual.registration
    assert registration.community == dual.community
    # her rows sit at her household, so the branch secretary of grid 1 sees them
    assert registration.code == dual.household.code
    assert registration.employer == "莱钢"  # taken from the member record
    assert [c.slug for c in registration.categories.all()] == ["legal_aid"]
    event = AuditEvent.objects.filter(object_type="dualreport.memberregistration").get()
    assert event.after["member_name"] == "李秀英"


def test_a_member_registers_herself_and_staff_register_others(dual):
    me = dual.users["party_member"]
    actions.withdraw_registration(dual.registration, by=me)
    again = actions.register_member(
        dual.member, {"phone": "139 0000 2222", "skills": "急救"}, by=me
    )
    assert again.phone_masked == "139****2222"
    assert "13900002222" not in again.phone_enc
    # she cannot register someone else; a community worker can
    with pytest.raises(PermissionDenied):
        actions.register_member(dual.neighbour_member, {}, by=me)
    worker_made = actions.register_member(
        dual.neighbour_member, {}, by=dual.users["community_worker"]
    )
    assert worker_made.code == dual.neighbour.code  # his household in grid 2
    # a worker of community 1 cannot register a member of community 2
    with pytest.raises(PermissionDenied):
        actions.register_member(dual.other_member, {}, by=dual.users["community_worker"])


def test_registration_is_refused_with_stable_codes(dual):
    with pytest.raises(ValidationError) as error:
        actions.register_member(dual.member, {}, by=None)
    assert codes(error.value) == {"member": ["registered"]}
    # 孙红 is not an in-service member
    with pytest.raises(ValidationError) as error:
        actions.register_member(dual.external, {}, by=None)
    assert "not_in_service" in codes(error.value)["member"]
    with pytest.raises(ValidationError) as error:
        actions.register_member(
            dual.neighbour_member,
            {"employer": "", "phone": "12345", "registered_on": "2999-01-01"},
            by=None,
        )
    found = codes(error.value)
    assert found["employer"] == ["required"]
    assert found["phone"] == ["invalid"]
    assert found["registered_on"] == ["invalid"]
    with pytest.raises(ValidationError) as error:
        actions.register_member(dual.neighbour_member, {}, community=dual.grid, by=None)
    assert codes(error.value) == {"community": ["not_community"]}


def test_withdrawing_a_registration_releases_its_claims(dual):
    actions.withdraw_registration(dual.registration, by=dual.users["community_secretary"])
    dual.claim.refresh_from_db()
    dual.registration.refresh_from_db()
    assert dual.claim.status == Status.WITHDRAWN and dual.claim.released_on is not None
    assert dual.registration.withdrawn_on is not None
    with pytest.raises(ValidationError) as error:
        actions.withdraw_registration(dual.registration, by=None)
    assert codes(error.value) == {"": ["state"]}


def test_a_unit_registers_with_its_phone_masked(dual):
    secretary = dual.users["community_secretary"]
    unit = actions.register_unit(
        dual.community,
        {"name": "莱钢党委", "unit": "莱钢", "contact_name": "张伟", "phone": "13812345678"},
        by=secretary,
    )
    assert unit.code == dual.community.code
    assert unit.phone_masked == "138****5678" and unit.phone_hash
    event = AuditEvent.objects.filter(object_type="dualreport.unitregistration").get()
    assert "13812345678" not in str(event.after)
    with pytest.raises(ValidationError) as error:
        actions.register_unit(
            dual.community,
            {"name": "莱钢党委", "unit": "莱钢", "contact_name": "张伟", "phone": "13812345678"},
            by=secretary,
        )
    assert codes(error.value) == {"name": ["registered"]}
    with pytest.raises(ValidationError) as error:
        actions.register_unit(dual.community, {"name": " "}, by=secretary)
    assert set(codes(error.value)) == {"name", "unit", "contact_name", "phone"}
    with pytest.raises(PermissionDenied):
        actions.register_unit(dual.other_community, {}, by=secretary)
    with pytest.raises(PermissionDenied):
        actions.register_unit(dual.community, {}, by=dual.users["branch_secretary"])
    # the member's registration may name the unit, of her own community only
    actions.change_registration(dual.registration, {"unit": unit}, by=secretary)
    other = actions.register_unit(
        dual.other_community,
        {"name": "医院党委", "unit": "人民医院", "contact_name": "李娜", "phone": "13912345678"},
        by=None,
    )
    with pytest.raises(ValidationError) as error:
        actions.change_registration(dual.registration, {"unit": other}, by=secretary)
    assert codes(error.value) == {"unit": ["wrong_community"]}


# --- posts and claims ----------------------------------------------------------------------------
def test_posts_are_checked(dual):
    secretary = dual.users["community_secretary"]
    with pytest.raises(ValidationError) as error:
        actions.publish_post(
            dual.community,
            {
                "category": None,
                "title": "",
                "capacity": "0",
                "starts_on": "2026-05-01",
                "ends_on": "2026-04-01",
            },
            by=secretary,
        )
    assert codes(error.value) == {
        "category": ["required"],
        "title": ["required"],
        "capacity": ["out_of_range"],
        "ends_on": ["date_order"],
    }
    retired = category("other")
    retired.active = False
    retired.save()
    with pytest.raises(ValidationError) as error:
        actions.publish_post(dual.community, post_data(category=retired), by=secretary)
    assert codes(error.value) == {"category": ["inactive"]}
    with pytest.raises(PermissionDenied):
        actions.publish_post(dual.community, post_data(), by=dual.users["grid_worker"])
    # the capacity cannot drop below the places taken
    with pytest.raises(ValidationError) as error:
        actions.change_post(dual.post, {"capacity": 0}, by=secretary)
    assert codes(error.value) == {"capacity": ["out_of_range"]}
    actions.change_post(dual.post, {"capacity": 1, "title": "新标题"}, by=secretary)
    dual.post.refresh_from_db()
    assert (dual.post.capacity, dual.post.title) == (1, "新标题")


def test_claims_respect_the_capacity(dual):
    secretary = dual.users["community_secretary"]
    neighbour = actions.register_member(dual.neighbour_member, {}, by=secretary)
    small = actions.publish_post(dual.community, post_data(capacity=1), by=secretary)
    actions.claim_post(small, neighbour, by=secretary)
    with pytest.raises(ValidationError) as error:
        actions.claim_post(small, dual.registration, by=dual.users["party_member"])
    assert codes(error.value) == {"post": ["full"]}
    assert "full" in error.value.messages[0]
    assert PostClaim.objects.filter(post=small, status=Status.ACTIVE).count() == 1
    # twice is refused; releasing frees the place
    with pytest.raises(ValidationError) as error:
        actions.claim_post(small, neighbour, by=secretary)
    assert codes(error.value) == {"post": ["already_claimed"]}
    actions.release_claim(PostClaim.objects.get(post=small), by=secretary)
    actions.claim_post(small, dual.registration, by=dual.users["party_member"])


def test_claims_are_refused_on_closed_posts_and_other_communities(dual):
    secretary = dual.users["community_secretary"]
    with pytest.raises(ValidationError) as error:
        actions.claim_post(dual.other_post, dual.registration, by=None)
    assert codes(error.value) == {"post": ["wrong_community"]}
    post = actions.publish_post(dual.community, post_data(), by=secretary)
    actions.set_post_status(post, ServicePost.PostStatus.CLOSED, by=secretary)
    with pytest.raises(ValidationError) as error:
        actions.claim_post(post, dual.registration, by=None)
    assert codes(error.value) == {"post": ["closed"]}
    # another member's login cannot claim for her
    other_user = dual.users["resident"]
    with pytest.raises(PermissionDenied):
        actions.claim_post(dual.post, dual.registration, by=other_user)


@pytest.mark.skipif(
    "sqlite" in connection.vendor, reason="concurrent writers need a database server"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_overfill_a_post():
    """Three members, two threads each, one place left: exactly one gets it (PostgreSQL)."""
    from tests.dualreport.conftest import DualWorld

    dual = DualWorld()
    secretary = dual.users["community_secretary"]
    neighbour = actions.register_member(dual.neighbour_member, {}, by=secretary)
    post = actions.publish_post(dual.community, post_data(capacity=1), by=secretary)
    registrations = [dual.registration, neighbour]
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(index):
        from django.db import connections

        try:
            barrier.wait()
            actions.claim_post(post, registrations[index], by=secretary)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(codes(exc)["post"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full", "ok"]
    assert PostClaim.objects.filter(post=post, status=Status.ACTIVE).count() == 1


# --- hours and the ledger ---------------------------------------------------------------------------
def entries(member):
    return LedgerEntry.objects.of("party.partymember", member.pk).order_by("id")


def test_hours_entered_by_the_community_are_credited_at_once(dual):
    secretary = dual.users["community_secretary"]
    record = hours(dual.registration, secretary, post=dual.post)
    assert record.status == Rec.CONFIRMED and record.points == Decimal("2.50")
    [entry] = entries(dual.member)
    assert entry.source == Source.DUAL_REPORT and entry.kind == "dual_report.service"
    assert entry.key == f"dualreport:service:{record.pk}"
    assert entry.occurred_on == dt.date(2026, 2, 3)
    assert entry.points == Decimal("2.50")
    assert entry.ref_url == f"/party/dual-report/records/{record.pk}/"
    assert entry.created_by == secretary
    assert ledger.balance(dual.member) == Decimal("2.50")


def test_points_per_hour_are_configurable(dual, settings):
    settings.SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR = 2
    record = hours(dual.registration, dual.users["community_worker"], hours="1.5")
    assert record.points == Decimal("3.00")
    assert ledger.balance(dual.member) == Decimal("3.00")
    settings.SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR = 0  # hours kept, no points
    record = hours(dual.registration, dual.users["community_worker"], hours="1")
    assert record.status == Rec.CONFIRMED and record.points == 0
    assert entries(dual.member).count() == 1


def test_the_members_own_hours_wait_for_confirmation(dual):
    me = dual.users["party_member"]
    record = hours(dual.registration, me)
    assert record.status == Rec.PENDING and not entries(dual.member).exists()
    with pytest.raises(PermissionDenied):
        actions.confirm_record(record, by=me)  # she cannot confirm her own hours
    with pytest.raises(PermissionDenied):
        actions.confirm_record(record, by=dual.users["branch_secretary"])
    confirmed = actions.confirm_record(record, by=dual.users["community_worker"])
    assert confirmed.status == Rec.CONFIRMED and confirmed.decided_by is not None
    assert ledger.balance(dual.member) == Decimal("2.50")
    with pytest.raises(ValidationError) as error:
        actions.confirm_record(record, by=dual.users["community_worker"])
    assert codes(error.value) == {"": ["state"]}
    assert entries(dual.member).count() == 1


def test_rejected_and_cancelled_hours_earn_nothing(dual):
    me = dual.users["party_member"]
    worker = dual.users["community_worker"]
    first = hours(dual.registration, me)
    with pytest.raises(ValidationError) as error:
        actions.reject_record(first, "  ", by=worker)
    assert codes(error.value) == {"reason": ["required"]}
    actions.reject_record(first, "当日未在岗", by=worker)
    second = hours(dual.registration, me)
    actions.withdraw_record(second, by=me)  # her own pending entry, no reason needed
    assert ServiceRecord.objects.get(pk=second.pk).status == Rec.WITHDRAWN
    assert not entries(dual.member).exists()


def test_withdrawing_confirmed_hours_reverses_their_points(dual):
    worker = dual.users["community_worker"]
    record = hours(dual.registration, worker)
    with pytest.raises(PermissionDenied):  # only the community withdraws confirmed hours
        actions.withdraw_record(record, "重复", by=dual.users["party_member"])
    with pytest.raises(ValidationError) as error:
        actions.withdraw_record(record, "", by=worker)
    assert codes(error.value) == {"reason": ["required"]}
    actions.withdraw_record(record, "重复登记", by=worker)
    credit, reversal = entries(dual.member)
    assert reversal.reverses == credit and reversal.points == -credit.points
    assert reversal.reason == "重复登记"
    assert ledger.balance(dual.member) == 0
    with pytest.raises(ValidationError):
        actions.withdraw_record(record, "again", by=worker)
    assert entries(dual.member).count() == 2
    verbs = AuditEvent.objects.filter(
        object_type="dualreport.servicerecord", object_id=str(record.pk)
    ).values_list("verb", flat=True)
    assert list(verbs).count("change") == 1


def test_bad_hours_are_refused_field_by_field(dual):
    worker = dual.users["community_worker"]
    for value, code in (
        ("0", "out_of_range"),
        ("25", "out_of_range"),
        ("1.25", "out_of_range"),
        ("abc", "invalid"),
        ("NaN", "invalid"),
        (True, "invalid"),
    ):
        with pytest.raises(ValidationError) as error:
            hours(dual.registration, worker, hours=value)
        assert codes(error.value) == {"hours": [code]}, value
    with pytest.raises(ValidationError) as error:
        hours(
            dual.registration,
            worker,
            served_on=timezone.localdate() + dt.timedelta(days=2),
            description="",
        )
    assert codes(error.value) == {"served_on": ["future"], "description": ["required"]}
    with pytest.raises(ValidationError) as error:
        hours(dual.registration, worker, served_on="2025-12-31")
    assert codes(error.value) == {"served_on": ["before_registration"]}
    with pytest.raises(ValidationError) as error:
        hours(dual.registration, worker, post=dual.other_post)
    assert codes(error.value) == {"post": ["not_claimed"]}
    assert not ServiceRecord.objects.exists()


# --- assessments ---------------------------------------------------------------------------------
def test_the_community_assesses_a_quarter_once_and_may_revise_it(dual):
    secretary = dual.users["community_secretary"]
    actions.assess_quarter(dual.registration, 2026, 1, "good", "按时参加", by=secretary)
    actions.assess_quarter(dual.registration, 2026, 1, "excellent", "表现突出", by=secretary)
    assessment = QuarterlyAssessment.objects.get()
    assert (assessment.grade, assessment.comment) == ("excellent", "表现突出")
    with pytest.raises(ValidationError) as error:
        actions.assess_quarter(dual.registration, 2099, 1, "great", by=secretary)
    assert codes(error.value) == {"quarter": ["future"], "grade": ["invalid"]}
    with pytest.raises(ValidationError) as error:
        actions.assess_quarter(dual.registration, "x", 5, "good", by=secretary)
    assert codes(error.value) == {"quarter": ["invalid"]}
    with pytest.raises(PermissionDenied):
        actions.assess_quarter(dual.registration, 2026, 1, "good", by=dual.users["party_member"])


def test_the_category_list_is_configured_street_wide(dual):
    with pytest.raises(PermissionDenied):
        actions.save_category(None, {"slug": "x", "name": "X"}, by=dual.users["community_worker"])
    made = actions.save_category(
        None, {"slug": "elderly", "name": "助老服务", "order": 85}, by=dual.users["street_admin"]
    )
    assert made.active
    with pytest.raises(ValidationError) as error:
        actions.save_category(None, {"slug": "elderly", "name": "组织建设"}, by=None)
    assert codes(error.value) == {"slug": ["taken"], "name": ["taken"]}
    actions.save_category(made, {"name": "助老", "active": False}, by=None)
    made.refresh_from_db()
    assert (made.name, made.active) == ("助老", False)
    assert MemberRegistration.objects.count() == 1


def test_a_member_outside_the_register_names_her_community(dual):
    from sixfold.party import actions as party_actions

    party_actions.change_member(
        dual.external, {"in_service": True, "employer": "师范学校"}, by=None
    )
    admin = dual.users["street_admin"]
    registration = actions.register_member(
        dual.external, {}, community=dual.other_community, by=admin
    )
    # she lives in community 2 although her organisation is community 1's committee
    assert registration.community == dual.other_community
    assert registration.code == dual.other_community.code
