"""FilterSets shared by the web lists and the API (one definition of each filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import pii
from .actions import normalize_phone
from .idcard import normalize as normalize_id
from .models import Building, Household, Level, Region, Resident, Unit
from .models.resident import manual_tag_choices


def _prefix(queryset, name, value):
    return queryset.within(value) if value else queryset


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("level"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("parent code"))
    code = django_filters.CharFilter(
        method=lambda qs, n, v: _prefix(qs, n, v), label=_("code prefix")
    )
    search = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("name"))

    class Meta:
        model = Region
        fields = ["level", "parent", "code", "search"]


class BuildingFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=lambda qs, n, v: _prefix(qs, n, v), label=_("region code")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))
    structure = django_filters.ChoiceFilter(
        choices=Building.Structure.choices, label=_("structure")
    )

    class Meta:
        model = Building
        fields = ["region", "search", "structure"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(region__name__contains=value) | Q(compound__contains=value))


class UnitFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=lambda qs, n, v: _prefix(qs, n, v), label=_("region code")
    )

    class Meta:
        model = Unit
        fields = ["region"]


class HouseholdFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        method=lambda qs, n, v: _prefix(qs, n, v), label=_("region code")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))
    tag = django_filters.ChoiceFilter(
        choices=Household.Tag.choices, method="filter_tag", label=_("tag")
    )
    housing = django_filters.ChoiceFilter(choices=Household.Housing.choices, label=_("housing"))

    class Meta:
        model = Household
        fields = ["region", "search", "tag", "housing"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(address__contains=value) | Q(residents__name=value) | Q(room=value)
        ).distinct()

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=f",{value},")


class ResidentFilter(django_filters.FilterSet):
    """`search` matches a name (contains), or an exact ID number / phone through its keyed hash."""

    region = django_filters.CharFilter(
        method=lambda qs, n, v: _prefix(qs, n, v), label=_("region code")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))
    tag = django_filters.MultipleChoiceFilter(
        choices=Resident.Tag.choices, method="filter_tags", label=_("tags")
    )
    gender = django_filters.ChoiceFilter(choices=Resident.Gender.choices, label=_("gender"))
    status = django_filters.ChoiceFilter(
        choices=Resident.Status.choices, label=_("residence status")
    )
    # A whole number a database id can hold: a larger one would overflow the driver.
    household = django_filters.NumberFilter(
        field_name="household_id",
        label=_("household"),
        min_value=1,
        max_value=2**63 - 1,
        decimal_places=0,
    )

    class Meta:
        model = Resident
        fields = ["region", "search", "tag", "gender", "status", "household"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        id_like = normalize_id(value)
        if len(id_like) == 18:
            return queryset.with_id_number(id_like)
        phone = normalize_phone(value)
        if phone.isdigit() and len(phone) == 11:
            return queryset.filter(phone_hash=pii.lookup_hash(phone))
        return queryset.filter(name__contains=value)

    def filter_tags(self, queryset, name, values):
        for tag in values:
            queryset = queryset.with_tag(tag)
        return queryset


__all__ = [
    "BuildingFilter",
    "HouseholdFilter",
    "RegionFilter",
    "ResidentFilter",
    "UnitFilter",
    "manual_tag_choices",
]
