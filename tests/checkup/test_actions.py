"""Check-up actions: the cycle's states, who may assess whom, closing and grading, rectification
and re-check history, bad input."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sixfold.core.models import AuditEvent
from sixfold.party.checkup import actions
from sixfold.party.checkup.models import (
    Assessment,
    CheckupCycle,
    CheckupResult,
    Grade,
    Party,
    RectificationItem,
)


def codes(exc_info):
    error = exc_info.value
    if hasattr(error, "error_dict"):
        return {f: [e.code for e in errs] for f, errs in error.error_dict.items()}
    return [e.code for e in error.error_list]


def test_assessing_needs_an_open_cycle_and_a_closed_one_is_read_only(cw):
    admin = cw.users["street_admin"]
    with pytest.raises(ValidationError) as exc:
        actions.submit_assessment(
            cw.cycle, cw.member, Party.SELF, cw.full_marks(), by=cw.users["party_member"]
        )
    assert codes(exc) == ["not_open"]
    cycle = cw.open()
    with pytest.raises(ValidationError) as exc:
        actions.add_indicator(cycle, {"name": "x", "weight": 1, "max_score": 1}, by=admin)
    assert codes(exc) == ["already_open"]
    actions.close_cycle(cycle, by=admin)
    cycle.refresh_from_db()
    assert cycle.status == CheckupCycle.Status.CLOSED
    for attempt in (
        lambda: actions.submit_assessment(
            cycle, cw.member, Party.SELF, cw.full_marks(), by=cw.users["party_member"]
        ),
        lambda: actions.change_cycle(cycle, {"min_residents": 1}, by=admin),
        lambda: actions.close_cycle(cycle, by=admin),
        lambda: actions.remove_indicator(cw.a, by=admin),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert codes(exc) == ["closed"]


def test_who_may_assess_whom(cw):
    cycle = cw.open()
    u, m = cw.users, cw.member
    allowed = {
        Party.SELF: [u["party_member"]],
        Party.PEER: [u["peer"], u["branch_secretary"]],
        Party.RESIDENT: [u["resident"]],
        Party.ORGANIZATION: [u["street_admin"], u["community_secretary"], u["branch_secretary"]],
    }
    for party in Party.values:
        for name, user in u.items():
            expected = user in allowed[party]
            assert actions.may_assess(user, cycle, m, party) is expected, (party, name)
    # a resident of community 2 may not rate community 1's members; a member not herself
    other = cw.users["resident"]
    assert not actions.may_assess(other, cycle, cw.other_member, Party.RESIDENT)
    with pytest.raises(PermissionDenied):
        actions.submit_assessment(cycle, m, Party.RESIDENT, cw.full_marks(), by=u["party_member"])


def test_scores_are_checked_against_the_indicators(cw):
    cycle = cw.open()
    user = cw.users["party_member"]
    for scores, field in (
        ({cw.a.pk: 11, cw.b.pk: 5}, f"score_{cw.a.pk}"),
        ({cw.a.pk: 10}, f"score_{cw.b.pk}"),
        ({cw.a.pk: "x", cw.b.pk: 5}, f"score_{cw.a.pk}"),
        ({cw.a.pk: 10, cw.b.pk: 5, cw.c.pk: 3}, f"score_{cw.c.pk}"),
        ({cw.a.pk: True, cw.b.pk: 5}, f"score_{cw.a.pk}"),
    ):
        with pytest.raises(ValidationError) as exc:
            actions.submit_assessment(cycle, cw.member, Party.SELF, scores, by=user)
        assert field in exc.value.error_dict
    assert not Assessment.objects.exists()


def test_a_second_submission_replaces_the_first_and_is_logged(cw):
    cycle = cw.open()
    user = cw.users["peer"]
    first = actions.submit_assessment(cycle, cw.member, Party.PEER, cw.full_marks(), by=user)
    second = actions.submit_assessment(
        cycle, cw.member, Party.PEER, {cw.a.pk: 0, cw.b.pk: 0}, by=user, comment="再努力"
    )
    assert first.pk == second.pk and Assessment.objects.count() == 1
    assert str(second.score) == "0.00"
    verbs = AuditEvent.objects.filter(object_type="checkup.assessment").values_list(
        "verb", flat=True
    )
    assert sorted(verbs) == ["change", "create"]


def test_rules_are_checked_together(cw):
    admin = cw.users["street_admin"]
    with pytest.raises(ValidationError) as exc:
        actions.change_cycle(cw.cycle, {"weight_self": 50}, by=admin)
    assert codes(exc) == {"weight_organization": ["weights_sum"]}
    with pytest.raises(ValidationError) as exc:
        actions.change_cycle(cw.cycle, {"healthy_from": 60, "subhealthy_from": 60}, by=admin)
    assert codes(exc) == {"subhealthy_from": ["threshold_order"]}
    with pytest.raises(ValidationError) as exc:
        actions.create_cycle(cw.community, {"year": 2026}, by=admin)
    assert codes(exc) == {"year": ["taken"]}
    with pytest.raises(ValidationError) as exc:
        actions.create_cycle(cw.street, {"year": 2026}, by=admin)
    assert codes(exc) == {"year": ["overlap"]}  # community 1 has its own that year
    with pytest.raises(ValidationError) as exc:
        actions.create_cycle(cw.grid, {"year": 2027}, by=admin)
    assert codes(exc) == {"region": ["bad_level"]}
    with pytest.raises(PermissionDenied):
        actions.create_cycle(cw.other_community, {"year": 2027}, by=cw.users["community_secretary"])
    with pytest.raises(ValidationError) as exc:
        actions.open_cycle(
            actions.create_cycle(cw.street, {"year": 2027}, by=admin, default_indicators=False),
            by=admin,
        )
    assert codes(exc) == ["no_indicators"]


def close_with(cw, org_scores):
    cycle = cw.open()
    head = cw.users["branch_secretary"]
    actions.submit_assessment(cycle, cw.member, Party.ORGANIZATION, org_scores, by=head)
    actions.close_cycle(cycle, by=cw.users["community_secretary"])
    return CheckupResult.objects.get(cycle=cycle, member=cw.member)


def test_closing_grades_every_member_and_records_what_is_missing(cw):
    result = close_with(cw, {cw.a.pk: 5, cw.b.pk: 0})  # 37.5
    assert result.total == result.organization_score
    assert result.initial_grade == result.grade == Grade.UNHEALTHY
    assert result.missing == "self,peer,resident"
    others = CheckupResult.objects.exclude(pk=result.pk)
    # every active member of the community, community 2's member not among them
    assert set(others.values_list("member", flat=True)) == {
        cw.peer.pk,
        cw.head.pk,
        cw.neighbour_member.pk,
        cw.external.pk,
    }
    assert set(others.values_list("grade", flat=True)) == {""}


def test_rectification_and_recheck_keep_the_history(cw):
    result = close_with(cw, {cw.a.pk: 8, cw.b.pk: 3})  # (2.4+0.6)/4 = 75 → sub-healthy
    assert result.grade == Grade.SUBHEALTHY
    secretary = cw.users["community_secretary"]
    with pytest.raises(ValidationError) as exc:
        actions.add_rectification(result, {"problem": "", "due_on": "no"}, by=secretary)
    assert set(exc.value.error_dict) == {"problem", "due_on"}
    item = actions.add_rectification(
        result, {"problem": "联系户走访不够", "due_on": dt.date(2026, 12, 31)}, by=secretary
    )
    assert item.owner == "李秀英" and item.status == RectificationItem.Status.OPEN
    with pytest.raises(PermissionDenied):
        actions.complete_rectification(item, by=cw.users["community_worker"])
    actions.complete_rectification(item, outcome="已走访全部联系户", by=secretary)
    with pytest.raises(ValidationError):
        actions.complete_rectification(item, by=secretary)
    actions.record_recheck(result, Grade.HEALTHY, note="整改到位", by=secretary)
    actions.record_recheck(result, Grade.SUBHEALTHY, note="复查反弹", by=secretary)
    result.refresh_from_db()
    assert result.initial_grade == Grade.SUBHEALTHY and result.grade == Grade.SUBHEALTHY
    assert [(r.previous_grade, r.grade) for r in result.rechecks.all()] == [
        (Grade.SUBHEALTHY, Grade.HEALTHY),
        (Grade.HEALTHY, Grade.SUBHEALTHY),
    ]
    with pytest.raises(ValidationError) as exc:
        actions.record_recheck(result, "excellent", by=secretary)
    assert codes(exc) == {"grade": ["invalid_choice"]}


def test_a_healthy_result_has_no_rectification(cw):
    result = close_with(cw, cw.full_marks())
    with pytest.raises(ValidationError) as exc:
        actions.add_rectification(
            result, {"problem": "x", "due_on": "2026-12-01"}, by=cw.users["street_admin"]
        )
    assert codes(exc) == ["no_rectification"]


def test_progress_command_lists_organisations_below_the_minimum(cw):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    cycle = cw.open()
    actions.submit_assessment(
        cycle, cw.member, Party.RESIDENT, cw.full_marks(), by=cw.users["resident"]
    )
    out = StringIO()
    call_command("checkup_progress", "--cycle", str(cycle.pk), "--format", "json", stdout=out)
    rows = {row["organization"]: row for row in json.loads(out.getvalue())["organizations"]}
    assert rows[cw.branch.pk]["residents"] == 1 and rows[cw.branch.pk]["below_minimum"]
    out = StringIO()
    call_command("checkup_progress", "--cycle", str(cycle.pk), stdout=out)
    assert "少于 5 人" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("checkup_progress", "--cycle", "999999", stdout=StringIO())
