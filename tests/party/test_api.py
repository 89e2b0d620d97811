"""The party API: writes through the actions with the API's error format and codes, the chain
with bulk assignment, the coverage audit, a member's own record, and the schema."""

import pytest

from sixfold.core.models import AuditEvent
from sixfold.party.models import GridPostKind, PartyMember, ResponsibilityLink
from tests.api.conftest import api  # noqa: F401  (fixture)


def test_register_an_external_member_and_read_the_mask(api, party):  # noqa: F811
    client = api(party.users["community_secretary"])
    response = client.post(
        "/api/v1/party/members/",
        {
            "organization": party.committee.pk,
            "name": "钱进",
            "gender": "M",
            "phone": "13812345678",
            "joined_on": "2010-07-01",
            "in_service": True,
            "employer": "莱钢",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "钱进" and body["phone"] == "138****5678"
    assert body["code"] == party.community.code and body["household_count"] == 0
    assert "13812345678" not in response.content.decode()


def test_field_errors_carry_codes(api, party):  # noqa: F811
    client = api(party.users["community_secretary"])
    response = client.post(
        "/api/v1/party/members/",
        {
            "organization": party.committee.pk,
            "resident": party.resident.pk,
            "joined_on": "2000-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field_codes"] == {"resident": ["taken"]}
    response = client.post(
        "/api/v1/party/members/",
        {"organization": party.other_committee.pk, "name": "某", "joined_on": "2000-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field_codes"] == {"organization": ["does_not_exist"]}


def test_links_assign_conflict_and_bulk(api, party):  # noqa: F811
    admin = api(party.users["street_admin"])
    worker = api(party.users["community_worker"])
    payload = {"region": party.household.code, "member": party.member.pk}
    first = admin.post("/api/v1/party/links/", payload, format="json")
    assert first.status_code == 201 and first.json()["level"] == "household"
    second = worker.post(
        "/api/v1/party/links/", {**payload, "member": party.external.pk}, format="json"
    )
    assert second.status_code == 400
    assert second.json()["field_codes"] == {"member": ["taken"]}
    handed = worker.post(
        "/api/v1/party/links/",
        {**payload, "member": party.external.pk, "replace": True, "expected_member": 999},
        format="json",
    )
    assert handed.json()["field_codes"] == {"member": ["changed"]}
    bulk = worker.post(
        "/api/v1/party/links/bulk/",
        {"region": party.grid.code, "level": "unit", "members": [party.member.pk]},
        format="json",
    )
    assert bulk.status_code == 200 and bulk.json() == {"assigned": 1}
    hidden = worker.post(
        "/api/v1/party/links/bulk/",
        {"region": party.grid.code, "level": "unit", "members": [party.other_member.pk]},
        format="json",
    )
    assert hidden.status_code == 400 and "members" in hidden.json()["fields"]
    listed = worker.get("/api/v1/party/links/", {"level": "household"}).json()
    assert [row["region"] for row in listed["results"]] == [party.household.code]
    link = ResponsibilityLink.objects.get(region=party.household.region)
    assert worker.delete(f"/api/v1/party/links/{link.pk}/").status_code == 204
    assert (
        api(party.users["grid_worker"]).delete(f"/api/v1/party/links/{link.pk}/").status_code == 404
    )


def test_transfer_through_the_api(api, party):  # noqa: F811
    client = api(party.users["street_admin"])
    response = client.post(
        f"/api/v1/party/members/{party.member.pk}/transfer/",
        {"to_organization": party.other_committee.pk, "on": "2025-02-01", "reason": "迁居"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["to_name"] == party.other_committee.name
    assert PartyMember.objects.get(pk=party.member.pk).organization == party.other_committee
    bad = client.post(
        f"/api/v1/party/members/{party.member.pk}/transfer/", {"on": "2025-02-01"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["field_codes"] == {"to_name": ["required"]}


def test_coverage_endpoint(api, party):  # noqa: F811
    client = api(party.users["community_secretary"])
    response = client.get("/api/v1/party/coverage/", {"region": party.community.code, "limit": 1})
    assert response.status_code == 200
    data = response.json()
    chain = {row["level"]: row for row in data["chain"]}
    assert set(chain) == {"community", "grid", "building", "unit", "household"}
    assert chain["household"]["nodes"] == 2 and chain["household"]["covered"] == 0
    assert len(chain["household"]["gaps"]) == 1
    assert chain["household"]["gaps"][0]["url"].startswith("/party/chain/")
    assert data["grid_posts"]["required"] == ["网格长", "专职网格员", "党建联络员", "安全网格员"]
    orgs = {row["level"]: row for row in data["organisations"]}
    assert (orgs["grid"]["nodes"], orgs["grid"]["covered"]) == (2, 1)
    for params, field in (
        ({}, "region"),
        ({"region": party.community.code, "limit": "many"}, "limit"),
        ({"region": party.community.code, "threshold": "0"}, "threshold"),
        ({"region": party.community.code, "limit": "5000"}, "limit"),
    ):
        response = client.get("/api/v1/party/coverage/", params)
        assert response.status_code == 400, params
        assert field in response.json()["fields"]
    missing = client.get("/api/v1/party/coverage/", {"region": "370116009"})
    hidden = client.get("/api/v1/party/coverage/", {"region": party.other_community.code})
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_a_members_own_record(api, party):  # noqa: F811
    response = api(party.users["party_member"]).get("/api/v1/party/me/")
    assert response.status_code == 200
    assert response.json()["name"] == "李秀英"
    assert response.json()["phone"] == party.resident.phone_masked
    assert api(party.users["resident"]).get("/api/v1/party/me/").status_code == 404


def test_grid_posts_and_their_configuration(api, party):  # noqa: F811
    worker = api(party.users["community_worker"])
    kind = GridPostKind.objects.get(slug="veterans_liaison")
    response = worker.post(
        "/api/v1/party/grid-posts/",
        {"grid": party.grid.code, "kind": kind.pk, "resident": party.resident.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["name"] == "李秀英"
    again = worker.post(
        "/api/v1/party/grid-posts/",
        {"grid": party.grid.code, "kind": kind.pk, "name": "某"},
        format="json",
    )
    assert again.json()["field_codes"] == {"kind": ["taken"]}
    assert worker.post("/api/v1/party/grid-post-kinds/", {"name": "新岗"}).status_code == 403
    admin = api(party.users["street_admin"])
    created = admin.post("/api/v1/party/grid-post-kinds/", {"name": "新岗", "required": True})
    assert created.status_code == 201 and created.json()["required"] is True
    kinds = worker.get("/api/v1/party/grid-post-kinds/").json()["results"]
    assert "新岗" in [row["name"] for row in kinds]


def test_organisations_create_and_dissolve(api, party):  # noqa: F811
    client = api(party.users["community_secretary"])
    created = client.post(
        "/api/v1/party/organizations/",
        {"region": party.second_grid.code, "kind": "grid_branch"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["member_count"] == 0
    again = client.post(
        "/api/v1/party/organizations/",
        {"region": party.second_grid.code, "kind": "grid_branch"},
        format="json",
    )
    assert again.json()["field_codes"] == {"region": ["taken"]}
    busy = client.delete(f"/api/v1/party/organizations/{party.committee.pk}/")
    assert busy.status_code == 400 and busy.json()["field_codes"]["non_field_errors"] == [
        "has_members"
    ]
    assert client.delete(f"/api/v1/party/organizations/{created.json()['id']}/").status_code == 204
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.DELETE).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/party/coverage/",
        "/api/v1/party/me/",
        "/api/v1/party/members/",
        "/api/v1/party/members/{id}/transfer/",
        "/api/v1/party/links/",
        "/api/v1/party/links/bulk/",
        "/api/v1/party/organizations/",
        "/api/v1/party/grid-posts/",
        "/api/v1/party/grid-post-kinds/",
        "/api/v1/party/posts/",
        "/api/v1/party/transfers/",
    ],
)
def test_the_schema_describes_the_party_api(api, party, path):  # noqa: F811
    schema = api(party.users["street_admin"]).get("/api/v1/schema/", {"format": "json"}).json()
    assert path in schema["paths"]
