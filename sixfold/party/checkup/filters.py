"""FilterSets shared by the check-up pages and API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.party.filters import IdFilter

from .models import CheckupCycle, CheckupResult, Grade, RectificationItem


def _within(queryset, name, value):
    return queryset.within(value.strip()) if value and value.strip() else queryset


def _member_search(queryset, value, prefix="member__"):
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(
        Q(**{f"{prefix}resident__name__contains": value}) | Q(**{f"{prefix}name__contains": value})
    )


class CycleFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("name"))
    year = django_filters.NumberFilter(label=_("year"), min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=CheckupCycle.Status.choices, label=_("status"))

    class Meta:
        model = CheckupCycle
        fields = ["search", "year", "status"]


class ResultFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    cycle = IdFilter(field_name="cycle_id", label=_("check-up cycle"))
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("current grade"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = CheckupResult
        fields = ["region", "cycle", "grade", "search"]

    def filter_search(self, queryset, name, value):
        return _member_search(queryset, value)


class RectificationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    cycle = IdFilter(field_name="result__cycle_id", label=_("check-up cycle"))
    status = django_filters.ChoiceFilter(
        choices=RectificationItem.Status.choices, label=_("status")
    )
    grade = django_filters.ChoiceFilter(
        field_name="result__initial_grade",
        choices=[(g, label) for g, label in Grade.choices if g != Grade.HEALTHY],
        label=_("check-up grade"),
    )
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        label=pgettext_lazy("rectification", "overdue"),
        choices=[("yes", pgettext_lazy("rectification", "Overdue")), ("no", _("Not overdue"))],
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = RectificationItem
        fields = ["region", "cycle", "status", "grade", "overdue", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(member__resident__name__contains=value)
            | Q(member__name__contains=value)
            | Q(problem__contains=value)
        )

    def filter_overdue(self, queryset, name, value):
        late = Q(status=RectificationItem.Status.OPEN, due_on__lt=timezone.localdate())
        if value == "yes":
            return queryset.filter(late)
        return queryset.exclude(late) if value == "no" else queryset
