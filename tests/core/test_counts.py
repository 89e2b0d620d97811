"""Household and resident counts per region node, one grouped query per code length."""

import pytest

from sixfold.core.counts import household_counts, resident_counts
from sixfold.core.models import Resident
from tests import factories

pytestmark = pytest.mark.django_db


def test_counts_per_node(world):
    codes = [world.community.code, world.other_community.code, world.grid.code, world.street.code]
    assert household_counts(codes) == {
        world.community.code: 2,
        world.other_community.code: 1,
        world.grid.code: 1,
        world.street.code: 3,
    }
    assert resident_counts(codes) == {
        world.community.code: 2,
        world.other_community.code: 1,
        world.grid.code: 1,
        world.street.code: 3,
    }


def test_nodes_without_rows_count_zero(world):
    empty_grid = factories.grid(9, world.community)
    village = factories.community(201, world.street, level="village")
    assert household_counts([empty_grid.code, village.code]) == {
        empty_grid.code: 0,
        village.code: 0,
    }


def test_moved_out_and_deceased_residents_are_not_counted(world):
    factories.resident(world.household, name="离开", status=Resident.Status.MOVED_OUT)
    factories.resident(world.household, name="故去", status=Resident.Status.DECEASED)
    factories.resident(world.household, name="租户", status=Resident.Status.NON_REGISTERED)
    assert resident_counts([world.household.code]) == {world.household.code: 2}


def test_codes_may_come_from_a_generator(world):
    empty_grid = factories.grid(9, world.community)
    regions = [world.community, world.other_community, empty_grid]
    counts = household_counts(region.code for region in regions)
    assert counts == {world.community.code: 2, world.other_community.code: 1, empty_grid.code: 0}


def test_a_code_and_its_sibling_prefix_do_not_mix(world):
    # Community 010 does not start with community 001's code, nor the other way round.
    tenth = factories.community(10, world.street)
    factories.household(grid=factories.grid(1, tenth))
    assert household_counts([world.community.code, tenth.code]) == {
        world.community.code: 2,
        tenth.code: 1,
    }


def test_counts_one_query_per_level(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        household_counts([world.community.code, world.other_community.code])
    with django_assert_num_queries(2):
        household_counts([world.community.code, world.grid.code, world.other_grid.code])
