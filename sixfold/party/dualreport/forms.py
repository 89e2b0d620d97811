"""Web forms of the dual-reporting pages. They parse what the browser sends; the actions in
`sixfold.party.dualreport.actions` decide whether it makes sense, and their errors go back on
the form field by field."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.forms import DateInput, RegionChoiceField, StyledForm

from .actions import MAX_CAPACITY
from .models import QuarterlyAssessment, ServiceCategory


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} · {obj.organization.name}"


class CategoriesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


def active_categories():
    return ServiceCategory.objects.filter(active=True).order_by("order", "id")


class RegistrationForm(StyledForm):
    """A member's report to the community; staff also choose the member."""

    member = MemberChoiceField(label=_("party member"), queryset=None)
    community = RegionChoiceField(
        label=_("residence community"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for the community the member lives in."),
    )
    employer = forms.CharField(label=_("employer"), max_length=100, required=False)
    employer_party_org = forms.CharField(
        label=_("employer's party organisation"), max_length=100, required=False
    )
    unit = forms.ModelChoiceField(label=_("registered unit"), queryset=None, required=False)
    phone = forms.CharField(
        label=_("phone"),
        max_length=30,
        required=False,
        help_text=_("Leave empty to keep the stored number."),
    )
    skills = forms.CharField(
        label=_("skills"), max_length=200, required=False, help_text=_("For example 法律, 医护.")
    )
    categories = CategoriesField(label=_("preferred posts"), queryset=None, required=False)
    registered_on = forms.DateField(label=_("registered on"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members=None, units=None, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = members
        if communities is None:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units
        self.fields["categories"].queryset = active_categories()
        self.fields["categories"].widget.attrs.pop("class", None)
        self.fields["categories"].widget.attrs["class"] = "form-check-input"


class UnitForm(StyledForm):
    community = RegionChoiceField(label=_("community"), queryset=None)
    name = forms.CharField(label=_("party organisation"), max_length=100)
    unit = forms.CharField(label=_("employer"), max_length=100)
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    registered_on = forms.DateField(label=_("registered on"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is None:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities


class PostForm(StyledForm):
    community = RegionChoiceField(label=_("community"), queryset=None)
    category = forms.ModelChoiceField(label=_("category"), queryset=None)
    title = forms.CharField(label=_("title"), max_length=100)
    description = forms.CharField(
        label=pgettext_lazy("dualreport", "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    schedule = forms.CharField(
        label=_("schedule"),
        max_length=100,
        required=False,
        help_text=_("For example 每周六上午 9:00–11:00."),
    )
    starts_on = forms.DateField(label=_("starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("ends on"), required=False, widget=DateInput())
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=MAX_CAPACITY)

    def __init__(self, *args, communities=None, current_category=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is None:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
        categories = ServiceCategory.objects.filter(active=True)
        if current_category is not None:
            categories = ServiceCategory.objects.filter(
                active=True
            ) | ServiceCategory.objects.filter(pk=current_category.pk)
        self.fields["category"].queryset = categories.order_by("order", "id")


class RecordForm(StyledForm):
    served_on = forms.DateField(label=_("date served"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("hours"), min_value=0.5, max_value=24, decimal_places=1, max_digits=4
    )
    post = forms.ModelChoiceField(label=_("Post"), queryset=None, required=False)
    description = forms.CharField(
        label=pgettext_lazy("dualreport", "what was done"), max_length=200
    )

    def __init__(self, *args, posts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = posts


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("reason"), max_length=200)


class AssessmentForm(StyledForm):
    grade = forms.ChoiceField(label=_("assessment"), choices=QuarterlyAssessment.Grade.choices)
    comment = forms.CharField(
        label=pgettext_lazy("dualreport", "comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
