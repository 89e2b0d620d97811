"""Web forms of the party pages. They parse what the browser sends; the action functions in
`sixfold.party.actions` decide whether it makes sense and their errors go back on the form."""

from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.forms import DateInput, StyledForm
from sixfold.core.models import Resident

from .models import KINDS_BY_LEVEL, ChainLevel, OrgKind, PartyMember, PartyOrganization, PartyPost


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartyOrganization) -> str:
        return obj.name


class MemberChoiceField(forms.ModelChoiceField):
    """A member labelled with their organisation and, where counted, their households."""

    def label_from_instance(self, obj: PartyMember) -> str:
        label = f"{obj.display_name} · {obj.organization.name}"
        households = getattr(obj, "household_count", None)
        if households is not None:
            label += " · " + str(_("%(count)s households") % {"count": households})
        return label


class MembersChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = MemberChoiceField.label_from_instance

    def _check_values(self, value):
        # Ids longer than the key column would overflow the database driver: not a choice.
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def member_choices(queryset):
    """Active members for a picker, with how many households each already contacts."""
    return (
        queryset.active()
        .select_related("resident", "organization")
        .annotate(household_count=Count("links", filter=Q(links__level=ChainLevel.HOUSEHOLD)))
        .order_by("code", "resident__name", "name", "id")
    )


# --- organisations -------------------------------------------------------------------------------
class OrganizationForm(StyledForm):
    kind = forms.ChoiceField(label=_("kind"))
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for the usual name (凤城社区党委, …第一网格党支部)."),
    )
    founded_on = forms.DateField(label=_("founded on"), required=False, widget=DateInput())
    term_start = forms.DateField(label=_("term starts"), required=False, widget=DateInput())
    term_end = forms.DateField(label=_("term ends"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, level: str, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = KINDS_BY_LEVEL.get(level, ())
        self.fields["kind"].choices = [(k, OrgKind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["kind"].initial = kinds[0]

    @classmethod
    def initial_for(cls, org: PartyOrganization) -> dict:
        return {
            "kind": org.kind,
            "name": org.name,
            "founded_on": org.founded_on,
            "term_start": org.term_start,
            "term_end": org.term_end,
            "note": org.note,
        }


class PartyPostForm(StyledForm):
    member = MemberChoiceField(label=_("party member"), queryset=PartyMember.objects.none())
    post = forms.ChoiceField(label=_("post"))
    since = forms.DateField(label=_("since"), required=False, widget=DateInput())

    def __init__(self, *args, members, posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["post"].choices = [(p, PartyPost.Post(p).label) for p in posts]


# --- members -------------------------------------------------------------------------------------
class MemberFieldsForm(StyledForm):
    group = OrganizationChoiceField(
        label=_("party group"), queryset=PartyOrganization.objects.none(), required=False
    )
    standing = forms.ChoiceField(
        label=_("standing"), choices=PartyMember.Standing.choices, initial="full"
    )
    joined_on = forms.DateField(label=_("joined the party on"), widget=DateInput())
    full_on = forms.DateField(label=_("full membership on"), required=False, widget=DateInput())
    in_service = forms.BooleanField(label=_("in-service member"), required=False)
    employer = forms.CharField(label=_("employer"), max_length=100, required=False)
    elderly = forms.BooleanField(label=_("elderly member"), required=False)
    in_difficulty = forms.BooleanField(label=_("member in difficulty"), required=False)
    mobile = forms.BooleanField(label=_("mobile member"), required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberCreateForm(MemberFieldsForm):
    organization = OrganizationChoiceField(
        label=_("party organisation"), queryset=PartyOrganization.objects.none()
    )
    resident = forms.ModelChoiceField(
        label=_("resident"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.HiddenInput(),
    )
    name = forms.CharField(
        label=pgettext_lazy("person", "name"),
        max_length=50,
        required=False,
        help_text=_("Only for a member who is not in the street's register."),
    )
    gender = forms.ChoiceField(
        label=_("gender"), choices=[("", "—"), *Resident.Gender.choices], required=False
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    transferred_from = forms.CharField(
        label=_("transferred in from"),
        max_length=100,
        required=False,
        help_text=_("The organisation the membership relationship comes from, if any."),
    )

    field_order = ["organization", "resident", "name", "gender", "phone"]

    def __init__(self, *args, organizations, groups, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["group"].queryset = groups
        self.fields["resident"].queryset = residents

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("resident") is not None:
            for field in ("name", "gender", "phone"):
                data.pop(field, None)
        return data


class MemberEditForm(MemberFieldsForm):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50, required=False)
    gender = forms.ChoiceField(
        label=_("gender"), choices=[("", "—"), *Resident.Gender.choices], required=False
    )
    phone = forms.CharField(
        label=_("phone"),
        max_length=30,
        required=False,
        help_text=_("Leave empty to keep the stored number."),
    )

    field_order = ["name", "gender", "phone"]

    def __init__(self, *args, member: PartyMember, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        if member.resident_id:
            # A resident's name, gender and phone are kept in the register.
            for field in ("name", "gender", "phone"):
                del self.fields[field]

    @classmethod
    def initial_for(cls, member: PartyMember) -> dict:
        fields = (
            "name",
            "gender",
            "group",
            "standing",
            "joined_on",
            "full_on",
            "in_service",
            "employer",
            "elderly",
            "in_difficulty",
            "mobile",
            "note",
        )
        return {field: getattr(member, field) for field in fields}


class TransferForm(StyledForm):
    to_organization = OrganizationChoiceField(
        label=_("to an organisation in the street"),
        queryset=PartyOrganization.objects.none(),
        required=False,
    )
    to_name = forms.CharField(
        label=_("or to an organisation elsewhere"),
        max_length=100,
        required=False,
        help_text=_("Name it when the member leaves the street."),
    )
    on = forms.DateField(label=_("date"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = organizations


class MemberLoginForm(StyledForm):
    username = forms.CharField(label=_("username"), max_length=150)
    password = forms.CharField(
        label=_("password"), max_length=128, widget=forms.PasswordInput(render_value=False)
    )


# --- the chain -----------------------------------------------------------------------------------
class AssignForm(StyledForm):
    member = MemberChoiceField(label=_("responsible member"), queryset=PartyMember.objects.none())
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput())
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput())
    next = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class UnassignForm(forms.Form):
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput())


class BulkAssignForm(StyledForm):
    level = forms.ChoiceField(label=_("level to fill"))
    members = MembersChoiceField(
        label=_("members to share them among"),
        queryset=PartyMember.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, members, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.fields["level"].choices = [(lv, ChainLevel(lv).label) for lv in levels]


# --- grid posts ------------------------------------------------------------------------------------
class GridPostForm(StyledForm):
    kind = forms.IntegerField(widget=forms.HiddenInput())
    member = MemberChoiceField(
        label=_("a party member"), queryset=PartyMember.objects.none(), required=False
    )
    resident = forms.ModelChoiceField(
        label=_("resident"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.HiddenInput(),
    )
    name = forms.CharField(
        label=_("or the name of someone from outside"), max_length=50, required=False
    )
    since = forms.DateField(label=_("since"), required=False, widget=DateInput())

    def __init__(self, *args, members, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["resident"].queryset = residents


class PostKindForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=50)
    required = forms.BooleanField(label=_("required in every grid"), required=False)
    active = forms.BooleanField(label=_("in use"), required=False, initial=True)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, initial=100)
