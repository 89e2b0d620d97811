"""The check-up API: cycles (create, open, close through actions), sheets, assessments posted by
those who may give them, rectification and re-check; scoping, error codes, query counts."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sixfold.party.checkup import actions
from sixfold.party.checkup.models import Assessment, CheckupCycle, CheckupResult, Party

BASE = "/api/v1/party/checkup/"


@pytest.fixture
def api():
    def make(user=None) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def test_cycles_are_scoped_and_created_through_the_action(api, cw):
    other = actions.create_cycle(cw.other_community, {"year": 2026}, by=None)
    secretary = api(cw.users["community_secretary"])
    listed = secretary.get(f"{BASE}cycles/").json()
    assert [c["id"] for c in listed["results"]] == [cw.cycle.pk]
    assert secretary.get(f"{BASE}cycles/{other.pk}/").status_code == 404
    bad = secretary.post(
        f"{BASE}cycles/",
        {"region": cw.community.code, "year": 2027, "weight_self": 50},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["field_codes"] == {"weight_organization": ["weights_sum"]}
    taken = secretary.post(f"{BASE}cycles/", {"region": cw.community.code, "year": 2026})
    assert taken.json()["field_codes"] == {"year": ["taken"]}
    outside = secretary.post(f"{BASE}cycles/", {"region": cw.other_community.code, "year": 2027})
    assert outside.status_code == 400  # a region she cannot see does not exist for her
    made = secretary.post(f"{BASE}cycles/", {"region": cw.community.code, "year": 2027})
    assert made.status_code == 201 and len(made.json()["indicators"]) > 0
    worker = api(cw.users["community_worker"])
    assert worker.post(f"{BASE}cycles/{cw.cycle.pk}/open/").status_code == 403
    opened = secretary.post(f"{BASE}cycles/{cw.cycle.pk}/open/")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    again = secretary.post(f"{BASE}cycles/{cw.cycle.pk}/open/")
    assert again.status_code == 400 and again.json()["code"] == "invalid"


def test_assessments_go_through_the_action(api, cw):
    cycle = cw.open()
    url = f"{BASE}assessments/"
    body = {
        "cycle": cycle.pk,
        "member": cw.member.pk,
        "party": "resident",
        "scores": {str(cw.a.pk): 8, str(cw.b.pk): 5},
    }
    resident = api(cw.users["resident"])
    made = resident.post(url, body, format="json")
    assert made.status_code == 201 and made.json()["score"] == "85.00"
    # a grid worker may not rate as a resident; an unknown member is not found either
    assert api(cw.users["grid_worker"]).post(url, body, format="json").status_code == 404
    missing = {**body, "member": 10**12}
    assert resident.post(url, missing, format="json").status_code == 404
    bad = resident.post(url, {**body, "scores": {str(cw.a.pk): 11}}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {f"score_{cw.a.pk}", f"score_{cw.b.pk}"}
    junk = resident.post(url, {**body, "party": "mayor", "scores": "x"}, format="json")
    assert junk.status_code == 400 and set(junk.json()["fields"]) == {"party", "scores"}
    # the resident sees her own assessment, not others'
    assert len(resident.get(url).json()["results"]) == 1
    assert Assessment.objects.count() == 1
    sheet = api(cw.users["community_secretary"]).get(
        f"{BASE}cycles/{cycle.pk}/sheets/{cw.member.pk}/"
    )
    assert sheet.json()["resident_score"] == "85.00"
    assert sheet.json()["missing"] == ["self", "peer", "organization"]
    assert (
        api(cw.users["grid_worker"])
        .get(f"{BASE}cycles/{cycle.pk}/sheets/{cw.neighbour_member.pk}/")
        .status_code
        == 404
    )


def test_sheets_list_within_a_query_budget(api, cw, django_assert_max_num_queries):
    cycle = cw.open()
    client = api(cw.users["street_admin"])
    with django_assert_max_num_queries(10):
        data = client.get(f"{BASE}cycles/{cycle.pk}/sheets/").json()
    names = {row["name"] for row in data["results"]}
    assert names == {"李秀英", "王强", "孙红", "周敏", "刘书记"}  # community 2's 赵敏 is not in it


def test_rectification_and_recheck(api, cw):
    cycle = cw.open()
    actions.submit_assessment(
        cycle, cw.member, Party.ORGANIZATION, {cw.a.pk: 5, cw.b.pk: 0}, by=cw.users["street_admin"]
    )
    api(cw.users["street_admin"]).post(f"{BASE}cycles/{cycle.pk}/close/")
    assert CheckupCycle.objects.get(pk=cycle.pk).is_closed
    result = CheckupResult.objects.get(cycle=cycle, member=cw.member)
    secretary = api(cw.users["community_secretary"])
    bad = secretary.post(f"{BASE}rectifications/", {"result": result.pk, "problem": ""})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"problem", "due_on"}
    made = secretary.post(
        f"{BASE}rectifications/",
        {"result": result.pk, "problem": "学习不够", "due_on": "2026-12-31"},
    )
    assert made.status_code == 201 and made.json()["owner"] == "李秀英"
    item = made.json()["id"]
    assert (
        api(cw.users["grid_worker"]).post(f"{BASE}rectifications/{item}/complete/").status_code
        == 403
    )
    done = secretary.post(f"{BASE}rectifications/{item}/complete/", {"outcome": "已整改"})
    assert done.json()["status"] == "done"
    recheck = secretary.post(f"{BASE}results/{result.pk}/recheck/", {"grade": "healthy"})
    assert recheck.status_code == 200 and recheck.json()["grade"] == "healthy"
    history = secretary.get(f"{BASE}results/", {"member": cw.member.pk}).json()["results"]
    assert history[0]["initial_grade"] == "unhealthy" and history[0]["rechecks"] == 1
    # a member of another community is out of reach
    assert (
        api(cw.users["community_secretary"]).get(f"{BASE}results/{result.pk}/").status_code == 200
    )
    other_admin = api(cw.users["party_member"])
    assert other_admin.get(f"{BASE}results/{result.pk}/").status_code == 404


def test_progress_reports_organisations_below_the_resident_minimum(api, cw):
    cycle = cw.open()
    actions.change_cycle(cycle, {"min_residents": 1}, by=None)
    actions.submit_assessment(
        cycle, cw.member, Party.RESIDENT, cw.full_marks(), by=cw.users["resident"]
    )
    rows = api(cw.users["community_secretary"]).get(f"{BASE}cycles/{cycle.pk}/progress/").json()
    by_org = {row["organization"]: row for row in rows}
    assert by_org[cw.branch.pk]["residents"] == 1
    assert by_org[cw.branch.pk]["assessed"]["resident"] == 1
    assert not by_org[cw.branch.pk]["below_minimum"]
    assert by_org[cw.committee.pk]["below_minimum"]
    grid = api(cw.users["grid_worker"]).get(f"{BASE}cycles/{cycle.pk}/progress/").json()
    assert [row["organization"] for row in grid] == [cw.branch.pk]
