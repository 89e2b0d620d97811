"""FilterSets of the ledger and the rating results, shared by the pages and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import LedgerEntry, RatingResult, Source


def _within(queryset, name, value):
    return queryset.within(value.strip()) if value and value.strip() else queryset


class LedgerEntryFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        field_name="subject_name", lookup_expr="contains", label=pgettext_lazy("person", "name")
    )
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("source"))
    kind = django_filters.CharFilter(field_name="kind", lookup_expr="startswith", label=_("kind"))
    date_from = django_filters.DateFilter(
        field_name="occurred_on",
        lookup_expr="gte",
        label=_("from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_on",
        lookup_expr="lte",
        label=_("to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reversals = django_filters.ChoiceFilter(
        method="filter_reversals",
        label=_("reversals"),
        choices=[("only", _("only reversals")), ("none", _("without reversals"))],
    )

    class Meta:
        model = LedgerEntry
        fields = ["search", "region", "source", "kind", "date_from", "date_to", "reversals"]

    def filter_reversals(self, queryset, name, value):
        if value == "only":
            return queryset.filter(reverses__isnull=False)
        if value == "none":
            return queryset.filter(reverses__isnull=True)
        return queryset


class RatingResultFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        field_name="subject_name", lookup_expr="contains", label=pgettext_lazy("person", "name")
    )
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    stars_min = django_filters.NumberFilter(
        field_name="stars",
        lookup_expr="gte",
        label=_("at least … stars"),
        min_value=0,
        max_value=100,
    )
    stars_max = django_filters.NumberFilter(
        field_name="stars",
        lookup_expr="lte",
        label=_("at most … stars"),
        min_value=0,
        max_value=100,
    )
    disqualified = django_filters.BooleanFilter(
        field_name="disqualified",
        label=_("disqualified"),
        widget=forms.Select(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]),
    )

    class Meta:
        model = RatingResult
        fields = ["search", "region", "stars_min", "stars_max", "disqualified"]
