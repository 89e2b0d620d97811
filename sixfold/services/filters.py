"""FilterSets shared by the service pages and the services API (one definition of each)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .models import Notice, PointKind, ServicePoint, ServiceStaff, ServiceType, Venue


def _within(queryset, name, value):
    return queryset.within(value.strip()) if value and value.strip() else queryset


class PointFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    kind = django_filters.ChoiceFilter(choices=PointKind.choices, label=_("kind"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = ServicePoint
        fields = ["region", "kind", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        # Exists, not a join: the list counts each point's staff, which a join would multiply.
        staffed = ServiceStaff.objects.filter(point=OuterRef("pk"), name__contains=value)
        return queryset.filter(
            Q(name__contains=value) | Q(address__contains=value) | Q(Exists(staffed))
        )


class VenueFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    kind = django_filters.ChoiceFilter(choices=Venue.Kind.choices, label=_("kind"))
    service_type = django_filters.ModelChoiceFilter(
        field_name="service_types",
        queryset=ServiceType.objects.all(),
        label=_("service"),
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = Venue
        fields = ["region", "kind", "service_type", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(address__contains=value))


class NoticeFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method=_within, label=_("region code"))
    published = django_filters.BooleanFilter(label=_("published"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = Notice
        fields = ["region", "published", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__contains=value) | Q(body__contains=value))
