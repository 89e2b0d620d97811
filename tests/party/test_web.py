"""The party pages: what they show, that bad input comes back as field errors (never a 500),
personal data only masked, the Excel exports, and the region browser's member column."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sixfold.core.models import AuditEvent
from sixfold.party import actions
from sixfold.party.models import GridPostKind, PartyMember, PartyOrganization, ResponsibilityLink
from tests import factories

BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, party, role="community_secretary"):
    client.force_login(party.users[role], backend=BACKEND)
    return party.users[role]


def pages(party):
    return [
        reverse("party:home"),
        reverse("party:coverage") + f"?region={party.community.code}",
        reverse("party:organization_list"),
        reverse("party:organization_detail", args=[party.committee.pk]),
        reverse("party:organization_create") + f"?region={party.second_grid.code}",
        reverse("party:organization_edit", args=[party.branch.pk]),
        reverse("party:post_add", args=[party.committee.pk]),
        reverse("party:member_list"),
        reverse("party:member_list") + "?flag=elderly&standing=full&search=李",
        reverse("party:member_detail", args=[party.member.pk]),
        reverse("party:member_detail", args=[party.external.pk]),
        reverse("party:member_create"),
        reverse("party:member_edit", args=[party.member.pk]),
        reverse("party:member_transfer", args=[party.member.pk]),
        reverse("party:member_login", args=[party.external.pk]),
        reverse("party:transfer_list"),
        reverse("party:chain_node", args=[party.community.code]),
        reverse("party:chain_node", args=[party.grid.code]),
        reverse("party:chain_node", args=[party.unit.code]),
        reverse("party:chain_node", args=[party.household.code]),
        reverse("party:grid_posts") + f"?region={party.community.code}",
        reverse("party:grid_post_edit", args=[party.grid.code]),
        reverse("party:post_kinds"),
    ]


def test_every_page_renders_without_inline_scripts_or_plaintext(client, party):
    login(client, party)
    secrets = [
        party.resident.plaintext_id_number(),
        party.resident.plaintext_phone(),
        "13900001111",  # 孙红's phone
    ]
    for url in pages(party):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", content):
            assert "src=" in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", content), url
        for secret in secrets:
            assert secret not in content, url


def test_the_party_pillar_is_active_and_links_home(client, party):
    login(client, party)
    content = client.get(reverse("party:coverage")).content.decode()
    assert f'class="nav-link active" href="{reverse("party:home")}"' in content
    # other pillars still say they are not available
    assert reverse("core:pillar", args=["selfgov"]) in content


@pytest.mark.parametrize(
    "url_name, data, field",
    [
        ("member_create", {"organization": "999999", "joined_on": "x"}, "organization"),
        ("member_create", {"joined_on": "2001-01-01", "resident": "abc"}, "resident"),
        ("member_create", {"joined_on": "2001-01-01"}, "organization"),
    ],
)
def test_bad_member_input_is_a_field_error(client, party, url_name, data, field):
    login(client, party)
    before = PartyMember.objects.count()
    response = client.post(reverse(f"party:{url_name}"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert PartyMember.objects.count() == before


def test_member_create_from_a_chosen_resident(client, party):
    login(client, party)
    resident = factories.resident(party.neighbour_household, name="周新", relation="spouse")
    search = client.get(reverse("party:resident_search"), {"q": "周新"}, HTTP_HX_REQUEST="true")
    assert f'value="{resident.pk}"' in search.content.decode()
    assert resident.id_number_masked in search.content.decode()
    response = client.post(
        reverse("party:member_create"),
        {
            "organization": party.committee.pk,
            "resident": resident.pk,
            "standing": "probationary",
            "joined_on": "2025-06-01",
            "transferred_from": "莱城区某支部",
        },
    )
    created = PartyMember.objects.get(resident=resident)
    assert response.status_code == 302
    assert response["Location"] == reverse("party:member_detail", args=[created.pk])
    assert created.transfers.get().from_name == "莱城区某支部"
    # a resident who is already a member is shown, but cannot be chosen
    again = client.get(reverse("party:resident_search"), {"q": "周新"}).content.decode()
    assert "disabled" in again


def test_the_resident_search_stays_in_scope(client, party):
    login(client, party, "community_secretary")
    content = client.get(reverse("party:resident_search"), {"q": "赵敏"}).content.decode()
    assert str(party.other_resident.pk) not in content


def test_organisation_form_errors(client, party):
    login(client, party)
    response = client.post(
        reverse("party:organization_edit", args=[party.branch.pk]),
        {"kind": "grid_branch", "term_start": "2028-01-01", "term_end": "2020-01-01"},
    )
    assert response.status_code == 200
    assert "term_end" in response.context["form"].errors
    response = client.post(
        reverse("party:organization_create") + f"?region={party.second_grid.code}",
        {"kind": "grid_branch", "name": ""},
    )
    assert response.status_code == 302
    assert PartyOrganization.objects.get(region=party.second_grid).name == "第1社区第2网格党支部"


def test_assigning_from_a_gap_returns_to_the_audit_and_coverage_rises(client, party):
    login(client, party)
    audit = reverse("party:coverage") + f"?region={party.community.code}"
    page = client.get(audit)
    households = {row.level: row for row in page.context["report"].chain}["household"]
    assert households.covered == 0
    link = f"/party/chain/{party.household.code}/?next="
    assert link in page.content.decode()
    response = client.post(
        reverse("party:chain_assign", args=[party.household.code]),
        {"member": party.member.pk, "next": audit},
    )
    assert response.status_code == 302 and response["Location"] == audit
    page = client.get(audit)
    households = {row.level: row for row in page.context["report"].chain}["household"]
    assert households.covered == 1


def test_a_refused_assignment_is_a_message_not_an_error_page(client, party):
    user = login(client, party)
    actions.assign_responsibility(party.household.region, party.external, by=user)
    response = client.post(
        reverse("party:chain_assign", args=[party.household.code]),
        {"member": party.member.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "孙红" in response.content.decode()  # who holds it
    assert ResponsibilityLink.objects.get(region=party.household.region).member == party.external
    for data in ({"member": "abc"}, {"member": party.other_member.pk}, {}):
        response = client.post(reverse("party:chain_assign", args=[party.household.code]), data)
        assert response.status_code == 302


def test_bulk_form_and_unassign(client, party):
    login(client, party, "community_worker")
    for room in (301, 302, 401):
        factories.household(room, party.unit)
    response = client.post(
        reverse("party:chain_bulk", args=[party.unit.code]),
        {"level": "household", "members": [party.member.pk, party.external.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert ResponsibilityLink.objects.filter(code__startswith=party.unit.code).count() == 4
    bad = client.post(
        reverse("party:chain_bulk", args=[party.unit.code]), {"level": "grid", "members": []}
    )
    assert bad.status_code == 302
    link = ResponsibilityLink.objects.get(region=party.household.region)
    response = client.post(
        reverse("party:chain_unassign", args=[party.household.code]),
        {"expected": link.member_id},
    )
    assert response.status_code == 302
    assert not ResponsibilityLink.objects.filter(pk=link.pk).exists()


def test_grid_post_page_fills_and_vacates(client, party):
    login(client, party, "community_worker")
    kind = GridPostKind.objects.get(slug="safety_officer")
    url = reverse("party:grid_post_edit", args=[party.grid.code])
    response = client.post(url, {"kind": kind.pk, "resident": party.resident.pk})
    assert response.status_code == 302
    content = client.get(url).content.decode()
    assert 'data-holder="safety_officer"' in content and "李秀英" in content
    response = client.post(url, {"kind": kind.pk, "name": "某人"})
    assert response.status_code == 400  # held already: who holds it is the message
    assert "李秀英" in str(list(response.context["messages"])[0])
    response = client.post(url, {"kind": "abc"})
    assert response.status_code == 400
    response = client.post(url, {"vacate": kind.pk})
    assert response.status_code == 302
    leader = GridPostKind.objects.get(slug="grid_leader")
    response = client.post(url, {"kind": leader.pk})
    assert response.status_code == 400  # no holder given: field error on the page


def test_member_export_is_masked_and_logged(client, party):
    user = login(client, party)
    response = client.get(reverse("party:member_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [
        [str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    text = "\n".join("\t".join(row) for row in rows)
    assert "李秀英" in text and party.resident.id_number_masked in text
    assert party.resident.plaintext_id_number() not in text
    assert "13900001111" not in text and "139****1111" in text
    assert "赵敏" not in text  # community 2 is out of scope
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT, actor=user).exists()


def test_gap_and_chain_exports(client, party):
    login(client, party)
    actions.assign_responsibility(party.household.region, party.member, by=None)
    gaps = client.get(reverse("party:coverage_export") + f"?region={party.community.code}")
    workbook = load_workbook(io.BytesIO(gaps.content), read_only=True)
    listed = [row[2] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert party.second_grid.code in listed  # no branch there
    assert party.household.code not in listed
    assert party.neighbour_household.code in listed
    chain = client.get(reverse("party:chain_export", args=[party.community.code]))
    rows = list(
        load_workbook(io.BytesIO(chain.content), read_only=True).active.iter_rows(values_only=True)
    )
    assert any(row[2] == party.household.code and row[4] == "李秀英" for row in rows)
    out_of_scope = client.get(reverse("party:chain_export", args=[party.other_community.code]))
    assert out_of_scope.status_code == 404


def test_region_browser_counts_members_living_there(client, party):
    login(client, party, "street_admin")
    response = client.get(reverse("core:region_detail", args=[party.community.code]))
    rows = {row["node"].code: row for row in response.context["rows"]}
    assert rows[party.grid.code]["extra"]["party_members"] == 1  # 李秀英
    assert rows[party.second_grid.code]["extra"]["party_members"] == 1  # 王强
    content = response.content.decode()
    assert 'data-party-members="1"' in content
    actions.transfer_member(party.member, to_name="外地", on="2025-01-01", by=None)
    response = client.get(reverse("core:region_detail", args=[party.community.code]))
    rows = {row["node"].code: row for row in response.context["rows"]}
    assert rows[party.grid.code]["extra"]["party_members"] == 0


def grow(party):
    for number in range(2, 6):
        building = factories.building(number, party.grid)
        org = actions.create_organization(building.region, {}, by=None)
        unit = factories.unit(1, building)
        for room in (101, 102, 201):
            household = factories.household(room, unit)
            resident = factories.resident(household, name="住户")
            person = actions.create_member(
                party.branch,
                {"resident": resident, "joined_on": "2000-01-01", "group": org},
                by=None,
            )
            actions.assign_responsibility(household.region, person, by=None)
            actions.add_party_post(org, person, "group_leader", by=None) if room == 101 else None


@pytest.mark.parametrize(
    "url",
    [
        lambda p: reverse("party:coverage") + f"?region={p.community.code}",
        lambda p: reverse("party:chain_node", args=[p.grid.code]),
        lambda p: reverse("party:member_list"),
        lambda p: reverse("party:organization_list"),
        lambda p: reverse("party:grid_posts") + f"?region={p.community.code}",
        lambda p: reverse("party:home"),
    ],
    ids=["coverage", "chain", "members", "organisations", "grid posts", "home"],
)
def test_query_budget_does_not_grow(client, party, url):
    login(client, party)
    target = url(party)
    with CaptureQueriesContext(connection) as before:
        assert client.get(target).status_code == 200
    grow(party)
    with CaptureQueriesContext(connection) as after:
        assert client.get(target).status_code == 200
    assert len(after) == len(before), target
    assert len(before) <= 40
