"""No input gives a 500: ids too long for the key column, malformed dates, unknown choices, on
every party form and API write (SQLite overflows on such ids where PostgreSQL would not match)."""

from django.urls import reverse

from tests.api.conftest import api  # noqa: F401  (fixture)

BACKEND = "django.contrib.auth.backends.ModelBackend"
HUGE = "9" * 25


def test_pages_refuse_bad_input_without_a_server_error(client, party):
    client.force_login(party.users["community_secretary"], backend=BACKEND)
    urls = [
        (reverse("party:member_create") + f"?resident={HUGE}&organization={HUGE}", "get", {}),
        (
            reverse("party:member_create"),
            "post",
            {"organization": HUGE, "resident": HUGE, "group": HUGE, "joined_on": "2020-01-01"},
        ),
        (
            reverse("party:chain_assign", args=[party.household.code]),
            "post",
            {"member": HUGE, "expected": HUGE},
        ),
        (reverse("party:chain_unassign", args=[party.household.code]), "post", {"expected": HUGE}),
        (
            reverse("party:chain_bulk", args=[party.unit.code]),
            "post",
            {"level": "household", "members": [HUGE]},
        ),
        (
            reverse("party:grid_post_edit", args=[party.grid.code]),
            "post",
            {"kind": HUGE, "member": HUGE},
        ),
        (reverse("party:grid_post_edit", args=[party.grid.code]), "post", {"vacate": HUGE}),
        (
            reverse("party:member_transfer", args=[party.member.pk]),
            "post",
            {"to_organization": HUGE, "on": "2020-01-01"},
        ),
        (
            reverse("party:post_add", args=[party.committee.pk]),
            "post",
            {"member": HUGE, "post": "secretary"},
        ),
        (reverse("party:member_list") + f"?organization={HUGE}&region=x&flag=zz", "get", {}),
        (reverse("party:member_export") + f"?organization={HUGE}", "get", {}),
        (reverse("party:coverage") + "?region=" + HUGE, "get", {}),
        (reverse("party:chain_node", args=[HUGE]), "get", {}),
        ("/party/organisations/99999999999999999999999/", "get", {}),
        (reverse("party:post_kinds"), "post", {"name": "x" * 80, "order": HUGE}),
        (
            reverse("party:member_edit", args=[party.external.pk]),
            "post",
            {"name": "", "joined_on": "0000-00-00", "group": HUGE, "phone": "x"},
        ),
        (
            reverse("party:organization_edit", args=[party.branch.pk]),
            "post",
            {"kind": "zzz", "founded_on": "3000-01-01"},
        ),
        (
            reverse("party:member_login", args=[party.external.pk]),
            "post",
            {"username": "a b", "password": "1"},
        ),
    ]
    for url, method, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code < 500, (url, data, response.status_code)


def test_api_refuses_bad_input_without_a_server_error(api, party):  # noqa: F811
    c = api(party.users["street_admin"])
    for path, data in [
        ("/api/v1/party/links/", {"region": "x", "member": HUGE}),
        (
            "/api/v1/party/links/bulk/",
            {"region": party.grid.code, "level": "unit", "members": [HUGE]},
        ),
        ("/api/v1/party/grid-posts/", {"grid": party.grid.code, "kind": HUGE}),
        ("/api/v1/party/posts/", {"organization": HUGE, "member": HUGE, "post": "x"}),
        (
            "/api/v1/party/members/",
            {"organization": HUGE, "group": HUGE, "resident": HUGE, "joined_on": "x"},
        ),
        (
            f"/api/v1/party/members/{party.member.pk}/transfer/",
            {"to_organization": HUGE, "on": "x"},
        ),
    ]:
        r = c.post(path, data, format="json")
        assert r.status_code < 500, (path, r.status_code)
    for path in [
        f"/api/v1/party/members/{HUGE}/",
        "/api/v1/party/coverage/?region=" + HUGE,
        "/api/v1/party/links/?member=" + HUGE,
        "/api/v1/party/members/?organization=" + HUGE,
    ]:
        r = c.get(path)
        assert r.status_code < 500, (path, r.status_code)
