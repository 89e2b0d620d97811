"""Who sees what: `visible_to(user)` is one region-code prefix filter per role scope."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from sixfold.accounts.actions import grant_role, revoke_role
from sixfold.accounts.models import User
from sixfold.core import actions
from sixfold.core.models import AuditEvent, Building, Household, Region, Resident, Unit
from tests import factories

pytestmark = pytest.mark.django_db

REGISTERS = (Region, Building, Unit, Household, Resident)


def nodes_under(*regions: Region) -> set[Region]:
    """The regions themselves and every descendant, walked through the parent links."""
    found = set(regions)
    frontier = list(regions)
    while frontier:
        children = list(Region.objects.filter(parent__in=frontier))
        found.update(children)
        frontier = children
    return found


def expected(world, model, roots: list[Region]) -> set:
    """What a user scoped to `roots` should see of `model`, derived from the tree, not codes."""
    regions = nodes_under(*roots) if roots else set()
    if model is Region:
        return regions
    if model is Resident:
        return set(Resident.objects.filter(household__region__in=regions))
    return set(model.objects.filter(region__in=regions))


def roots_of(world, role: str) -> list[Region]:
    return {
        "street_admin": [world.street],
        "community_secretary": [world.community],
        "community_worker": [world.community],
        "grid_worker": [world.grid],
        "resident": [world.household.region],
    }[role]


@pytest.mark.parametrize("model", REGISTERS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "role",
    ["street_admin", "community_secretary", "community_worker", "grid_worker", "resident"],
)
def test_each_role_sees_exactly_its_subtree(world, role, model):
    user = world.users[role]
    visible = set(model.objects.visible_to(user))
    assert visible == expected(world, model, roots_of(world, role))


def test_what_the_world_looks_like_to_each_role(world):
    # Spelled out once, so the derived expectations above are not the only witness.
    def residents(role):
        return set(Resident.objects.visible_to(world.users[role]))

    everyone = {world.resident, world.neighbour, world.other_resident}
    assert residents("street_admin") == everyone
    assert residents("community_secretary") == {world.resident, world.neighbour}
    assert residents("community_worker") == {world.resident, world.neighbour}
    assert residents("grid_worker") == {world.resident}
    assert residents("resident") == {world.resident}
    assert set(Household.objects.visible_to(world.users["resident"])) == {world.household}
    assert not Building.objects.visible_to(world.users["resident"]).exists()
    assert world.street not in set(Region.objects.visible_to(world.users["community_secretary"]))


def test_audit_log_is_visible_to_roles_with_audit_view_within_their_scope(world):
    # Given changes recorded in both communities
    admin = world.users["street_admin"]
    actions.change_resident(world.resident, {"note": "一社区"}, by=admin)
    actions.change_resident(world.other_resident, {"note": "二社区"}, by=admin)
    inside = AuditEvent.objects.get(object_id=str(world.resident.pk), verb="change")
    outside = AuditEvent.objects.get(object_id=str(world.other_resident.pk), verb="change")
    # Then the street admin sees both, the secretary only community 1's
    assert {inside, outside} <= set(AuditEvent.objects.visible_to(admin))
    secretary_sees = set(AuditEvent.objects.visible_to(world.users["community_secretary"]))
    assert inside in secretary_sees
    assert outside not in secretary_sees
    assert all(e.scope_code.startswith(world.community.code) for e in secretary_sees)
    # And roles without audit.view see none, however much of the register they see
    for role in ("community_worker", "grid_worker", "resident"):
        assert not AuditEvent.objects.visible_to(world.users[role]).exists(), role


def test_superuser_sees_everything(world):
    root = factories.UserFactory(is_superuser=True)
    for model in (*REGISTERS, AuditEvent):
        assert model.objects.visible_to(root).count() == model.objects.count()


def test_anonymous_and_inactive_users_see_nothing(world):
    inactive = world.users["street_admin"]
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    inactive_root = factories.UserFactory(is_superuser=True, is_active=False)
    for user in (AnonymousUser(), None, inactive, inactive_root):
        for model in (*REGISTERS, AuditEvent):
            assert not model.objects.visible_to(user).exists(), (user, model.__name__)


def test_a_user_without_roles_sees_nothing(world):
    nobody = factories.UserFactory()
    for model in (*REGISTERS, AuditEvent):
        assert not model.objects.visible_to(nobody).exists()


def test_two_scopes_give_the_union(world):
    # Given a grid worker who also covers the other community's grid
    user = world.users["grid_worker"]
    grant_role(user, "grid_worker", world.other_grid)
    # Then both grids' rows are visible, the sibling grid's still not
    assert set(Resident.objects.visible_to(user)) == {world.resident, world.other_resident}
    assert set(Region.objects.visible_to(user)) == nodes_under(world.grid, world.other_grid)
    # And a nested scope adds nothing and duplicates nothing
    grant_role(user, "community_worker", world.community)
    assert Resident.objects.visible_to(user).count() == 3
    assert user.scope_prefixes("registry.view") == [world.community.code, world.other_grid.code]


def test_a_revoked_role_loses_visibility(world):
    user = world.users["grid_worker"]
    assert Resident.objects.visible_to(user).exists()
    # When the assignment the user's own list holds is revoked
    (assignment,) = user.active_assignments()
    revoke_role(assignment)
    # Then the same user object sees nothing at once, and so does a fresh load
    assert not Resident.objects.visible_to(user).exists()
    assert not Resident.objects.visible_to(User.objects.get(pk=user.pk)).exists()


def test_a_revocation_elsewhere_shows_on_the_next_load(world):
    # Given a user object loaded (and its assignments read) before a revocation made elsewhere
    user = User.objects.get(pk=world.users["community_worker"].pk)
    assert Resident.objects.visible_to(user).count() == 2
    revoke_role(world.users["community_worker"].role_assignments.get())
    # Then a fresh load — every request makes one — sees nothing; the old object is stale
    # until its cache is dropped, which is why the cache lives on the instance only.
    assert not Resident.objects.visible_to(User.objects.get(pk=user.pk)).exists()
    user.forget_assignments()
    assert not Resident.objects.visible_to(user).exists()


def test_a_grant_shows_at_once_on_the_granted_user_object(world):
    user = factories.UserFactory()
    assert not Resident.objects.visible_to(user).exists()
    grant_role(user, "grid_worker", world.second_grid)
    assert set(Resident.objects.visible_to(user)) == {world.neighbour}


def test_roles_without_the_permission_see_nothing(world):
    user = world.users["grid_worker"]
    assert not Resident.objects.visible_to(user, "registry.delete").exists()
    assert Resident.objects.visible_to(user, "pii.reveal").exists()
    assert not Resident.objects.visible_to(world.users["resident"], "pii.reveal").exists()


# --- the prefix lookup ----------------------------------------------------------------------------
def test_a_community_code_does_not_match_its_sibling(world):
    codes = set(
        Region.objects.filter(code__prefix=world.community.code).values_list("code", flat=True)
    )
    assert world.community.code in codes
    assert world.grid.code in codes and world.second_grid.code in codes
    assert world.other_community.code not in codes
    assert world.other_grid.code not in codes
    assert world.street.code not in codes


def test_prefix_is_a_string_prefix_not_a_digit_pattern(world):
    # Community 010's code starts with neither "…001" nor "…0010-"
    tenth = factories.community(10, world.street)
    assert Region.objects.filter(code__prefix=world.community.code).filter(pk=tenth.pk).count() == 0
    assert set(Region.objects.filter(code__prefix="3701160010").values_list("code", flat=True)) >= {
        world.community.code,
        tenth.code,
    }


@pytest.mark.parametrize("prefix", ["%", "_", "370116001001%", "3701160010_1", "370116001001-G_1"])
def test_wildcards_in_a_prefix_match_literally(world, prefix):
    assert not Region.objects.filter(code__prefix=prefix).exists()


def test_prefix_lookup_agrees_with_python_and_with_startswith(world):
    # Given every truncation of every code, including ones ending in '-', '-G', '-B0'
    codes = sorted(Region.objects.values_list("code", flat=True))
    prefixes = {code[:n] for code in codes for n in range(len(code) + 1)}
    prefixes |= {"", "3", "4", "370116001001-", "370116001001-G0", "370116001001-G01-B"}
    assert any(p.endswith("-") for p in prefixes)
    for prefix in sorted(prefixes):
        by_lookup = set(Region.objects.filter(code__prefix=prefix).values_list("code", flat=True))
        by_like = set(Region.objects.filter(code__startswith=prefix).values_list("code", flat=True))
        by_python = {code for code in codes if code.startswith(prefix)}
        assert by_lookup == by_python == by_like, prefix


def test_prefix_lookup_is_case_sensitive_on_every_database(world):
    # SQLite's LIKE ignores ASCII case; the range the lookup uses there does not.
    assert Region.objects.filter(code__prefix=world.grid.code).exists()
    assert not Region.objects.filter(code__prefix=world.grid.code.lower()).exists()


def test_prefix_lookup_is_served_by_the_code_index(world):
    queryset = Resident.objects.filter(code__prefix=world.community.code)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert " LIKE " not in sql
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING INDEX" in plan and "code" in plan, plan
        else:
            assert " LIKE " in sql
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan and "code" in plan, plan
