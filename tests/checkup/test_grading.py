"""The check-up's arithmetic on hand-built data: weights of indicators and parties, parties
missing, thresholds."""

from decimal import Decimal
from types import SimpleNamespace

from sixfold.party.checkup import actions, grading
from sixfold.party.checkup.models import Grade, Party


def ind(pk, weight, max_score):
    return SimpleNamespace(pk=pk, weight=weight, max_score=max_score)


def test_assessment_score_weighs_indicators_by_share_of_their_maximum():
    indicators = [ind(1, 3, 10), ind(2, 1, 5)]
    # 3·(8/10) + 1·(5/5) = 3.4 of 4 → 85
    assert grading.assessment_score(indicators, {1: 8, 2: 5}) == Decimal("85.00")
    assert grading.assessment_score(indicators, {"1": 0, "2": 0}) == Decimal("0.00")
    assert grading.assessment_score(indicators, {1: 10, 2: 5}) == Decimal("100.00")


def test_total_weighs_parties_and_scales_up_when_one_is_missing():
    weights = {Party.SELF: 10, Party.PEER: 30, Party.RESIDENT: 30, Party.ORGANIZATION: 30}
    scores = {
        Party.SELF: Decimal(100),
        Party.PEER: Decimal(80),
        Party.RESIDENT: Decimal(70),
        Party.ORGANIZATION: Decimal(90),
    }
    total, missing = grading.weighted_total(scores, weights)
    assert total == Decimal("82.00") and missing == []
    # no residents yet: 10·100 + 30·80 + 30·90 over 70
    total, missing = grading.weighted_total({**scores, Party.RESIDENT: None}, weights)
    assert total == Decimal("87.14") and missing == [Party.RESIDENT]
    assert grading.weighted_total(dict.fromkeys(Party.values), weights) == (None, Party.values)


def test_a_party_weighted_zero_is_never_missing():
    weights = {Party.SELF: 0, Party.PEER: 50, Party.RESIDENT: 50, Party.ORGANIZATION: 0}
    total, missing = grading.weighted_total(
        {Party.PEER: Decimal(60), Party.RESIDENT: Decimal(80)}, weights
    )
    assert total == Decimal("70.00") and missing == []


def test_thresholds_are_inclusive_from_below():
    assert grading.grade_for(Decimal("85"), Decimal(85), Decimal(70)) == Grade.HEALTHY
    assert grading.grade_for(Decimal("84.99"), Decimal(85), Decimal(70)) == Grade.SUBHEALTHY
    assert grading.grade_for(Decimal("70"), Decimal(85), Decimal(70)) == Grade.SUBHEALTHY
    assert grading.grade_for(Decimal("69.99"), Decimal(85), Decimal(70)) == Grade.UNHEALTHY
    assert grading.grade_for(None, Decimal(85), Decimal(70)) == ""


def test_sheet_averages_peers_and_uses_the_cycle_thresholds(cw):
    cycle = cw.open()
    m = cw.member
    u = cw.users
    # self 100; peers 100 and (3·5/10 + 1·0/5)/4 = 37.5; organisation 50
    actions.submit_assessment(cycle, m, Party.SELF, cw.full_marks(), by=u["party_member"])
    actions.submit_assessment(cycle, m, Party.PEER, cw.full_marks(), by=u["peer"])
    head = u["branch_secretary"]
    actions.submit_assessment(cycle, m, Party.PEER, {cw.a.pk: 5, cw.b.pk: 0}, by=head)
    actions.submit_assessment(cycle, m, Party.ORGANIZATION, {cw.a.pk: 5, cw.b.pk: 0}, by=head)
    sheet = grading.sheets_for(cycle, [m])[0]
    assert sheet.party_scores[Party.PEER] == Decimal("68.75")
    assert sheet.party_counts[Party.PEER] == 2
    assert sheet.party_scores[Party.ORGANIZATION] == Decimal("37.50")
    # (10·100 + 30·68.75 + 30·37.5) / 70
    assert sheet.total == Decimal("59.82")
    assert sheet.missing == [Party.RESIDENT]
    assert sheet.grade == Grade.UNHEALTHY
    actions.change_cycle(cycle, {"healthy_from": 60, "subhealthy_from": 55}, by=None)
    cycle.refresh_from_db()
    assert grading.sheets_for(cycle, [m])[0].grade == Grade.SUBHEALTHY


def test_in_service_members_answer_their_own_set_too(cw):
    cw.member.in_service = True
    assert [i.pk for i in actions.indicators_for(cw.cycle, cw.member)] == [
        cw.a.pk,
        cw.b.pk,
        cw.c.pk,
    ]
    cw.member.in_service = False
    assert cw.c.pk not in [i.pk for i in actions.indicators_for(cw.cycle, cw.member)]
