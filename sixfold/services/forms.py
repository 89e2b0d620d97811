"""Web forms of the service network, venues, notices and service types.

The forms parse what the browser sends; whether it makes sense (levels, lengths, phones, dates)
is decided by the actions in `services.actions`, whose field errors `apply_errors` puts back on
the form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.forms import DateInput, StyledForm

from .models import ServiceType, Venue


class RegionCodeForm(StyledForm):
    """The node a new row belongs to, by code (prefilled from the gap list's link)."""

    region = forms.CharField(
        label=_("region code"),
        max_length=40,
        help_text=_("The code of the node, e.g. 370116001001-G01 (see the region tree)."),
    )


class PointForm(StyledForm):
    name = forms.CharField(
        label=pgettext_lazy("place", "name"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for the usual name (…社区服务站)."),
    )
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    opening_hours = forms.CharField(
        label=_("opening hours"),
        max_length=100,
        required=False,
        help_text=_("e.g. 周一至周五 8:30–17:30"),
    )
    service_phone = forms.CharField(label=_("service phone"), max_length=30, required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, point) -> dict:
        return {name: getattr(point, name) for name in cls.base_fields}


class PointCreateForm(RegionCodeForm, PointForm):
    pass


class StaffForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    role = forms.CharField(
        label=_("role"), max_length=50, required=False, help_text=_("e.g. 站长, 网格员, 楼长")
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)


class ServiceTypeForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("service", "name"), max_length=50)
    order_category = forms.CharField(
        label=_("work-order category code"),
        max_length=40,
        required=False,
        help_text=_("The category a request for this service is filed under; empty: none."),
    )
    description = forms.CharField(label=_("description"), max_length=200, required=False)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=32767, initial=0)
    active = forms.BooleanField(label=_("in use"), required=False, initial=True)

    @classmethod
    def initial_for(cls, service_type) -> dict:
        return {name: getattr(service_type, name) for name in cls.base_fields}


class VenueForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("place", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Venue.Kind.choices)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    opening_hours = forms.CharField(label=_("opening hours"), max_length=100, required=False)
    service_phone = forms.CharField(label=_("service phone"), max_length=30, required=False)
    service_types = forms.ModelMultipleChoiceField(
        label=_("services offered"),
        queryset=ServiceType.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label=_("open"), required=False, initial=True)

    @classmethod
    def initial_for(cls, venue) -> dict:
        data = {name: getattr(venue, name) for name in cls.base_fields if name != "service_types"}
        data["service_types"] = list(venue.service_types.all())
        return data


class VenueCreateForm(RegionCodeForm, VenueForm):
    pass


class NoticeForm(StyledForm):
    title = forms.CharField(label=_("title"), max_length=100)
    body = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 6}))
    pinned = forms.BooleanField(label=_("pinned"), required=False)
    expires_on = forms.DateField(
        label=_("expires on"),
        required=False,
        widget=DateInput(),
        help_text=_("The notice leaves the e-page after this day; empty: it stays."),
    )

    @classmethod
    def initial_for(cls, notice) -> dict:
        return {name: getattr(notice, name) for name in cls.base_fields}


class NoticeCreateForm(RegionCodeForm, NoticeForm):
    publish = forms.BooleanField(label=_("publish at once"), required=False)
