"""Web forms for the region tree and the registers (台账).

The forms only parse what the browser sends into Python values. Whether the values make sense
together (ID number against birth date and gender, duplicates, room numbers …) is decided by
the action functions in `core.actions`, which raise `ValidationError` with field messages;
`apply_errors` puts those messages back on the form so the page shows them next to the fields.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Building, Household, Level, Region, Resident
from .models.audit import AuditEvent
from .models.resident import ETHNICITIES, manual_tag_choices

CHECKABLE = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


def style_fields(form: forms.BaseForm) -> None:
    """Give every widget the Bootstrap class its kind needs (one place instead of per field)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, CHECKABLE):
            widget.attrs["class"] = "form-check-input"
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def apply_errors(form: forms.BaseForm, exc: ValidationError, aliases: dict | None = None) -> None:
    """Attach an action's field errors to the form; errors on fields it lacks go on top.

    `aliases` renames an action's field to the form's (a household's node `number` is its room).
    """
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegionChoiceField(forms.ModelChoiceField):
    """A region picked by its code, labelled with its parent so two "第1网格" can be told apart."""

    def label_from_instance(self, obj: Region) -> str:
        if obj.parent_id and obj.parent:
            return f"{obj.parent.name} · {obj.name}"
        return obj.name


# --- region tree ---------------------------------------------------------------------------------
class RegionForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200, required=False)


class RegionCreateForm(StyledForm):
    level = forms.ChoiceField(label=_("level"))
    name = forms.CharField(label=_("name"), max_length=100)
    number = forms.IntegerField(
        label=_("number"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("Leave empty to take the next free number."),
    )

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(level, Level(level).label) for level in levels]
        if len(levels) == 1:
            self.fields["level"].initial = levels[0]


# --- buildings and units -----------------------------------------------------------------------------
class BuildingForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("For example 12号楼."))
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    compound = forms.CharField(label=_("compound"), max_length=100, required=False)
    floors = forms.IntegerField(label=_("floors"), required=False, min_value=1, max_value=200)
    structure = forms.ChoiceField(
        label=_("structure"), choices=Building.Structure.choices, initial="mid_rise"
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, building: Building) -> dict:
        return {
            "name": building.region.name,
            "address": building.region.address,
            "compound": building.compound,
            "floors": building.floors,
            "structure": building.structure,
            "note": building.note,
        }


class BuildingCreateForm(BuildingForm):
    grid = RegionChoiceField(label=_("grid"), queryset=Region.objects.none())
    number = forms.IntegerField(
        label=_("building number"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("Leave empty to take the next free number."),
    )
    field_order = ["grid", "name", "number"]

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class UnitForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("For example 2单元."))
    floors = forms.IntegerField(label=_("floors"), required=False, min_value=1, max_value=200)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, unit) -> dict:
        return {"name": unit.region.name, "floors": unit.floors, "note": unit.note}


class UnitCreateForm(UnitForm):
    number = forms.IntegerField(
        label=_("unit number"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("Leave empty to take the next free number."),
    )
    field_order = ["name", "number"]


# --- households -------------------------------------------------------------------------------------
class HouseholdForm(StyledForm):
    address = forms.CharField(label=_("address"), max_length=200)
    housing = forms.ChoiceField(
        label=_("housing"), choices=Household.Housing.choices, initial="owned"
    )
    area = forms.DecimalField(
        label=_("floor area (m²)"),
        required=False,
        min_value=0,
        max_value=99999,
        max_digits=7,
        decimal_places=2,
    )
    tags = forms.MultipleChoiceField(
        label=_("tags"),
        choices=Household.Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, household: Household) -> dict:
        return {
            "address": household.address,
            "housing": household.housing,
            "area": household.area,
            "tags": household.tag_list,
            "note": household.note,
        }


class HouseholdCreateForm(HouseholdForm):
    room = forms.CharField(
        label=_("room"), max_length=10, help_text=_("Up to four digits, such as 301.")
    )
    field_order = ["room", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].required = False
        self.fields["address"].help_text = _("Leave empty to use the unit's address and room.")

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("address"):
            # No address given: the action builds one from the unit and the room.
            data.pop("address", None)
        return data


# --- residents ---------------------------------------------------------------------------------------
class ResidentForm(StyledForm):
    """A resident's fields. On edit the ID number and phone start empty: the stored plaintext is
    shown only through a logged reveal, so an empty field means "keep what is stored"."""

    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    gender = forms.ChoiceField(
        label=_("gender"), choices=Resident.Gender.choices, widget=forms.RadioSelect
    )
    birth_date = forms.DateField(label=_("birth date"), widget=DateInput())
    id_number = forms.CharField(label=_("ID number"), max_length=22)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    relation = forms.ChoiceField(
        label=_("relation to householder"), choices=Resident.Relation.choices
    )
    ethnicity = forms.ChoiceField(
        label=_("ethnicity"), choices=[(e, e) for e in ETHNICITIES], initial="汉族"
    )
    status = forms.ChoiceField(
        label=_("residence status"), choices=Resident.Status.choices, initial="registered"
    )
    tags = forms.MultipleChoiceField(
        label=_("tags"),
        choices=manual_tag_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("“60+ elderly” follows from the birth date."),
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, instance: Resident | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_for(instance))
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text")
        self.fields["phone"].widget.attrs.update(autocomplete="off", inputmode="tel")
        if instance is not None:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it."
            ) % {"masked": instance.id_number_masked or "—"}
            self.fields["phone"].help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {
                "masked": instance.phone_masked or "—"
            }
            self.fields["clear_phone"] = forms.BooleanField(
                label=_("Remove the stored phone number"), required=False
            )
            order = list(self.fields)
            order.remove("clear_phone")
            order.insert(order.index("phone") + 1, "clear_phone")
            self.order_fields(order)

    @staticmethod
    def initial_for(resident: Resident) -> dict:
        return {
            "name": resident.name,
            "gender": resident.gender,
            "birth_date": resident.birth_date,
            "relation": resident.relation,
            "ethnicity": resident.ethnicity,
            "status": resident.status,
            "tags": [t for t in resident.tag_list if t != Resident.Tag.ELDERLY],
            "note": resident.note,
        }

    def action_data(self) -> dict:
        """The cleaned values in the shape `create_resident` / `change_resident` expect."""
        data = {
            key: self.cleaned_data[key]
            for key in (
                "name",
                "gender",
                "birth_date",
                "relation",
                "ethnicity",
                "status",
                "tags",
                "note",
            )
        }
        if self.cleaned_data.get("id_number"):
            data["id_number"] = self.cleaned_data["id_number"]
        if self.cleaned_data.get("clear_phone"):
            data["phone"] = ""
        elif self.cleaned_data.get("phone") or self.instance is None:
            data["phone"] = self.cleaned_data.get("phone", "")
        return data


class RevealForm(StyledForm):
    purpose = forms.CharField(
        label=_("purpose"),
        max_length=200,
        help_text=_("Why you need the full ID number and phone. It is written to the audit log."),
    )


# --- audit log ---------------------------------------------------------------------------------------
class AuditSearchForm(StyledForm):
    actor = forms.CharField(label=_("actor"), required=False, max_length=150)
    verb = forms.ChoiceField(
        label=_("action"), required=False, choices=[("", "—"), *AuditEvent.Verb.choices]
    )
    object_type = forms.ChoiceField(label=_("object type"), required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    region = forms.CharField(label=_("region code"), required=False, max_length=40)
    request_id = forms.CharField(label=_("request id"), required=False, max_length=36)

    def __init__(self, *args, object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "—"), *object_types]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
