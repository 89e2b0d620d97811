"""The coverage audit (S1, S2, S26) on hand-built trees: every level's nodes, covered nodes and
gaps, exactly; the same numbers from the page, the API and the command; and a query count that
does not grow with the tree."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sixfold.core.models import Level
from sixfold.party import actions
from sixfold.party.coverage import coverage_report
from sixfold.party.models import ChainLevel, GridPostKind
from tests import factories
from tests.party.conftest import member, org


def by_level(rows):
    return {row.level: row for row in rows}


class Tree:
    """Community 1 of a street: grid 1 with buildings 1 (two units of two households) and 2 (one
    unit, one household); grid 2 with building 1 (one unit, three households). Community 2 with
    one grid, one building, one unit, one household. Nobody answers for anything yet."""

    def __init__(self):
        self.street = factories.street()
        self.community = factories.community(1, self.street)
        self.other = factories.community(2, self.street)
        self.grid_a = factories.grid(1, self.community)
        self.grid_b = factories.grid(2, self.community)
        self.grid_c = factories.grid(1, self.other)
        b1 = factories.building(1, self.grid_a)
        b2 = factories.building(2, self.grid_a)
        b3 = factories.building(1, self.grid_b)
        b4 = factories.building(1, self.grid_c)
        self.buildings = [b1, b2, b3, b4]
        u11, u12 = factories.unit(1, b1), factories.unit(2, b1)
        u21, u31, u41 = factories.unit(1, b2), factories.unit(1, b3), factories.unit(1, b4)
        self.units = [u11, u12, u21, u31, u41]
        self.households = {
            "u11": [factories.household(101, u11), factories.household(102, u11)],
            "u12": [factories.household(101, u12), factories.household(102, u12)],
            "u21": [factories.household(101, u21)],
            "u31": [factories.household(room, u31) for room in (101, 102, 201)],
            "u41": [factories.household(101, u41)],
        }
        self.committee = org(self.community)
        self.people = [
            member(self.committee, factories.resident(self.households["u11"][0], name="甲")),
            member(self.committee, factories.resident(self.households["u31"][0], name="乙")),
            member(self.committee, name="丙"),
        ]


@pytest.fixture
def tree(db):
    return Tree()


def assign(region, person):
    return actions.assign_responsibility(region, person, by=None)


def test_an_empty_chain_is_all_gaps(tree):
    report = coverage_report(tree.community)
    chain = by_level(report.chain)
    assert {level: (row.nodes, row.covered) for level, row in chain.items()} == {
        ChainLevel.COMMUNITY: (1, 0),
        ChainLevel.GRID: (2, 0),
        ChainLevel.BUILDING: (3, 0),
        ChainLevel.UNIT: (4, 0),
        ChainLevel.HOUSEHOLD: (8, 0),
    }
    assert [g.code for g in chain[ChainLevel.GRID].gaps] == [tree.grid_a.code, tree.grid_b.code]
    assert chain[ChainLevel.HOUSEHOLD].percent == 0.0


def test_a_gap_at_each_level_is_found_and_listed(tree):
    a, b, c = tree.people
    hh = tree.households
    assign(tree.community, a)
    assign(tree.grid_a, a)  # grid b: gap
    assign(tree.buildings[0].region, b)
    assign(tree.buildings[2].region, b)  # building 2 of grid a: gap
    for unit in tree.units[:3]:
        assign(unit.region, c)  # grid b's unit: gap
    for household in hh["u11"] + hh["u12"] + hh["u31"][:2]:
        assign(household.region, a)  # u21's and the last of u31: gaps

    report = coverage_report(tree.community)
    chain = by_level(report.chain)
    expected = {
        ChainLevel.COMMUNITY: (1, 1, []),
        ChainLevel.GRID: (2, 1, [tree.grid_b.code]),
        ChainLevel.BUILDING: (3, 2, [tree.buildings[1].code]),
        ChainLevel.UNIT: (4, 3, [tree.units[3].code]),
        ChainLevel.HOUSEHOLD: (8, 6, [hh["u21"][0].code, hh["u31"][2].code]),
    }
    for level, (nodes, covered, gaps) in expected.items():
        row = chain[level]
        assert (row.nodes, row.covered, [g.code for g in row.gaps]) == (nodes, covered, gaps), level
    assert chain[ChainLevel.HOUSEHOLD].percent == 75.0
    # the other community is not part of this audit, and counts in the street's
    street = by_level(coverage_report(tree.street).chain)
    assert (street[ChainLevel.HOUSEHOLD].nodes, street[ChainLevel.HOUSEHOLD].covered) == (9, 6)
    assert street[ChainLevel.COMMUNITY].gaps[0].code == tree.other.code


def test_a_grid_audit_has_no_community_level_and_children_rows_add_up(tree):
    a, b, _c = tree.people
    for household in tree.households["u11"]:
        assign(household.region, a)
    report = coverage_report(tree.grid_a)
    assert [row.level for row in report.chain] == [
        ChainLevel.GRID,
        ChainLevel.BUILDING,
        ChainLevel.UNIT,
        ChainLevel.HOUSEHOLD,
    ]
    children = {row.node.code: row for row in report.children}
    first = children[tree.buildings[0].code].chain[ChainLevel.HOUSEHOLD]
    second = children[tree.buildings[1].code].chain[ChainLevel.HOUSEHOLD]
    assert (first.nodes, first.covered, second.nodes, second.covered) == (4, 2, 1, 0)
    household_row = by_level(report.chain)[ChainLevel.HOUSEHOLD]
    assert household_row.nodes == first.nodes + second.nodes


def test_organisation_gaps_communities_grids_and_buildings_where_members_live(tree):
    org(tree.grid_a)
    org(tree.buildings[0].region)  # where 甲 lives
    # 乙 lives in grid b's building, which has no group; nobody lives in building 2 of grid a
    orgs = by_level(coverage_report(tree.street).organisations)
    assert (orgs[ChainLevel.COMMUNITY].nodes, orgs[ChainLevel.COMMUNITY].covered) == (2, 1)
    assert [g.code for g in orgs[ChainLevel.COMMUNITY].gaps] == [tree.other.code]
    assert (orgs[ChainLevel.GRID].nodes, orgs[ChainLevel.GRID].covered) == (3, 1)
    assert [g.code for g in orgs[ChainLevel.GRID].gaps] == [tree.grid_b.code, tree.grid_c.code]
    buildings = orgs[ChainLevel.BUILDING]
    assert (buildings.nodes, buildings.covered) == (2, 1)
    assert [g.code for g in buildings.gaps] == [tree.buildings[2].code]
    # a member who moved out of the street no longer counts
    actions.transfer_member(tree.people[1], to_name="外区党委", on="2025-01-01", by=None)
    buildings = by_level(coverage_report(tree.street).organisations)[ChainLevel.BUILDING]
    assert (buildings.nodes, buildings.covered, buildings.gaps) == (1, 1, [])


def test_grids_with_an_unfilled_required_post(tree):
    required = list(GridPostKind.objects.filter(required=True, active=True))
    assert [k.name for k in required] == ["网格长", "专职网格员", "党建联络员", "安全网格员"]
    for kind in required:
        actions.fill_grid_post(tree.grid_a, kind, name="某某", by=None)
    for kind in required[:-1]:
        actions.fill_grid_post(tree.grid_b, kind, name="某某", by=None)
    posts = coverage_report(tree.community).posts
    assert (posts.nodes, posts.covered) == (2, 1)
    assert [(gap.grid.code, [k.name for k in gap.missing]) for gap in posts.gaps] == [
        (tree.grid_b.code, ["安全网格员"])
    ]
    # which posts are required is configuration: make it optional and the grid is complete
    actions.change_post_kind(required[-1], {"required": False}, by=None)
    assert coverage_report(tree.community).posts.uncovered == 0


def test_members_beyond_the_threshold(tree):
    a, b, _c = tree.people
    hh = tree.households
    for household in [*hh["u11"], *hh["u12"], hh["u31"][2]]:  # four in grid a, one in grid b
        assign(household.region, a)
    for household in hh["u31"][:2]:
        assign(household.region, b)
    report = coverage_report(tree.street, threshold=4)
    assert [(o.member.pk, o.households) for o in report.overloaded] == [(a.pk, 5)]
    assert report.overloaded_count == 1
    assert coverage_report(tree.street, threshold=5).overloaded == []
    # counted over all of a member's households, even when the audit looks at one grid
    grid_b = coverage_report(tree.grid_b, threshold=4)
    assert [(o.member.pk, o.households) for o in grid_b.overloaded] == [(a.pk, 5)]


def grow(tree, communities=3):
    """Many more nodes, links, organisations and posts."""
    kinds = list(GridPostKind.objects.filter(required=True))
    for number in range(3, 3 + communities):
        community = factories.community(number, tree.street)
        committee = org(community)
        person = member(committee, name=f"成员{number}")
        actions.assign_responsibility(community, person, by=None)
        for grid_number in (1, 2):
            grid = factories.grid(grid_number, community)
            org(grid)
            actions.fill_grid_post(grid, kinds[0], name="网格长某", by=None)
            for building_number in (1, 2):
                building = factories.building(building_number, grid)
                unit = factories.unit(1, building)
                for room in (101, 102):
                    household = factories.household(room, unit)
                    factories.resident(household, name="住户")
                    actions.assign_responsibility(household.region, person, by=None)


def queries_for(region) -> int:
    with CaptureQueriesContext(connection) as context:
        coverage_report(region)
    return len(context)


def test_query_count_does_not_grow_with_the_tree(tree):
    street_before, community_before = queries_for(tree.street), queries_for(tree.community)
    assert street_before <= 20
    grow(tree)
    assert queries_for(tree.street) == street_before
    assert queries_for(tree.community) == community_before


def test_command_text_and_json_agree_with_the_report(tree):
    a, _b, _c = tree.people
    assign(tree.community, a)
    text = StringIO()
    call_command("coverage_report", "--region", tree.community.code, stdout=text)
    assert "五级负责制" in text.getvalue()
    assert tree.grid_a.code in text.getvalue()  # a gap is listed
    out = StringIO()
    call_command("coverage_report", "--region", tree.community.code, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    chain = {row["level"]: row for row in data["chain"]}
    assert chain["community"]["covered"] == 1
    assert chain["household"]["uncovered"] == 8
    assert chain["grid"]["gaps"][0]["url"] == f"/party/chain/{tree.grid_a.code}/"
    assert data["region"]["level"] == Level.COMMUNITY


def test_command_refuses_an_unknown_region(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("coverage_report", "--region", "370116999", stdout=StringIO())
