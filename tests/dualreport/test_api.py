"""The dual-reporting API: registrations, posts and claims (409 when full), records with
confirmation and reversal, the quarter summary; stable error codes, scoping and query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from sixfold.party.dualreport import actions
from sixfold.party.dualreport.models import PostClaim, ServiceRecord
from sixfold.points import ledger
from tests.api.conftest import api  # noqa: F401  (fixture)

from .conftest import post_data

BASE = "/api/v1/party/dual-report"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def test_register_a_member_and_read_the_mask(api, dual):  # noqa: F811
    client = api(dual.users["community_secretary"])
    response = client.post(
        f"{BASE}/registrations/",
        {
            "member": dual.neighbour_member.pk,
            "phone": "13711112222",
            "skills": "电工",
            "categories": ["governance", "health"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "137****2222" and body["community"] == dual.community.code
    assert sorted(body["categories"]) == ["governance", "health"]
    assert body["member_name"] == "王强"
    # twice: a stable code
    response = client.post(f"{BASE}/registrations/", {"member": dual.neighbour_member.pk})
    assert response.status_code == 400
    assert response.json()["field_codes"] == {"member": ["registered"]}


def test_bad_input_gets_field_codes_never_a_500(api, dual):  # noqa: F811
    client = api(dual.users["community_secretary"])
    cases = [
        ("registrations", {"member": "abc"}, "member"),
        ("registrations", {"member": dual.other_member.pk}, "member"),  # out of scope
        ("registrations", {"member": dual.neighbour_member.pk, "phone": "1"}, "phone"),
        ("registrations", {"member": dual.neighbour_member.pk, "categories": ["nope"]}, "categories"),
        ("posts", {"community": dual.community.code, "category": "governance", "title": "x",
                   "capacity": 0}, "capacity"),
        ("posts", {"community": dual.other_community.code, "category": "governance",
                   "title": "x", "capacity": 1}, "community"),
        ("posts", {"community": dual.community.code, "category": "governance", "title": "",
                   "capacity": 1}, "title"),
        ("records", {"registration": dual.registration.pk, "served_on": "2026-02-30",
                     "hours": "2", "description": "x"}, "served_on"),
        ("records", {"registration": dual.registration.pk, "served_on": "2026-02-03",
                     "hours": "99", "description": "x"}, "hours"),
        ("records", {"registration": dual.registration.pk, "served_on": "2026-02-03",
                     "hours": "1.25", "description": "x"}, "hours"),
        ("units", {"community": dual.community.code, "name": "x", "unit": "y",
                   "contact_name": "z", "phone": "abc"}, "phone"),
    ]  # fmt: skip
    for path, data, field in cases:
        response = client.post(f"{BASE}/{path}/", data, format="json")
        assert response.status_code == 400, (path, data, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["field_codes"], (path, body)
    assert client.get(f"{BASE}/letters/?quarter=2026-Q9").status_code == 400
    assert client.get(f"{BASE}/posts/abc/").status_code == 404


def test_claims_answer_409_when_the_post_is_full(api, dual):  # noqa: F811
    secretary = dual.users["community_secretary"]
    neighbour = actions.register_member(dual.neighbour_member, {}, by=secretary)
    post = actions.publish_post(dual.community, post_data(capacity=1), by=secretary)
    actions.claim_post(post, neighbour, by=secretary)
    member = api(dual.users["party_member"])
    response = member.post(f"{BASE}/posts/{post.pk}/claim/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "full"
    # the member claims a post with room for herself, without naming her registration
    roomy = actions.publish_post(dual.community, post_data(capacity=5), by=secretary)
    response = member.post(f"{BASE}/posts/{roomy.pk}/claim/", {}, format="json")
    assert response.status_code == 201 and response.json()["post"] == roomy.pk
    response = member.post(f"{BASE}/posts/{roomy.pk}/claim/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_claimed")
    # another community's post is not found for her
    response = member.post(f"{BASE}/posts/{dual.other_post.pk}/claim/", {}, format="json")
    assert response.status_code == 404
    # the community's staff claim on behalf of a member; the grid worker does not even see the
    # community's posts
    response = api(dual.users["grid_worker"]).post(
        f"{BASE}/posts/{post.pk}/claim/", {"registration": dual.registration.pk}, format="json"
    )
    assert response.status_code == 404
    response = api(dual.users["community_worker"]).post(
        f"{BASE}/posts/{post.pk}/claim/", {"registration": dual.registration.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "full")
    claim = PostClaim.objects.get(post=roomy)
    response = member.post(f"{BASE}/claims/{claim.pk}/release/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_hours_confirmed_then_withdrawn_through_the_api(api, dual):  # noqa: F811
    member = api(dual.users["party_member"])
    response = member.post(
        f"{BASE}/records/",
        {
            "registration": dual.registration.pk,
            "served_on": "2026-02-03",
            "hours": "3",
            "description": "劝导",
            "post": dual.post.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["status"] == "pending"
    assert member.post(f"{BASE}/records/{record['id']}/confirm/").status_code == 403
    worker = api(dual.users["community_worker"])
    response = worker.post(f"{BASE}/records/{record['id']}/confirm/")
    assert response.status_code == 200 and response.json()["points"] == "3.00"
    assert ledger.balance(dual.member) == Decimal("3")
    response = worker.post(f"{BASE}/records/{record['id']}/withdraw/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["field_codes"] == {"reason": ["required"]}
    response = worker.post(
        f"{BASE}/records/{record['id']}/withdraw/", {"reason": "重复"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert ledger.balance(dual.member) == 0
    response = worker.post(f"{BASE}/records/{record['id']}/confirm/")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_scoping_and_the_same_404(api, dual):  # noqa: F811
    other = actions.register_member(dual.other_member, {}, by=None)
    secretary = api(dual.users["community_secretary"])
    ids = [r["id"] for r in secretary.get(f"{BASE}/registrations/").json()["results"]]
    assert ids == [dual.registration.pk]
    assert secretary.get(f"{BASE}/registrations/{other.pk}/").status_code == 404
    assert secretary.get(f"{BASE}/registrations/999999/").status_code == 404
    member = api(dual.users["party_member"])
    assert [r["id"] for r in member.get(f"{BASE}/registrations/").json()["results"]] == [
        dual.registration.pk
    ]
    assert [p["id"] for p in member.get(f"{BASE}/posts/").json()["results"]] == [dual.post.pk]
    assert member.get(f"{BASE}/registrations/{other.pk}/").status_code == 404
    resident = api(dual.users["resident"])
    assert resident.get(f"{BASE}/registrations/").json()["results"] == []
    assert resident.get(f"{BASE}/registrations/{dual.registration.pk}/").status_code == 404
    assert api(None).get(f"{BASE}/registrations/").status_code in (401, 403)
    admin = api(dual.users["street_admin"])
    assert len(admin.get(f"{BASE}/registrations/").json()["results"]) == 2


def test_the_quarter_summary(api, dual):  # noqa: F811
    actions.log_service(
        dual.registration,
        {"served_on": dt.date(2026, 2, 3), "hours": "2.5", "description": "劝导"},
        by=None,
    )
    actions.assess_quarter(dual.registration, 2026, 1, "good", by=None)
    response = api(dual.users["community_secretary"]).get(f"{BASE}/letters/?quarter=2026-Q1")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["member_name"] == "李秀英" and row["hours"] == "2.5" and row["grade"] == "good"
    assert row["letter_url"] == (
        reverse("dualreport:letter", args=[dual.registration.pk]) + "?quarter=2026-Q1"
    )


def test_updates_go_through_the_actions(api, dual):  # noqa: F811
    secretary = api(dual.users["community_secretary"])
    response = secretary.patch(f"{BASE}/posts/{dual.post.pk}/", {"capacity": 0}, format="json")
    assert response.status_code == 400
    response = secretary.patch(f"{BASE}/posts/{dual.post.pk}/", {"capacity": 4}, format="json")
    assert response.status_code == 200 and response.json()["capacity"] == 4
    response = secretary.post(f"{BASE}/posts/{dual.post.pk}/status/", {"status": "closed"})
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = secretary.post(f"{BASE}/posts/{dual.post.pk}/status/", {"status": "bogus"})
    assert response.status_code == 400
    member = api(dual.users["party_member"])
    response = member.patch(
        f"{BASE}/registrations/{dual.registration.pk}/", {"skills": "急救"}, format="json"
    )
    assert response.status_code == 200 and response.json()["skills"] == "急救"
    # she sees her community's post but may not change it
    assert member.patch(f"{BASE}/posts/{dual.post.pk}/", {"capacity": 9}).status_code == 403


# --- query counts ----------------------------------------------------------------------------------
@pytest.fixture
def many(dual):
    secretary = dual.users["community_secretary"]
    from tests import factories
    from tests.party.conftest import member

    for index in range(12):
        household = factories.household(grid=dual.grid)
        resident = factories.resident(household, name=f"成员{index}")
        person = member(dual.branch, resident, in_service=True, employer="莱钢")
        registration = actions.register_member(
            person, {"registered_on": dt.date(2026, 1, 2)}, by=secretary
        )
        post = actions.publish_post(dual.community, post_data(title=f"岗位{index}"), by=secretary)
        actions.claim_post(post, registration, by=secretary)
        actions.log_service(
            registration,
            {"served_on": dt.date(2026, 2, 3), "hours": "2", "description": "x", "post": post},
            by=secretary,
        )
        actions.assess_quarter(registration, 2026, 1, "good", by=secretary)
    return dual


def test_lists_keep_their_query_count(client, api, many, django_assert_max_num_queries):  # noqa: F811
    secretary = many.users["community_secretary"]
    rest = api(secretary)
    for path in ("registrations", "units", "posts", "claims", "records", "letters", "categories"):
        with django_assert_max_num_queries(8):
            assert rest.get(f"{BASE}/{path}/").status_code == 200, path
    client.force_login(secretary, backend=BACKEND)
    for name in (
        "home",
        "registration_list",
        "unit_list",
        "post_list",
        "record_list",
        "letter_list",
        "unregistered_list",
        "idle_list",
    ):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(f"dualreport:{name}")).status_code == 200, name
    registration = many.registration
    for url in (
        reverse("dualreport:registration_detail", args=[registration.pk]),
        reverse("dualreport:letter", args=[registration.pk]),
        reverse("dualreport:post_detail", args=[many.post.pk]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
    assert ServiceRecord.objects.count() == 12


def test_bad_filters_answer_400_not_500(api, dual):  # noqa: F811
    client = api(dual.users["community_secretary"])
    for query in ("records/?served_from=bad", "records/?registration=abc", "posts/?category=x"):
        response = client.get(f"{BASE}/{query}")
        assert response.status_code in (200, 400), (query, response.status_code)


def test_assess_and_read_a_members_letter(api, dual):  # noqa: F811
    actions.log_service(
        dual.registration,
        {
            "served_on": dt.date(2026, 2, 3),
            "hours": "2.5",
            "description": "劝导",
            "post": dual.post,
        },
        by=None,
    )
    secretary = api(dual.users["community_secretary"])
    url = f"{BASE}/registrations/{dual.registration.pk}/"
    response = secretary.post(
        url + "assess/", {"quarter": "2026-Q1", "grade": "excellent", "comment": "好"}
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"quarter": "2026-Q1", "grade": "excellent", "comment": "好"}
    for bad in ({"quarter": "2026-Q7", "grade": "good"}, {"quarter": "2026-Q1", "grade": "x"}):
        assert secretary.post(url + "assess/", bad).status_code == 400
    member = api(dual.users["party_member"])
    assert member.post(url + "assess/", {"quarter": "2026-Q1", "grade": "good"}).status_code == 403
    response = member.get(url + "letter/?quarter=2026-Q1")
    assert response.status_code == 200
    body = response.json()
    assert body["hours"] == "2.5" and body["grade"] == "excellent" and body["quarter"] == "2026-Q1"
    assert [r["description"] for r in body["records"]] == ["劝导"]
    assert [p["title"] for p in body["posts"]] == ["楼道文明劝导"]
    empty = member.get(url + "letter/?quarter=2026-Q2").json()
    assert empty["records"] == [] and empty["grade"] is None
    assert member.get(url + "letter/?quarter=bad").status_code == 400
