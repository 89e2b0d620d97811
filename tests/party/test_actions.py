"""The party actions: what they refuse (with field errors and codes), what they change, and the
audit event each change leaves behind."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from sixfold.accounts.models import RoleAssignment
from sixfold.core.models import AuditEvent, Resident
from sixfold.party import actions
from sixfold.party.models import (
    ChainLevel,
    GridPost,
    GridPostKind,
    MemberTransfer,
    OrgKind,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
)
from tests import factories
from tests.party.conftest import org


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


# --- organisations -------------------------------------------------------------------------------
def test_an_organisation_per_node_of_the_right_kind(party):
    admin = party.users["street_admin"]
    with pytest.raises(ValidationError) as error:
        actions.create_organization(party.grid, {}, by=admin)
    assert codes(error.value) == {"region": ["taken"]}
    with pytest.raises(ValidationError) as error:
        actions.create_organization(party.second_grid, {"kind": OrgKind.COMMITTEE}, by=admin)
    assert codes(error.value) == {"kind": ["bad_kind"]}
    with pytest.raises(ValidationError) as error:
        actions.create_organization(party.unit.region, {}, by=admin)
    assert codes(error.value) == {"region": ["bad_level"]}
    created = actions.create_organization(
        party.second_grid, {"term_start": "2023-07-01", "term_end": "2028-06-30"}, by=admin
    )
    assert created.name == "第1社区第2网格党支部"
    assert created.kind == OrgKind.GRID_BRANCH and created.code == party.second_grid.code
    event = AuditEvent.objects.for_object(created).get()
    assert (event.verb, event.actor) == (AuditEvent.Verb.CREATE, admin)


def test_term_dates_in_order_and_refusals_out_of_scope(party):
    with pytest.raises(ValidationError) as error:
        actions.change_organization(
            party.branch, {"term_start": "2028-01-01", "term_end": "2027-01-01"}, by=None
        )
    assert codes(error.value) == {"term_end": ["term_order"]}
    with pytest.raises(PermissionDenied):
        actions.change_organization(
            party.other_committee, {"name": "改名"}, by=party.users["community_secretary"]
        )
    with pytest.raises(PermissionDenied):  # a worker keeps the chain, not the organisations
        actions.create_organization(party.second_grid, {}, by=party.users["community_worker"])


def test_dissolving_needs_an_empty_organisation(party):
    with pytest.raises(ValidationError) as error:
        actions.dissolve_organization(party.branch, by=None)
    assert error.value.code == "has_members"
    empty = org(party.second_grid)
    pk = empty.pk
    actions.dissolve_organization(empty, by=party.users["community_secretary"])
    assert not PartyOrganization.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.DELETE, object_id=str(pk)).exists()


# --- members ---------------------------------------------------------------------------------------
def test_member_fields_are_checked_together(party):
    child_home = factories.household(grid=party.grid)
    child = factories.resident(child_home, name="小明", birth_date=dt.date(2015, 1, 1))
    cases = [
        (
            {"resident": child, "joined_on": "2024-01-01"},
            {"resident": ["too_young"], "joined_on": ["too_young"]},
        ),
        ({"resident": party.resident, "joined_on": "2020-01-01"}, {"resident": ["taken"]}),
        ({"joined_on": "2020-01-01"}, {"name": ["required"]}),
        ({"name": "某", "joined_on": "2999-01-01"}, {"joined_on": ["invalid"]}),
        ({"name": "某", "joined_on": "2020-01-01", "phone": "123"}, {"phone": ["invalid"]}),
        (
            {
                "name": "某",
                "joined_on": "2020-01-01",
                "standing": "probationary",
                "full_on": "2021-01-01",
            },
            {"full_on": ["probation"]},
        ),
        (
            {"name": "某", "joined_on": "2020-01-01", "full_on": "2019-01-01"},
            {"full_on": ["date_order"]},
        ),
        (
            {"resident": party.neighbour, "joined_on": "1960-01-01"},
            {"resident": ["taken"], "joined_on": ["too_young"]},
        ),
        ({"name": "某", "joined_on": "2020-01-01", "group": party.group}, {}),
    ]
    for data, expected in cases[:-1]:
        with pytest.raises(ValidationError) as error:
            actions.create_member(party.committee, data, by=None)
        assert codes(error.value) == expected, data
    # a group must lie under the member's organisation
    with pytest.raises(ValidationError) as error:
        actions.create_member(party.other_committee, cases[-1][0], by=None)
    assert codes(error.value) == {"group": ["bad_group"]}
    with pytest.raises(ValidationError) as error:
        actions.create_member(party.group, {"name": "某", "joined_on": "2020-01-01"}, by=None)
    assert codes(error.value) == {"organization": ["bad_organization"]}


def test_an_external_members_phone_is_stored_masked(party):
    assert party.external.phone_masked == "139****1111"
    assert "13900001111" not in party.external.phone_enc
    event = AuditEvent.objects.for_object(party.external).get()
    assert "13900001111" not in str(event.after)
    assert event.after["phone_masked"] == "139****1111"


def test_a_resident_members_personal_data_comes_from_the_register(party):
    assert party.member.display_name == "李秀英"
    assert party.member.display_phone == party.resident.phone_masked
    assert party.member.name == "" and party.member.phone_enc == ""


def test_change_keeps_the_phone_when_left_blank(party):
    actions.change_member(party.external, {"phone": "", "in_service": True}, by=None)
    party.external.refresh_from_db()
    assert party.external.phone_masked == "139****1111" and party.external.in_service


def test_transfer_within_the_street_ends_what_lies_outside_the_new_community(party):
    secretary = party.users["street_admin"]
    actions.assign_responsibility(party.household.region, party.member, by=None)
    actions.add_party_post(party.group, party.member, PartyPost.Post.GROUP_LEADER, by=None)
    transfer = actions.transfer_member(
        party.member,
        to_organization=party.other_committee,
        on="2025-03-01",
        reason="搬家",
        by=secretary,
    )
    party.member.refresh_from_db()
    assert party.member.organization == party.other_committee
    assert party.member.code == party.other_community.code
    assert party.member.group is None
    assert not party.member.links.exists() and not party.member.posts.exists()
    assert (transfer.from_code, transfer.to_code) == (party.grid.code, party.other_community.code)
    # both ends see the move
    for role, sees in (("community_secretary", True), ("street_admin", True)):
        assert (
            MemberTransfer.objects.visible_to(party.users[role]).filter(pk=transfer.pk).exists()
            == sees
        )


def test_transfer_out_of_the_street_ends_everything_and_the_login(party):
    login = party.users["party_member"]
    actions.assign_responsibility(party.household.region, party.member, by=None)
    actions.transfer_member(party.member, to_name="莱城区某党委", on="2025-03-01", by=None)
    party.member.refresh_from_db()
    assert party.member.status == PartyMember.Status.TRANSFERRED_OUT
    assert not ResponsibilityLink.objects.filter(member=party.member).exists()
    assert not RoleAssignment.objects.filter(user=login, role="party_member").exists()
    with pytest.raises(ValidationError) as error:
        actions.transfer_member(party.member, to_name="别处", on="2025-04-01", by=None)
    assert error.value.code == "not_active"


def test_transfer_needs_a_destination_and_cannot_stay(party):
    with pytest.raises(ValidationError) as error:
        actions.transfer_member(party.member, on="2025-01-01", by=None)
    assert codes(error.value) == {"to_name": ["required"]}
    with pytest.raises(ValidationError) as error:
        actions.transfer_member(
            party.member, to_organization=party.branch, on="2025-01-01", by=None
        )
    assert codes(error.value) == {"to_organization": ["same_organization"]}
    with pytest.raises(PermissionDenied):  # the secretary cannot place a member in community 2
        actions.transfer_member(
            party.member,
            to_organization=party.other_committee,
            on="2025-01-01",
            by=party.users["community_secretary"],
        )


def test_member_login_role_and_validation(party):
    user = party.users["party_member"]
    assert user.party_member == party.member
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.scope_code) == ("party_member", party.community.code)
    with pytest.raises(ValidationError) as error:
        actions.create_member_login(party.external, "t_member", "another-pass-456", by=None)
    assert codes(error.value) == {"username": ["taken"]}
    with pytest.raises(ValidationError) as error:
        actions.create_member_login(party.external, "sunhong", "123", by=None)
    assert list(codes(error.value)) == ["password"]


# --- posts -----------------------------------------------------------------------------------------
def test_one_secretary_per_organisation_and_posts_fit_the_kind(party):
    actions.add_party_post(party.committee, party.external, PartyPost.Post.SECRETARY, by=None)
    with pytest.raises(ValidationError) as error:
        actions.add_party_post(party.committee, party.neighbour_member, "secretary", by=None)
    assert codes(error.value) == {"post": ["taken"]}
    with pytest.raises(ValidationError) as error:
        actions.add_party_post(party.group, party.member, "secretary", by=None)
    assert codes(error.value) == {"post": ["bad_post"]}
    with pytest.raises(ValidationError) as error:
        actions.add_party_post(party.committee, party.other_member, "committee_member", by=None)
    assert codes(error.value) == {"member": ["other_community"]}
    post = actions.add_party_post(
        party.committee, party.neighbour_member, "committee_member", by=None
    )
    actions.end_party_post(post, by=party.users["community_secretary"])
    assert not PartyPost.objects.filter(pk=post.pk).exists()


# --- the responsibility chain ----------------------------------------------------------------------
def test_assign_replace_and_unassign_with_events(party):
    secretary = party.users["community_secretary"]
    node = party.household.region
    link = actions.assign_responsibility(node, party.member, by=secretary)
    assert (link.level, link.code) == (ChainLevel.HOUSEHOLD, node.code)
    # assigning the holder again changes nothing
    assert actions.assign_responsibility(node, party.member, by=secretary) == link
    with pytest.raises(ValidationError) as error:
        actions.assign_responsibility(node, party.external, by=secretary)
    assert codes(error.value) == {"member": ["taken"]}
    assert "李秀英" in error.value.messages[0]
    replaced = actions.assign_responsibility(
        node, party.external, replace=True, expected_member_id=party.member.pk, by=secretary
    )
    assert replaced.pk == link.pk and replaced.member == party.external
    events = AuditEvent.objects.for_object(link).order_by("id")
    assert [e.verb for e in events] == [AuditEvent.Verb.CREATE, AuditEvent.Verb.CHANGE]
    assert events.last().before["member_name"] == "李秀英"
    assert events.last().after["member_name"] == "孙红"
    actions.unassign_responsibility(replaced, expected_member_id=party.external.pk, by=secretary)
    assert not ResponsibilityLink.objects.filter(region=node).exists()


def test_a_stale_form_never_overwrites(party):
    """Two admins open the same uncovered household; the first assigns, the second's form
    still says "uncovered"."""
    admin, secretary = party.users["street_admin"], party.users["community_secretary"]
    node = party.household.region
    actions.assign_responsibility(node, party.member, by=admin)
    with pytest.raises(ValidationError) as error:
        actions.assign_responsibility(node, party.external, by=secretary)
    assert codes(error.value) == {"member": ["taken"]}
    # handing over from a holder who was replaced meanwhile is refused too
    actions.assign_responsibility(
        node, party.neighbour_member, replace=True, expected_member_id=party.member.pk, by=admin
    )
    with pytest.raises(ValidationError) as error:
        actions.assign_responsibility(
            node, party.external, replace=True, expected_member_id=party.member.pk, by=secretary
        )
    assert codes(error.value) == {"member": ["changed"]}
    assert ResponsibilityLink.objects.get(region=node).member == party.neighbour_member


@pytest.mark.skipif(
    "sqlite" in connection.vendor, reason="concurrent writers need a database server"
)
@pytest.mark.django_db(transaction=True)
def test_two_admins_assigning_the_same_household_at_once():
    """Two threads, two connections, one household: exactly one link, the other a clean
    refusal (PostgreSQL)."""
    from tests.party.conftest import PartyWorld

    party = PartyWorld()
    node = party.household.region
    admins = [party.users["street_admin"], party.users["community_secretary"]]
    candidates = [party.member, party.external]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(index):
        from django.db import connections

        try:
            barrier.wait()
            actions.assign_responsibility(node, candidates[index], by=admins[index])
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(codes(exc)["member"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "taken"]
    assert ResponsibilityLink.objects.filter(region=node).count() == 1


def test_who_may_answer_for_a_node(party):
    with pytest.raises(ValidationError) as error:
        actions.assign_responsibility(party.household.region, party.other_member, by=None)
    assert codes(error.value) == {"member": ["other_community"]}
    with pytest.raises(ValidationError) as error:
        actions.assign_responsibility(party.street, party.member, by=None)
    assert codes(error.value) == {"region": ["bad_level"]}
    # a branch secretary assigns in his grid, among the members he sees
    branch = party.users["branch_secretary"]
    actions.assign_responsibility(party.household.region, party.member, by=branch)
    with pytest.raises(PermissionDenied):
        actions.assign_responsibility(party.neighbour_household.region, party.member, by=branch)
    with pytest.raises(PermissionDenied):  # 孙红 belongs to the committee, outside his grid
        actions.assign_responsibility(party.unit.region, party.external, by=branch)
    with pytest.raises(PermissionDenied):
        actions.assign_responsibility(
            party.unit.region, party.member, by=party.users["grid_worker"]
        )


def test_bulk_assignment_shares_uncovered_nodes_in_runs(party):
    unit = party.unit
    for room in range(201, 208):
        factories.household(room, unit)
    actions.assign_responsibility(party.household.region, party.neighbour_member, by=None)
    count = actions.assign_in_bulk(
        party.building.region,
        ChainLevel.HOUSEHOLD,
        [party.member, party.external, party.member],
        by=party.users["community_worker"],
    )
    assert count == 7
    links = list(
        ResponsibilityLink.objects.filter(level=ChainLevel.HOUSEHOLD, code__startswith=unit.code)
        .exclude(region=party.household.region)
        .order_by("code")
    )
    holders = [link.member_id for link in links]
    assert holders == [party.member.pk] * 4 + [party.external.pk] * 3
    assert (
        AuditEvent.objects.filter(
            object_type="party.responsibilitylink", verb=AuditEvent.Verb.CREATE
        ).count()
        == 8
    )
    # the one that was covered keeps its holder; a second run finds nothing left
    assert (
        ResponsibilityLink.objects.get(region=party.household.region).member
        == party.neighbour_member
    )
    assert actions.assign_in_bulk(party.grid, ChainLevel.HOUSEHOLD, [party.member], by=None) == 0


def test_bulk_assignment_refusals(party):
    with pytest.raises(ValidationError) as error:
        actions.assign_in_bulk(party.building.region, ChainLevel.GRID, [party.member], by=None)
    assert codes(error.value) == {"level": ["bad_level"]}
    with pytest.raises(ValidationError) as error:
        actions.assign_in_bulk(party.grid, ChainLevel.UNIT, [], by=None)
    assert codes(error.value) == {"members": ["required"]}
    with pytest.raises(ValidationError) as error:
        actions.assign_in_bulk(party.grid, ChainLevel.UNIT, [party.other_member], by=None)
    assert "members" in error.value.message_dict


# --- grid posts ------------------------------------------------------------------------------------
def test_grid_posts_one_holder_of_one_kind(party):
    leader = GridPostKind.objects.get(slug="grid_leader")
    liaison = GridPostKind.objects.get(slug="party_liaison")
    worker = party.users["community_worker"]
    actions.fill_grid_post(party.grid, leader, name="李建军", by=worker)
    with pytest.raises(ValidationError) as error:
        actions.fill_grid_post(party.grid, leader, resident=party.resident, by=worker)
    assert codes(error.value) == {"kind": ["taken"]}
    with pytest.raises(ValidationError) as error:
        actions.fill_grid_post(party.grid, liaison, member=party.member, name="也有名字", by=worker)
    assert codes(error.value) == {"holder": ["holder"]}
    post = actions.fill_grid_post(party.grid, liaison, member=party.member, by=worker)
    assert post.holder_name == "李秀英"
    actions.vacate_grid_post(post, by=worker)
    assert not GridPost.objects.filter(pk=post.pk).exists()
    with pytest.raises(ValidationError) as error:
        actions.fill_grid_post(party.building.region, leader, name="某", by=None)
    assert codes(error.value) == {"grid": ["bad_level"]}


def test_only_the_street_configures_the_list_of_posts(party):
    with pytest.raises(PermissionDenied):
        actions.create_post_kind({"name": "消防网格员"}, by=party.users["community_secretary"])
    kind = actions.create_post_kind(
        {"name": "消防网格员", "required": True}, by=party.users["street_admin"]
    )
    assert kind.required and kind.active
    with pytest.raises(ValidationError) as error:
        actions.create_post_kind({"name": "消防网格员"}, by=None)
    assert codes(error.value) == {"name": ["taken"]}
    actions.change_post_kind(kind, {"active": False}, by=party.users["street_admin"])
    kind.refresh_from_db()
    assert not kind.active
    with pytest.raises(ValidationError) as error:
        actions.fill_grid_post(party.grid, kind, name="某", by=None)
    assert codes(error.value) == {"kind": ["inactive"]}


def test_deleting_a_household_takes_its_link_along(party):
    """The household's own delete (with its event) removes who contacted it."""
    from sixfold.core import actions as core_actions

    household = factories.household(grid=party.grid)
    actions.assign_responsibility(household.region, party.member, by=None)
    core_actions.delete_household(household, by=party.users["street_admin"])
    assert not ResponsibilityLink.objects.filter(code=household.code).exists()


def test_a_resident_who_is_a_member_cannot_be_deleted_from_the_register(party):
    from django.db.models import ProtectedError

    from sixfold.core import actions as core_actions

    with pytest.raises(ProtectedError):
        core_actions.delete_resident(party.resident, by=party.users["street_admin"])
    assert Resident.objects.filter(pk=party.resident.pk).exists()
