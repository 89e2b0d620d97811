"""The synthetic city (`sixfold generate_city`): the demo street's generator across 济南市.

A city of 3,000 households (five grids) is enough to check the structure; the million-household
city is built and timed only by `make bench`.
"""

import hashlib
import random
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from sixfold.core import city, demo, idcard
from sixfold.core.counts import household_counts
from sixfold.core.models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from sixfold.core.models.region import CODE_LENGTH, NUMBER_RANGES, SEGMENTS, segment_number

GRID_MIN, GRID_MAX = 500, 800
DISTRICT_CODES = {d.code for d in city.DISTRICTS}
ID_AREAS = DISTRICT_CODES | {d.former[0] for d in city.DISTRICTS if d.former} | set(city.ELSEWHERE)


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_city", *args, stdout=out)
    return out.getvalue()


def fingerprint() -> str:
    """Everything a seed decides: the tree, the addresses and the people (not the ciphertexts)."""
    digest = hashlib.sha256()
    for row in Region.objects.order_by("code").values_list("code", "name", "level", "address"):
        digest.update(repr(row).encode())
    for row in Household.objects.order_by("code").values_list("code", "housing", "area", "tags"):
        digest.update(repr(row).encode())
    for row in Resident.objects.order_by("code", "id_number_hash").values_list(
        "code", "name", "gender", "birth_date", "id_number_hash", "phone_hash", "relation", "status"
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def generated_fingerprint(*args: str) -> str:
    with transaction.atomic():
        generate(*args)
        result = fingerprint()
        transaction.set_rollback(True)
    return result


@pytest.fixture(scope="class")
def small_city(django_db_setup, django_db_blocker):
    """One city shared by the read-only tests of a class, rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield generate("--households", "3000", "--seed", "3")
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestSmallCity:
    def test_tree_levels_and_grid_sizes(self, small_city):
        assert Region.objects.get(code="3701").name == "济南市"
        assert Household.objects.count() == 3000
        levels = dict(Region.objects.values_list("code", "level"))
        parents = dict(Region.objects.values_list("code", "parent__code"))
        expected_parent = {
            Level.DISTRICT: {Level.CITY},
            Level.STREET: {Level.DISTRICT},
            Level.COMMUNITY: {Level.STREET},
            Level.VILLAGE: {Level.STREET},
            Level.GRID: {Level.COMMUNITY, Level.VILLAGE},
            Level.BUILDING: {Level.GRID},
            Level.UNIT: {Level.BUILDING},
            Level.HOUSEHOLD: {Level.UNIT},
        }
        for code, level in levels.items():
            # every code has its level's length, extends its parent's by one well-formed
            # segment, and carries a number its level allows
            assert len(code) == CODE_LENGTH[level], code
            if level == Level.CITY:
                assert parents[code] is None
                continue
            parent = parents[code]
            assert levels[parent] in expected_parent[level], code
            segment = code[len(parent) :]
            assert re.fullmatch(SEGMENTS[level][0], segment), code
            assert segment_number(code, level) in NUMBER_RANGES[level], code
        assert {c for c, level in levels.items() if level == Level.DISTRICT} <= DISTRICT_CODES

        # every grid holds 500–800 households; communities 1–4 grids, villages 1–2
        grids = [c for c, level in levels.items() if level == Level.GRID]
        sizes = household_counts(grids)
        assert sum(sizes.values()) == 3000
        assert all(GRID_MIN <= n <= GRID_MAX for n in sizes.values()), sizes
        per_parent = Counter(parents[g] for g in grids)
        for parent, count in per_parent.items():
            high = 2 if levels[parent] == Level.VILLAGE else 4
            assert 1 <= count <= high

        # the register rows match their region nodes and carry their codes
        registers = ((Building, Level.BUILDING), (Unit, Level.UNIT), (Household, Level.HOUSEHOLD))
        for model, level in registers:
            pairs = model.objects.values_list("code", "region__code", "region__level")
            assert all(code == region and lvl == level for code, region, lvl in pairs)
            assert model.objects.count() == Region.objects.filter(level=level).count()
        mismatched = [
            r for r in Resident.objects.values_list("code", "household__code") if r[0] != r[1]
        ]
        assert mismatched == []
        # no two households of a street share an address
        addresses = Counter((c[:9], a) for c, a in Household.objects.values_list("code", "address"))
        assert max(addresses.values()) == 1

    def test_people_have_valid_unique_consistent_numbers(self, small_city):
        residents = list(Resident.objects.all())
        assert 2 * 3000 < len(residents) < 4 * 3000
        numbers, phones = set(), set()
        for person in residents:
            number = person.plaintext_id_number()
            assert idcard.validate(number) == number
            assert idcard.birth_date_of(number) == person.birth_date
            assert idcard.gender_of(number) == person.gender
            assert number[:6] in ID_AREAS
            assert person.id_number_masked == number[:6] + "********" + number[-4:]
            numbers.add(number)
            phone = person.plaintext_phone()
            if phone:
                assert re.fullmatch(r"1\d{10}", phone) and phone[:3] in demo.MOBILE_PREFIXES
                phones.add(phone)
        assert len(numbers) == len(residents)
        assert len(phones) == Resident.objects.exclude(phone_hash="").count()
        # one householder per household
        heads = Resident.objects.filter(relation=Resident.Relation.SELF)
        assert heads.count() == heads.values("household").distinct().count() == 3000

    def test_one_import_event_and_a_report(self, small_city):
        [event] = AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORT)
        assert event.scope_code == "3701"
        assert event.after["households"] == 3000
        assert event.after["residents"] == Resident.objects.count()
        assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.CREATE).exists()
        assert "3,000 户" in small_city and "已生成" in small_city


@pytest.mark.parametrize("households", [500, 800, 1000, 1600, 3000, 10_000, 123_457, 1_000_000])
def test_grid_sizes_sum_exactly_within_the_norm(households):
    sizes = city.grid_sizes(households, random.Random(households))
    assert sum(sizes) == households
    assert all(GRID_MIN <= s <= GRID_MAX for s in sizes)


@pytest.mark.parametrize("households", [499, 801, 999])
def test_households_that_cannot_make_grids_are_refused(households):
    with pytest.raises(ValueError, match="500–800"):
        city.grid_sizes(households, random.Random(1))


@pytest.mark.django_db
def test_same_seed_same_city_other_seed_other_city():
    first = generated_fingerprint("--households", "1200", "--seed", "5")
    again = generated_fingerprint("--households", "1200", "--seed", "5")
    other = generated_fingerprint("--households", "1200", "--seed", "6")
    assert first == again
    assert other != first


@pytest.mark.django_db
def test_refuses_a_database_with_regions_unless_appending():
    call_command("seed_demo", "--communities", "1", "--villages", "0", stdout=StringIO())
    before = fingerprint()
    with pytest.raises(CommandError, match="--append"):
        generate("--households", "1000")
    assert fingerprint() == before
    with pytest.raises(CommandError, match="500"):
        generate("--households", "100", "--append")


@pytest.mark.django_db
def test_append_adds_streets_and_never_reuses_numbers():
    generate("--households", "1000", "--seed", "1")
    first_streets = set(Region.objects.filter(level=Level.STREET).values_list("code", flat=True))
    first = {pk: rest for pk, *rest in Resident.objects.values_list("id", "name", "id_number_hash")}

    # the same seed again: the same people would get the same numbers, so they must move on
    output = generate("--households", "1000", "--seed", "1", "--append")

    assert "0 个新区县" in output
    streets = set(Region.objects.filter(level=Level.STREET).values_list("code", flat=True))
    [old] = first_streets
    [new] = streets - first_streets
    assert new[:6] == old[:6] and int(new[6:]) == int(old[6:]) + 1
    assert Household.objects.count() == 2000
    kept = Resident.objects.filter(id__in=first).values_list("id", "name", "id_number_hash")
    assert {pk: rest for pk, *rest in kept} == first
    hashes = list(Resident.objects.values_list("id_number_hash", flat=True))
    assert len(set(hashes)) == len(hashes)
    phones = list(Resident.objects.exclude(phone_hash="").values_list("phone_hash", flat=True))
    assert len(set(phones)) == len(phones)
    names = Region.objects.filter(level=Level.STREET).values_list("name", flat=True)
    assert len(set(names)) == 2


@pytest.mark.django_db(transaction=True)
def test_rebuilt_indexes_are_the_ones_migrations_made():
    before = city.secondary_indexes(connection)
    assert any(name for name, _ in before)
    city.build_city(600, 2, rebuild_indexes=True)
    assert city.secondary_indexes(connection) == before
    assert Household.objects.count() == 600
