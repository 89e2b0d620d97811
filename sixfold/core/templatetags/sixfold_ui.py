"""Template helpers for the site's pages: readable audit history and small formatting filters."""

import datetime as dt

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core.models import AuditEvent, Level, Region
from sixfold.core.models.base import unwrap_tags
from sixfold.core.models.region import CODE_LENGTH

register = template.Library()

EMPTY = "—"
# Keys whose values are row ids: the code that moves with them already tells the story.
SKIPPED_KEYS = {"id", "region", "unit", "building", "household", "parent"}


def _model(object_type: str):
    try:
        return apps.get_model(object_type) if object_type else None
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    # Building and household events carry their node's `name`, which lives on Region.
    for candidate in (model, Region):
        if candidate is None:
            continue
        try:
            return candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _display(model, field, name: str, value) -> str:
    if value is None or value == "":
        return EMPTY
    if name == "tags" and model is not None and hasattr(model, "Tag"):
        labels = dict(model.Tag.choices)
        return "、".join(str(labels.get(t, t)) for t in unwrap_tags(value)) or EMPTY
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        # Stored as UTC ISO text in the event; shown as local (Asia/Shanghai) time.
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


@register.simple_tag
def event_changes(event: AuditEvent) -> list[dict]:
    """Each changed field of an event as its verbose name with the value before and after."""
    model = _model(event.object_type)
    if event.verb == AuditEvent.Verb.CHANGE:
        items = event.changed_fields()
    elif event.verb == AuditEvent.Verb.CREATE:
        items = [(k, None, v) for k, v in (event.after or {}).items() if v not in (None, "")]
    elif event.verb == AuditEvent.Verb.DELETE:
        items = [(k, v, None) for k, v in (event.before or {}).items() if v not in (None, "")]
    else:
        items = []
    rows = []
    for name, before, after in items:
        if name in SKIPPED_KEYS:
            continue
        field = _field(model, name)
        if isinstance(field, models.ForeignObjectRel | models.ForeignKey | models.OneToOneField):
            continue
        rows.append(
            {
                "name": name,
                "label": field.verbose_name if field is not None else name,
                "before": _display(model, field, name, before),
                "after": _display(model, field, name, after),
            }
        )
    return rows


@register.filter
def minutes(value) -> int:
    """A timedelta in whole minutes (the lock-out page's cool-off time)."""
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds() // 60)
    return value


@register.filter
def holds(user, perm: str) -> bool:
    """Whether the user holds `perm` anywhere (for menu entries such as the audit log)."""
    return bool(getattr(user, "is_authenticated", False) and user.holds_perm(perm))


OBJECT_PAGES = {
    "core.building": "core:building_detail",
    "core.unit": "core:unit_detail",
    "core.household": "core:household_detail",
    "core.resident": "core:resident_detail",
}


@register.simple_tag
def event_url(event: AuditEvent) -> str:
    """The page of the event's object, or "" when it has none (deleted objects 404 there)."""
    if event.verb == AuditEvent.Verb.DELETE or not event.object_id:
        return ""
    if event.object_type == "core.region" and event.scope_code:
        return reverse("core:region_detail", args=[event.scope_code])
    name = OBJECT_PAGES.get(event.object_type)
    if name and event.object_id.isdigit():
        return reverse(name, args=[int(event.object_id)])
    return ""


@register.simple_tag
def object_url(obj) -> str:
    """The page of a region node or register row."""
    label = obj._meta.label_lower
    if label == "core.region":
        return reverse("core:region_detail", args=[obj.code])
    name = OBJECT_PAGES.get(label)
    return reverse(name, args=[obj.pk]) if name else ""


@register.filter
def reaches(user, level: str) -> bool:
    """Whether the user's scope holds nodes of `level` (a resident's household holds no building)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    length = CODE_LENGTH[Level(level)]
    return any(len(prefix) < length for prefix in user.scope_prefixes("registry.view"))
