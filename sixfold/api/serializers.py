"""Serializers of the REST API: they check the shape of input and hand it to the action functions.

Types, lengths and choices are checked here; everything the registers mean (an ID number's check
digit, a free room number, who may act where) is checked by the actions in `sixfold.core.actions`,
so the web forms, imports and the API refuse the same things with the same messages. Serializers
never save a register row themselves.

References to other register objects are by `id` and are looked up only among the objects the
requesting user can see: an out-of-scope household is "not found", exactly like a missing one.
Region tree nodes (a building's grid) are referred to by `code`, as everywhere else in the API.

Personal data leaves only masked (`id_number`, `phone`); plaintext goes in on writes and comes out
only through the logged reveal.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute

from sixfold.accounts.roles import ROLES
from sixfold.core import actions
from sixfold.core.models import Building, Household, Level, Region, Resident, Unit
from sixfold.core.models.region import segment_number
from sixfold.core.models.resident import ETHNICITIES

from .errors import action_errors
from .permissions import VIEW

MAX_NOTE = 2000


# --- fields ---------------------------------------------------------------------------------------
class ReadFromMixin:
    """Read the value from another attribute than the one written (`region.name`, a mask)."""

    def __init__(self, *args, read_from: str, **kwargs):
        self.read_from = read_from.split(".")
        super().__init__(*args, **kwargs)

    def get_attribute(self, instance):
        return get_attribute(instance, self.read_from)


class ReadFromCharField(ReadFromMixin, serializers.CharField):
    pass


class ReadFromListField(ReadFromMixin, serializers.ListField):
    pass


class PersonalDataField(ReadFromCharField):
    """Plaintext on write, the stored mask on read."""


class SegmentNumberField(serializers.IntegerField):
    """A node's number within its parent, read from its code (`…-B012` → 12)."""

    def __init__(self, level: str, **kwargs):
        self.level = level
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return segment_number(instance.code, self.level)


def _user(field) -> object:
    return field.context["request"].user


@extend_schema_field(OpenApiTypes.INT)
class VisibleObjectField(serializers.PrimaryKeyRelatedField):
    """A register object by id, among those the requesting user can see."""

    default_error_messages = {
        "does_not_exist": _("Not found."),
        "incorrect_type": _("Expected an id (a whole number)."),
    }

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(_user(self), VIEW)

    def to_internal_value(self, data):
        # Only whole numbers: Python reads `true` and 1.5 as 1, which would silently pick
        # object 1; ids beyond 64 bits overflow the database driver instead of not matching.
        if isinstance(data, str) and data.isascii() and data.isdigit():
            if len(data) > 19:
                self.fail("does_not_exist", pk_value=data[:20])
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data < 2**63:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class VisibleRegionField(ReadFromMixin, serializers.SlugRelatedField):
    """A region tree node by code, among those the requesting user can see."""

    default_error_messages = {
        "does_not_exist": _("Not found."),
        "invalid": _("Enter a region code."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Region.objects.visible_to(_user(self), VIEW)


# --- base -----------------------------------------------------------------------------------------
class RegisterSerializer(serializers.Serializer):
    """Validates shape, then calls the register's action functions.

    `fixed_after_create`: fields required to create an object that cannot change afterwards (they
    decide its code); an update may repeat them unchanged. `error_fields`: action error keys that
    this API calls differently.
    """

    fixed_after_create: tuple[str, ...] = ()
    error_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            for name in self.fixed_after_create:
                self.fields[name].required = False

    def validate(self, attrs):
        if self.instance is not None:
            errors = {}
            for name in self.fixed_after_create:
                field = self.fields[name]
                current = field.to_representation(field.get_attribute(self.instance))
                if name in attrs and field.to_representation(attrs[name]) != current:
                    errors[name] = [_("This cannot be changed once the record exists.")]
            if errors:
                raise serializers.ValidationError(errors)
            attrs = {k: v for k, v in attrs.items() if k not in self.fixed_after_create}
        return attrs

    @property
    def user(self):
        return self.context["request"].user

    def run_action(self, function, *args):
        with action_errors(self.error_fields):
            return function(*args, by=self.user)


def _name_field(**kwargs):
    return ReadFromCharField(read_from="region.name", max_length=100, **kwargs)


def _note_field():
    return serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NOTE, trim_whitespace=False
    )


# --- regions --------------------------------------------------------------------------------------
class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    resident_count = serializers.IntegerField(
        read_only=True, help_text=_("Living residents (moved-out and deceased not counted).")
    )

    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "level",
            "parent",
            "address",
            "household_count",
            "resident_count",
        ]
        read_only_fields = fields


# --- buildings and units --------------------------------------------------------------------------
class BuildingSerializer(RegisterSerializer):
    fixed_after_create = ("grid", "number")
    error_fields = {"parent": "grid"}

    id = serializers.IntegerField(source="pk", read_only=True)
    code = serializers.CharField(read_only=True)
    grid = VisibleRegionField(
        read_from="region.parent", help_text=_("Code of the grid the building stands in.")
    )
    name = _name_field()
    number = SegmentNumberField(
        Level.BUILDING,
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("Building number within the grid; the next free one when omitted."),
    )
    address = ReadFromCharField(
        read_from="region.address", required=False, allow_blank=True, max_length=200
    )
    compound = serializers.CharField(required=False, allow_blank=True, max_length=100)
    floors = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=200)
    structure = serializers.ChoiceField(choices=Building.Structure.choices, required=False)
    note = _note_field()

    def create(self, validated_data):
        grid = validated_data.pop("grid")
        return self.run_action(actions.create_building, grid, validated_data)

    def update(self, instance, validated_data):
        return self.run_action(actions.change_building, instance, validated_data)


