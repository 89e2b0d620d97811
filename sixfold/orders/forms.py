"""Web forms of the work-order pages (S9, S24).

Forms parse what the browser sends; whether it makes sense (states, limits, who may act) is the
actions' business (`sixfold.orders.actions`), whose field errors go back onto these forms. Photos
are checked here already (size and real image type, by their first bytes) so a bad file is
refused before anything is filed, with the same messages the actions use.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sixfold.core.forms import StyledForm, style_fields

from . import actions
from .models import Category, Department, Urgency, Whistle

MAX_PHOTOS = 6
RATINGS = [(str(n), str(n)) for n in range(5, 0, -1)]


def photo_limit() -> int:
    return getattr(settings, "SIXFOLD_ORDER_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS images, each a JPEG, PNG or WebP within the size limit."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(count)s photos.") % {"count": MAX_PHOTOS}, code="too_many"
            )
        limit = photo_limit()
        for upload in files:
            if upload.size > limit:
                raise forms.ValidationError(
                    _("The photo is too large (at most %(mb)s MB).")
                    % {"mb": round(limit / 1048576, 1)},
                    code="too_large",
                )
            head = upload.read(16)
            upload.seek(0)
            if actions.sniff_image(head) is None:
                raise forms.ValidationError(_("Upload a JPEG, PNG or WebP image."), code="bad_type")
        return files


def category_choices():
    rows = Category.objects.filter(active=True).select_related("parent").order_by("sort", "id")
    roots = [row for row in rows if row.parent_id is None]
    children = {}
    for row in rows:
        if row.parent_id:
            children.setdefault(row.parent_id, []).append(row)
    choices = []
    for root in roots:
        choices.append((root.slug, root.name))
        for child in children.get(root.pk, []):
            choices.append((child.slug, child.name))
    return choices


class SubmitForm(StyledForm):
    category = forms.ChoiceField(label=_("What is it about?"), widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Describe the request"),
        max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    region = forms.ChoiceField(label=_("Where?"))
    address = forms.CharField(
        label=_("Address or spot"), max_length=actions.MAX_ADDRESS, required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[(Urgency.GENERAL, Urgency.GENERAL.label), (Urgency.URGENT, Urgency.URGENT.label)],
        initial=Urgency.GENERAL,
        widget=forms.RadioSelect,
    )
    photos = PhotosField(label=_("Photos"))
    public = forms.BooleanField(
        label=_("May be shown on the community's public board once done"),
        required=False,
        initial=True,
    )
    title = forms.CharField(label=_("Title"), max_length=actions.MAX_TITLE, required=False)

    def __init__(self, *args, places=(), proxy=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["region"].choices = list(places)
        self.fields["title"].help_text = _("Optional: the first words of the description.")
        if proxy:
            # Workers file for someone else (phone, walk-in, patrol, 12345).
            from .models import Channel

            self.fields["channel"] = forms.ChoiceField(
                label=_("channel"),
                choices=[c for c in Channel.choices if c[0] != Channel.OPEN311],
                initial=Channel.PHONE,
            )
            self.fields["urgency"].choices = Urgency.choices
            self.fields["requester_name"] = forms.CharField(
                label=_("requester's name"), max_length=50, required=False
            )
            self.fields["requester_phone"] = forms.CharField(
                label=_("requester's phone"), max_length=30, required=False
            )
            self.fields["anonymous"] = forms.BooleanField(label=_("anonymous"), required=False)
            style_fields(self)
        self.fields["category"].widget.attrs["class"] = ""


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label=_("reason"), max_length=actions.MAX_REASON, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalNoteForm(StyledForm):
    note = forms.CharField(
        label=_("note"),
        max_length=actions.MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EmptyForm(StyledForm):
    pass


class AcceptForm(OptionalNoteForm):
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices)


class CancelForm(StyledForm):
    reason = forms.CharField(
        label=_("reason"),
        max_length=actions.MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(StyledForm):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(label=_("Photos of the work done"))


class RateForm(StyledForm):
    rating = forms.ChoiceField(label=_("Your rating"), choices=RATINGS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("comment"),
        max_length=actions.MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PersonForm(StyledForm):
    """Dispatch (派单) or reassign (改派): to whom."""

    to = forms.TypedChoiceField(label=_("to whom"), coerce=int)
    note = forms.CharField(
        label=_("note"),
        max_length=actions.MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["to"].choices = [("", "—")] + [(person.pk, str(person)) for person in people]


class MergeForm(StyledForm):
    into = forms.CharField(
        label=_("number of the order that stays"),
        max_length=20,
        help_text=_("The suggested duplicates are listed above."),
    )
    note = forms.CharField(
        label=_("note"),
        max_length=actions.MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SupervisorNoteForm(StyledForm):
    text = forms.CharField(
        label=_("supervisor note"),
        max_length=actions.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WhistleForm(StyledForm):
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.filter(active=True), to_field_name="slug"
    )
    kind = forms.ChoiceField(label=_("kind"), choices=Whistle.Kind.choices)
    reason = forms.CharField(
        label=_("reason"), max_length=actions.MAX_REASON, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResultForm(StyledForm):
    result = forms.CharField(
        label=_("What the department did"),
        max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DepartmentRateForm(RateForm):
    pass


class PhotoForm(StyledForm):
    photos = PhotosField(label=_("Photos"))
