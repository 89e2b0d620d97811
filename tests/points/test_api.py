"""The points API: scoped read-only entries, reversals and adjustments through the actions with
stable error codes, star items, periods (compute, publish), results, the public airing JSON."""

import datetime as dt

import pytest

from sixfold.points import actions, ledger
from sixfold.points.models import LedgerEntry
from tests.api.conftest import api  # noqa: F401  (fixture)

from .conftest import Q3_DAY

PM = "party.partymember"
BASE = "/api/v1/party/points/"


@pytest.fixture
def rated(party):
    party.entry = ledger.credit(
        party.member, points=5, source="activity", kind="activity.study", on=Q3_DAY, reason="党课"
    )
    ledger.credit(party.other_member, points=7, source="activity", kind="activity.study", on=Q3_DAY)
    return party


def test_entries_are_scoped_and_read_only(api, rated, django_assert_max_num_queries):  # noqa: F811
    client = api(rated.users["community_secretary"])
    with django_assert_max_num_queries(8):
        body = client.get(BASE + "entries/").json()
    assert [row["subject_name"] for row in body["results"]] == ["李秀英"]
    assert client.get(BASE + f"entries/?subject_type={PM}&subject_id=x").json()["count"] == 0
    other = LedgerEntry.objects.get(subject_id=rated.other_member.pk)
    assert client.get(BASE + f"entries/{other.pk}/").status_code == 404
    assert client.delete(BASE + f"entries/{rated.entry.pk}/").status_code == 405
    assert api(rated.users["resident"]).get(BASE + "entries/").json()["count"] == 0
    assert api().get(BASE + "entries/").status_code in (401, 403)


def test_reverse_through_the_api(api, rated):  # noqa: F811
    client = api(rated.users["community_secretary"])
    url = BASE + f"entries/{rated.entry.pk}/reverse/"
    response = client.post(url, {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    response = client.post(url, {"reason": "重复"}, format="json")
    assert response.status_code == 201 and response.json()["points"] == "-5.00"
    response = client.post(url, {"reason": "again"}, format="json")
    assert response.status_code == 400
    assert response.json()["field_codes"]["non_field_errors"] == ["reversed"]
    branch = api(rated.users["branch_secretary"])
    assert branch.post(url, {"reason": "x"}, format="json").status_code == 403


def test_adjustment_two_person_rule(api, rated):  # noqa: F811
    worker = rated.users["community_worker"]
    secretary = rated.users["community_secretary"]
    client = api(worker)
    payload = {
        "subject_type": PM,
        "subject_id": rated.member.pk,
        "points": "3",
        "reason": "表彰",
        "approved_by": worker.pk,
    }
    response = client.post(BASE + "adjustments/", payload, format="json")
    assert response.status_code == 400 and "approved_by" in response.json()["fields"]
    response = client.post(
        BASE + "adjustments/", {**payload, "approved_by": secretary.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["approved_by"] == "t_secretary"
    # a subject outside the scope is not found; unknown types too
    outside = {**payload, "subject_id": rated.other_member.pk, "approved_by": secretary.pk}
    assert client.post(BASE + "adjustments/", outside, format="json").status_code == 404
    bogus = {**payload, "subject_type": "nope", "approved_by": secretary.pk}
    assert client.post(BASE + "adjustments/", bogus, format="json").status_code == 404
    bad = {**payload, "points": "abc", "approved_by": secretary.pk}
    assert client.post(BASE + "adjustments/", bad, format="json").status_code == 400


def test_periods_and_results(api, rated):  # noqa: F811
    admin = api(rated.users["street_admin"])
    secretary = api(rated.users["community_secretary"])
    body = {"period": "2026Q3", "subject_type": PM}
    assert secretary.post(BASE + "periods/compute/", body, format="json").status_code == 403
    response = admin.post(BASE + "periods/compute/", body, format="json")
    assert response.status_code == 200 and response.json()["status"] == "computed"
    response = admin.post(
        BASE + "periods/compute/", {"period": "2026Q7", "subject_type": PM}, format="json"
    )
    assert response.status_code == 400 and "period" in response.json()["fields"]
    assert secretary.get(BASE + "periods/2026Q3/").json()["subject_count"] == 4
    results = secretary.get(BASE + "results/?period=2026Q3").json()["results"]
    assert {row["subject_name"] for row in results} == {"李秀英", "王强", "孙红"}
    star_row = next(row for row in results if row["subject_name"] == "李秀英")
    assert star_row["stars"] == 1 and star_row["items"]["learning"]["earned"]
    assert len(secretary.get(BASE + "star-items/").json()["results"]) == 12
    assert admin.post(BASE + "periods/2026Q3/publish/").json()["status"] == "published"
    again = admin.post(BASE + "periods/2026Q3/publish/")
    assert again.status_code == 400
    assert again.json()["field_codes"]["non_field_errors"] == ["not_computed"]
    assert api(rated.users["resident"]).get(BASE + "periods/").status_code == 403


def test_airing_json_is_masked_like_the_page(api, rated):  # noqa: F811
    period = actions.compute_period("2026Q3", by=None, subject_type=PM)
    url = f"/api/v1/party/airing/{rated.community.code}/"
    assert api().get(url).json()["period"] is None
    actions.publish_period(period, by=None)
    body = api().get(url).json()
    assert body["period"]["code"] == "2026Q3" and body["full_names"] is False
    assert [row["name"] for row in body["rows"]][0] == "李**"
    assert "李秀英" not in str(body)
    inside = api(rated.users["resident"]).get(url).json()
    assert inside["rows"][0]["name"] == "李秀英"
    assert api().get(url + "?period=1999Q1").status_code == 404
    assert api().get("/api/v1/party/airing/000/").status_code == 404
    assert dt.date.fromisoformat(body["period"]["end"]) == dt.date(2026, 9, 30)


def test_my_points(api, rated):  # noqa: F811
    actions.compute_period("2026Q3", by=None, subject_type=PM)
    body = api(rated.users["party_member"]).get(BASE + "me/").json()
    assert body["count"] == 1 and body["results"][0]["reason"] == "党课"
    assert body["total"] == "5.00"
    assert body["ratings"][0]["period"] == "2026Q3" and body["ratings"][0]["stars"] == 1
    assert api(rated.users["resident"]).get(BASE + "me/").status_code == 404
    assert api().get(BASE + "me/").status_code in (401, 403)
