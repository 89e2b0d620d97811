"""FilterSets shared by the party pages and the party API (one definition of each filter)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ChainLevel, OrgKind, PartyMember, PartyOrganization, ResponsibilityLink

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number that fits the database's key column (a longer one would
    overflow the driver instead of matching nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def _within(queryset, name, value):
    return queryset.within(value.strip()) if value and value.strip() else queryset


class OrganizationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label=_("kind"))
    search = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("name"))

    class Meta:
        model = PartyOrganization
        fields = ["region", "kind", "search"]


class MemberFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    organization = IdFilter(field_name="organization_id", label=_("party organisation"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"))
    standing = django_filters.ChoiceFilter(
        choices=PartyMember.Standing.choices, label=_("standing")
    )
    status = django_filters.ChoiceFilter(choices=PartyMember.Status.choices, label=_("status"))
    flag = django_filters.MultipleChoiceFilter(
        method="filter_flags",
        label=_("flags"),
        choices=[
            ("in_service", _("in-service member")),
            ("elderly", _("elderly member")),
            ("in_difficulty", _("member in difficulty")),
            ("mobile", _("mobile member")),
        ],
    )

    class Meta:
        model = PartyMember
        fields = ["region", "organization", "search", "standing", "status", "flag"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(resident__name__contains=value) | Q(name__contains=value))

    def filter_flags(self, queryset, name, values):
        for flag in values:
            queryset = queryset.filter(**{flag: True})
        return queryset


class LinkFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    level = django_filters.ChoiceFilter(choices=ChainLevel.choices, label=_("level"))
    member = IdFilter(field_name="member_id", label=_("party member"))

    class Meta:
        model = ResponsibilityLink
        fields = ["region", "level", "member"]
