"""Factories for the region tree, registers and users. Build a small street in a few lines:

grid = factories.grid()                       # street → community 001 → grid G01
household = factories.household(grid=grid)    # building → unit → household
resident = factories.resident(household=household)
user = factories.user_with_role("grid_worker", grid)
"""

import datetime as dt
import itertools

import factory

from sixfold.accounts.actions import grant_role
from sixfold.accounts.models import User
from sixfold.core import idcard
from sixfold.core.models import Building, Household, Level, Region, Resident, Unit
from sixfold.core.models.region import child_code

PASSWORD = "test-pass-123"
_seq = itertools.count(1)


def street(code: str = "370116001", name: str = "凤城街道") -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": Level.STREET}
    )
    return region


def community(
    number: int = 1, parent: Region | None = None, level: str = Level.COMMUNITY
) -> Region:
    parent = parent or street()
    code = child_code(parent.code, level, number)
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={"name": f"第{number}社区", "level": level, "parent": parent},
    )
    return region


def grid(number: int = 1, parent: Region | None = None) -> Region:
    parent = parent or community()
    code = child_code(parent.code, Level.GRID, number)
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": f"第{number}网格", "level": Level.GRID, "parent": parent}
    )
    return region


def building(number: int = 1, grid_region: Region | None = None) -> Building:
    grid_region = grid_region or grid()
    code = child_code(grid_region.code, Level.BUILDING, number)
    existing = Building.objects.filter(code=code).first()
    if existing:
        return existing
    region = Region.objects.create(
        code=code, name=f"{number}号楼", level=Level.BUILDING, parent=grid_region
    )
    return Building.objects.create(region=region, code=code, floors=6, compound="幸福小区")


def unit(number: int = 1, building_obj: Building | None = None) -> Unit:
    building_obj = building_obj or building()
    code = child_code(building_obj.code, Level.UNIT, number)
    existing = Unit.objects.filter(code=code).first()
    if existing:
        return existing
    region = Region.objects.create(
        code=code, name=f"{number}单元", level=Level.UNIT, parent=building_obj.region
    )
    return Unit.objects.create(region=region, code=code, building=building_obj, floors=6)


def household(
    room: int | None = None, unit_obj: Unit | None = None, grid: Region | None = None
) -> Household:
    if unit_obj is None:
        unit_obj = unit(building_obj=building(grid_region=grid) if grid else None)
    room = room or (100 + next(_seq) % 9000)
    code = child_code(unit_obj.code, Level.HOUSEHOLD, room)
    while Region.objects.filter(code=code).exists():
        room += 1
        code = child_code(unit_obj.code, Level.HOUSEHOLD, room)
    region = Region.objects.create(
        code=code, name=str(room), level=Level.HOUSEHOLD, parent=unit_obj.region
    )
    return Household.objects.create(
        region=region,
        code=code,
        unit=unit_obj,
        room=str(room),
        address=f"幸福小区{unit_obj.building.region.name}{unit_obj.region.name}{room}室",
    )


def valid_id_number(born: dt.date = dt.date(1980, 5, 17), gender: str = "M") -> str:
    """A fresh valid ID number for the given birth date and gender."""
    n = next(_seq) % 500
    sequence = n * 2 + (1 if gender == "M" else 0)
    return idcard.make("370116", born, sequence % 1000)


def resident(household: Household | None = None, **fields) -> Resident:
    household = household or globals()["household"]()
    born = fields.pop("birth_date", dt.date(1980, 5, 17))
    gender = fields.pop("gender", "M")
    number = fields.pop("id_number", None) or valid_id_number(born, gender)
    phone = fields.pop("phone", f"138{next(_seq):08d}")
    obj = Resident(
        household=household,
        code=household.code,
        name=fields.pop("name", "张伟"),
        gender=gender,
        birth_date=born,
        relation=fields.pop("relation", Resident.Relation.SELF),
        **fields,
    )
    obj.set_id_number(number)
    obj.set_phone(phone)
    obj.save()
    return obj


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, region: Region, **fields) -> User:
    user = UserFactory(**fields)
    grant_role(user, role, region)
    return user
