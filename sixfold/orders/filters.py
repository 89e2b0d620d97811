"""FilterSets shared by the order pages and the order API (one definition of each filter, S9).

`search` matches an order number exactly (or its tail), else the title, text or address; a phone
number matches the requester's phone through its keyed hash, never a plaintext column. Dates are
local (Asia/Shanghai) calendar days of submission.
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sixfold.core import pii
from sixfold.core.actions import normalize_phone

from .models import OPEN_STATES, Category, Channel, Department, Order, Urgency, Whistle
from .queries import clamp_day
from .states import State

NUMBER_LIKE = re.compile(r"^[A-Za-z]{0,3}[0-9-]{4,}$")


def _within(queryset, name, value):
    return queryset.within(value.strip()) if value and value.strip() else queryset


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(clamp_day(day), dt.time.min))


@extend_schema_field(OpenApiTypes.STR)
class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """A configuration row (category, department) chosen by its slug."""


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OrderFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    search = django_filters.CharFilter(method="filter_search", label=_("number or text"))
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label=_("state"))
    category = SlugChoiceFilter(
        queryset=Category.objects.select_related("parent"),
        to_field_name="slug",
        method="filter_category",
        label=_("category"),
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("urgency"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("channel"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("overdue"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("yes")), ("false", _("no"))]),
    )
    open = django_filters.BooleanFilter(
        method="filter_open",
        label=pgettext_lazy("work order", "open"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("yes")), ("false", _("no"))]),
    )
    department = SlugChoiceFilter(
        queryset=Department.objects.all(),
        to_field_name="slug",
        method="filter_department",
        label=_("department"),
    )
    submitted_from = django_filters.DateFilter(
        method="filter_from", label=_("submitted from"), widget=DateInput()
    )
    submitted_to = django_filters.DateFilter(
        method="filter_to", label=_("submitted until"), widget=DateInput()
    )

    class Meta:
        model = Order
        fields = [
            "region",
            "search",
            "state",
            "category",
            "urgency",
            "channel",
            "overdue",
            "open",
            "department",
            "submitted_from",
            "submitted_to",
        ]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        phone = normalize_phone(value)
        if phone.isdigit() and len(phone) == 11:
            return queryset.filter(requester_phone_hash=pii.lookup_hash(phone))
        if NUMBER_LIKE.match(value):
            return queryset.filter(Q(number=value.upper()) | Q(number__endswith=value))
        return queryset.filter(
            Q(title__contains=value) | Q(text__contains=value) | Q(address__contains=value)
        )

    def filter_category(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(accept_overdue=True) | Q(claim_overdue=True) | Q(resolve_overdue=True)
        if value:
            return queryset.filter(overdue, state__in=OPEN_STATES)
        return queryset.exclude(overdue & Q(state__in=OPEN_STATES))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(state__in=OPEN_STATES)
            if value
            else queryset.exclude(state__in=OPEN_STATES)
        )

    def filter_department(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pk__in=Whistle.objects.filter(department=value).values("order_id"))

    def filter_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=_day_start(value)) if value else queryset

    def filter_to(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(submitted_at__lt=_day_start(clamp_day(value) + dt.timedelta(days=1)))
