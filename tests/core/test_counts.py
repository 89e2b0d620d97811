from sixfold.core.counts import household_counts, resident_counts


def test_counts_per_node(world):
    codes = [world.community.code, world.other_community.code, world.grid.code, world.street.code]
    households = household_counts(codes)
    assert households == {
        world.community.code: 2,
        world.other_community.code: 1,
        world.grid.code: 1,
        world.street.code: 3,
    }
    assert resident_counts([world.grid.code])[world.grid.code] == 1


def test_counts_one_query_per_level(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        household_counts([world.community.code, world.other_community.code])
