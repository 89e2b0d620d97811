"""Web forms of the check-up pages. They parse what the browser sends; the actions in
`sixfold.party.checkup.actions` decide whether it makes sense, and their errors go back on the
form field by field."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.forms import DateInput, RegionChoiceField, StyledForm

from .models import Category, CheckupCycle, Grade


class RulesForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    weight_self = forms.IntegerField(label=_("weight of the self-assessment (%)"), initial=10)
    weight_peer = forms.IntegerField(label=_("weight of the peer assessment (%)"), initial=30)
    weight_resident = forms.IntegerField(
        label=_("weight of the resident assessment (%)"), initial=30
    )
    weight_organization = forms.IntegerField(
        label=_("weight of the organisation assessment (%)"),
        initial=30,
        help_text=_("The four weights add up to 100."),
    )
    healthy_from = forms.DecimalField(
        label=_("healthy from (score)"), initial=85, max_digits=5, decimal_places=2
    )
    subhealthy_from = forms.DecimalField(
        label=_("sub-healthy from (score)"),
        initial=70,
        max_digits=5,
        decimal_places=2,
        help_text=_("Below this score the grade is unhealthy."),
    )
    min_residents = forms.IntegerField(
        label=_("residents to hear per branch (at least)"), initial=5
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @staticmethod
    def initial_for(cycle: CheckupCycle) -> dict:
        return {
            field: getattr(cycle, field)
            for field in (
                "name",
                "weight_self",
                "weight_peer",
                "weight_resident",
                "weight_organization",
                "healthy_from",
                "subhealthy_from",
                "min_residents",
                "note",
            )
        }


class CycleCreateForm(RulesForm):
    region = RegionChoiceField(label=_("area"), queryset=None)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    copy_from = forms.ModelChoiceField(
        label=_("copy the indicators of"),
        queryset=None,
        required=False,
        empty_label=_("the default indicator sets"),
    )
    field_order = ["region", "year", "name", "copy_from"]

    def __init__(self, *args, regions, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["copy_from"].queryset = cycles
        self.order_fields(self.field_order)


class IndicatorForm(StyledForm):
    category = forms.ChoiceField(label=_("indicator set"), choices=Category.choices)
    name = forms.CharField(label=_("name"), max_length=100)
    description = forms.CharField(label=_("what is assessed"), max_length=300, required=False)
    weight = forms.IntegerField(label=_("weight"), initial=10)
    max_score = forms.IntegerField(label=_("maximum score"), initial=10)
    order = forms.IntegerField(label=_("order"), initial=0, required=False)


class AssessmentForm(StyledForm):
    """One score field per indicator that applies to the member, and a comment."""

    comment = forms.CharField(
        label=pgettext_lazy("assessment", "comment"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for indicator in indicators:
            fields[f"score_{indicator.pk}"] = forms.IntegerField(
                label=f"{indicator.name}（0–{indicator.max_score}）",
                help_text=indicator.description,
                min_value=0,
                max_value=indicator.max_score,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
            )
        self.fields = {**fields, **self.fields}

    def scores(self) -> dict[str, int]:
        return {
            name.removeprefix("score_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("score_")
        }


class RectificationForm(StyledForm):
    problem = forms.CharField(label=_("problem found"), max_length=300)
    measure = forms.CharField(label=_("measure"), max_length=300, required=False)
    owner = forms.CharField(
        label=_("responsible"),
        max_length=50,
        required=False,
        help_text=_("The member herself when left blank."),
    )
    due_on = forms.DateField(label=_("due on"), widget=DateInput())


class CompleteForm(StyledForm):
    outcome = forms.CharField(label=_("outcome"), max_length=300, required=False)
    on = forms.DateField(label=_("done on"), required=False, widget=DateInput())


class RecheckForm(StyledForm):
    grade = forms.ChoiceField(label=_("grade"), choices=Grade.choices)
    on = forms.DateField(label=_("date"), required=False, widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=500, required=False)
