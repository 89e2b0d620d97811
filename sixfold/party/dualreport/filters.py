"""FilterSets shared by the dual-reporting pages and API (one definition of each filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sixfold.core.forms import DateInput
from sixfold.party.filters import IdFilter

from .models import (
    MemberRegistration,
    PostClaim,
    ServiceCategory,
    ServicePost,
    ServiceRecord,
    Status,
    UnitRegistration,
)


def _within(queryset, name, value):
    return queryset.within(value.strip()) if value and value.strip() else queryset


def _member_search(prefix: str):
    def search(queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{prefix}member__resident__name__contains": value})
            | Q(**{f"{prefix}member__name__contains": value})
            | Q(**{f"{prefix}employer__contains": value})
        )

    return search


class RegistrationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    search = django_filters.CharFilter(method=_member_search(""), label=_("search"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    category = django_filters.ModelChoiceFilter(
        queryset=ServiceCategory.objects.all(),
        field_name="categories",
        label=_("preferred posts"),
    )

    class Meta:
        model = MemberRegistration
        fields = ["region", "search", "status", "category"]


class UnitFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))

    class Meta:
        model = UnitRegistration
        fields = ["region", "search", "status"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(unit__contains=value))


class PostFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"))
    category = django_filters.ModelChoiceFilter(
        queryset=ServiceCategory.objects.all(), label=_("category")
    )
    status = django_filters.ChoiceFilter(choices=ServicePost.PostStatus.choices, label=_("status"))

    class Meta:
        model = ServicePost
        fields = ["region", "search", "category", "status"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(title__contains=value) | Q(place__contains=value) | Q(description__contains=value)
        )


class ClaimFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    post = IdFilter(field_name="post_id", label=_("Post"))
    registration = IdFilter(field_name="registration_id", label=_("member registration"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))

    class Meta:
        model = PostClaim
        fields = ["region", "post", "registration", "status"]


class RecordFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    search = django_filters.CharFilter(method=_member_search("registration__"), label=_("search"))
    status = django_filters.ChoiceFilter(
        choices=ServiceRecord.RecordStatus.choices, label=_("status")
    )
    registration = IdFilter(field_name="registration_id", label=_("member registration"))
    served_from = django_filters.DateFilter(
        field_name="served_on", lookup_expr="gte", label=_("served from"), widget=DateInput()
    )
    served_to = django_filters.DateFilter(
        field_name="served_on", lookup_expr="lte", label=_("served until"), widget=DateInput()
    )

    class Meta:
        model = ServiceRecord
        fields = ["region", "search", "status", "registration", "served_from", "served_to"]
