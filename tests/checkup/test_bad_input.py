"""No input gives a 500: forms and the API answer bad values field by field, and nothing is
saved."""

import pytest
from django.urls import reverse

from sixfold.party.checkup.models import Assessment, CheckupCycle, RectificationItem
from tests.checkup.test_api import BASE, api  # noqa: F401  (fixture)
from tests.checkup.test_web import login

HUGE = "9" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"/party/checkup/{HUGE}/",
        f"/party/checkup/1/members/{HUGE}/",
        "/party/checkup/1/members/1/assess/self/",
        "/party/checkup/rectifications/?page=abc&status=nope&grade=%00&overdue=maybe",
        f"/party/checkup/rectifications/?cycle={HUGE}&region=%00",
        f"/party/checkup/1/sheets/?organization={HUGE}&search={'x' * 500}",
        "/party/checkup/?year=abc&status=zzz",
    ],
)
def test_pages_answer_bad_addresses_without_error(client, cw, path):
    login(client, cw, "street_admin")
    assert client.get(path).status_code in (200, 404)


def test_forms_answer_bad_values_field_by_field(client, cw):
    login(client, cw, "street_admin")
    url = reverse("checkup:indicator_add", args=[cw.cycle.pk])
    response = client.post(url, {"category": "aliens", "name": "", "weight": "0", "max_score": "x"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"category", "name", "max_score"}
    edit = reverse("checkup:cycle_edit", args=[cw.cycle.pk])
    response = client.post(
        edit,
        {
            "weight_self": "10",
            "weight_peer": "30",
            "weight_resident": "30",
            "weight_organization": "30",
            "healthy_from": "NaN",
            "subhealthy_from": "1e999",
            "min_residents": "-1",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    cw.cycle.refresh_from_db()
    assert cw.cycle.min_residents == 5


def test_api_answers_bad_values_with_codes(api, cw):  # noqa: F811
    client = api(cw.users["street_admin"])
    for body in (
        {"cycle": HUGE, "member": 1, "party": "self", "scores": {}},
        {"cycle": "x", "member": None, "party": [], "scores": []},
        {},
    ):
        response = client.post(f"{BASE}assessments/", body, format="json")
        assert response.status_code == 400 and response.json()["fields"]
    response = client.post(
        f"{BASE}cycles/", {"region": "nowhere", "year": 99999, "healthy_from": "abc"}
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"region", "year", "healthy_from"}
    response = client.post(f"{BASE}rectifications/", {"result": HUGE, "due_on": "yesterday"})
    assert response.status_code == 400
    assert not Assessment.objects.exists() and not RectificationItem.objects.exists()
    assert CheckupCycle.objects.count() == 1


def test_api_lists_within_a_query_budget(api, cw, django_assert_max_num_queries):  # noqa: F811
    client = api(cw.users["community_secretary"])
    for path in ("cycles/", "assessments/", "rectifications/", "results/"):
        with django_assert_max_num_queries(8):
            assert client.get(f"{BASE}{path}").status_code == 200, path
