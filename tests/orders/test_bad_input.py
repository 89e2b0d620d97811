"""No input gives a 500 on the order pages, the API or Open311: ids too long for the key column,
malformed dates and codes, unknown choices, wrong methods."""

import pytest
from django.urls import reverse

from tests.api.conftest import api  # noqa: F401  (fixture)

BACKEND = "django.contrib.auth.backends.ModelBackend"
HUGE = "9" * 25


@pytest.mark.parametrize(
    "role", ["community_secretary", "resident", "party_member", "department_staff"]
)
def test_pages_never_fail_on_bad_input(client, ow, role):
    order = ow.accepted()
    client.force_login(ow.users[role], backend=BACKEND)
    gets = [
        reverse("orders:desk") + f"?state=zz&category={HUGE}&department=x&overdue=maybe"
        "&submitted_from=2026-02-31&submitted_to=x&channel=?&urgency=!&region=" + HUGE,
        reverse("orders:kanban") + "?submitted_from=nonsense&page=-1",
        reverse("orders:export") + f"?category={HUGE}",
        reverse("orders:mine") + "?state=zz&page=999",
        reverse("orders:pool") + f"?category={HUGE}&page=x",
        reverse("orders:claimed") + "?state=%00",
        reverse("orders:department") + "?status=zz",
        reverse("orders:rates") + f"?region={HUGE}&from=2026-99-99&to=x",
        reverse("orders:submit") + f"?region={HUGE}&category={HUGE}",
        reverse("orders:notice", args=[ow.community.code]) + "?week=2026-02-30",
        reverse("orders:board", args=[ow.community.code]) + "?page=abc",
        reverse("orders:step", args=[order.pk, "accept"]),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
    posts = [
        (reverse("orders:step", args=[order.pk, "dispatch"]), {"to": HUGE}),
        (reverse("orders:step", args=[order.pk, "merge"]), {"into": HUGE}),
        (reverse("orders:step", args=[order.pk, "whistle"]), {"department": HUGE, "kind": "x"}),
        (reverse("orders:step", args=[order.pk, "close"]), {"rating": HUGE}),
        (reverse("orders:step", args=[order.pk, "claim"]), {}),
        (reverse("orders:whistle_step", args=[10**9, "rate"]), {"rating": "x"}),
        (reverse("orders:add_photos", args=[order.pk]), {"photos": "not a file"}),
        (reverse("orders:submit"), {"category": HUGE, "region": HUGE, "text": "x" * 5000}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code < 500, (url, response.status_code)


def test_api_never_fails_on_bad_input(api, ow):  # noqa: F811
    order = ow.accepted()
    client = api(ow.users["community_secretary"])
    for url in [
        f"/api/v1/orders/?state=zz&category={HUGE}&submitted_from=x&department={HUGE}",
        f"/api/v1/orders/{HUGE}/",
        "/api/v1/orders/rates/?region=" + HUGE,
    ]:
        assert client.get(url).status_code < 500, url
    for name, data in [
        ("dispatch", {"to": HUGE}),
        ("merge", {"into": HUGE}),
        ("close", {"rating": "five"}),
        ("acknowledge", {"whistle": HUGE}),
        ("rate-department", {"whistle": 1, "rating": 3}),
        ("whistle", {"department": [1], "kind": {}}),
        ("photos", {"photos": "x"}),
    ]:
        response = client.post(f"/api/v1/orders/{order.pk}/{name}/", data, format="json")
        assert response.status_code in (400, 403, 404, 409), (name, response.status_code)
    response = client.post("/api/v1/orders/", {"region": [HUGE], "category": {}}, format="json")
    assert response.status_code == 400


def test_open311_never_fails_on_bad_input(client, ow):
    for url in [
        "/open311/v2/requests.json?service_request_id=" + "x," * 2000,
        "/open311/v2/requests.xml?start_date=%00&end_date=",
        "/open311/v2/requests/" + "9" * 30 + ".json",
        "/open311/v2/services/" + "x" * 40 + ".xml",
    ]:
        assert client.get(url).status_code < 500, url
    response = client.post("/open311/v2/requests.json", {"api_key": "x" * 500})
    assert response.status_code == 403
    assert client.put("/open311/v2/requests.json").status_code == 405