class UnitSerializer(RegisterSerializer):
    fixed_after_create = ("building", "number")
    error_fields = {"parent": "building"}

    id = serializers.IntegerField(source="pk", read_only=True)
    code = serializers.CharField(read_only=True)
    building = VisibleObjectField(Building, help_text=_("Id of the building."))
    name = _name_field()
    number = SegmentNumberField(
        Level.UNIT,
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("Unit number within the building; the next free one when omitted."),
    )
    floors = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=200)
    note = _note_field()

    def create(self, validated_data):
        building = validated_data.pop("building")
        return self.run_action(actions.create_unit, building, validated_data)

    def update(self, instance, validated_data):
        return self.run_action(actions.change_unit, instance, validated_data)


# --- households -----------------------------------------------------------------------------------
class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    relation = serializers.ChoiceField(choices=Resident.Relation.choices, read_only=True)


class HouseholdSerializer(RegisterSerializer):
    fixed_after_create = ("unit", "room")
    # The room number is the household's number in its unit.
    error_fields = {"number": "room", "parent": "unit"}

    id = serializers.IntegerField(source="pk", read_only=True)
    code = serializers.CharField(read_only=True)
    unit = VisibleObjectField(Unit, help_text=_("Id of the unit (stairwell)."))
    room = serializers.CharField(max_length=10, help_text=_("Room number, up to four digits."))
    address = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Full address; built from the unit and room when omitted."),
    )
    housing = serializers.ChoiceField(choices=Household.Housing.choices, required=False)
    area = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )
    tags = ReadFromListField(
        read_from="tag_list",
        child=serializers.ChoiceField(choices=Household.Tag.choices),
        required=False,
        max_length=len(Household.Tag.choices),
    )
    note = _note_field()
    members = MemberSerializer(source="residents", many=True, read_only=True)

    def create(self, validated_data):
        unit = validated_data.pop("unit")
        return self.run_action(actions.create_household, unit, validated_data)

    def update(self, instance, validated_data):
        return self.run_action(actions.change_household, instance, validated_data)


# --- residents ------------------------------------------------------------------------------------
class ResidentSerializer(RegisterSerializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True, help_text=_("Code of the resident's household."))
    household = VisibleObjectField(
        Household, help_text=_("Id of the household; changing it moves the resident.")
    )
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(choices=Resident.Gender.choices)
    birth_date = serializers.DateField()
    age = serializers.IntegerField(read_only=True)
    id_number = PersonalDataField(
        read_from="id_number_masked",
        max_length=40,
        allow_blank=True,
        help_text=_(
            "Masked when read. Plaintext when written: 18 characters, GB 11643 check digit, "
            "agreeing with the birth date and gender. Omit or leave blank to keep it unchanged."
        ),
    )
    phone = PersonalDataField(
        read_from="phone_masked",
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Masked when read. Plaintext when written; blank removes it."),
    )
    relation = serializers.ChoiceField(choices=Resident.Relation.choices)
    ethnicity = serializers.ChoiceField(choices=[(e, e) for e in ETHNICITIES], required=False)
    status = serializers.ChoiceField(choices=Resident.Status.choices, required=False)
    tags = ReadFromListField(
        read_from="tag_list",
        child=serializers.ChoiceField(choices=Resident.Tag.choices),
        required=False,
        max_length=len(Resident.Tag.choices),
        help_text=_("“elderly” follows from the birth date and is ignored on write."),
    )
    note = _note_field()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            # A stored ID number is kept unless a new one is given.
            self.fields["household"].required = False
            self.fields["id_number"].required = False

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            # A record read and sent back whole carries the masks; a mask ('*') is never a
            # plaintext value, so it means "unchanged".
            for name, masked in (
                ("id_number", self.instance.id_number_masked),
                ("phone", self.instance.phone_masked),
            ):
                if masked and attrs.get(name) == masked:
                    del attrs[name]
        return attrs

    def create(self, validated_data):
        household = validated_data.pop("household")
        return self.run_action(actions.create_resident, household, validated_data)

    def update(self, instance, validated_data):
        return self.run_action(actions.change_resident, instance, validated_data)


class PurposeSerializer(serializers.Serializer):
    purpose = serializers.CharField(
        max_length=200, help_text=_("Why the plaintext is needed; written to the audit log.")
    )


class RevealedSerializer(serializers.Serializer):
    id_number = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


# --- accounts -------------------------------------------------------------------------------------
class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField(read_only=True)
    label = serializers.SerializerMethodField()
    scope_code = serializers.CharField(read_only=True)
    scope_name = serializers.CharField(source="region.name", read_only=True)
    scope_level = serializers.CharField(
        source="region.level", read_only=True, help_text=_("Level of the scope's region node.")
    )

    def get_label(self, assignment) -> str:
        role = ROLES.get(assignment.role)
        return str(role.label) if role else assignment.role


class MeSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    roles = RoleSerializer(source="active_assignments", many=True, read_only=True)
