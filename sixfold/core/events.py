"""Writing audit events. Action functions call these inside their transaction."""

import datetime as dt
import decimal

from django.db import models

from .middleware import current_client_ip, current_request_id
from .models import AuditEvent

# Columns that hold ciphertext or keyed hashes never enter the log; their masks do.
HIDDEN_SUFFIXES = ("_enc", "_hash")


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model) -> dict:
    """The audited state of a model instance: its concrete fields, personal data masked."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name.endswith(HIDDEN_SUFFIXES) or field.name in ("created_at", "updated_at"):
            continue
        data[field.name] = _plain(getattr(obj, field.attname))
    return data


def record(
    verb: str,
    *,
    by=None,
    obj: models.Model | None = None,
    scope_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
    purpose: str = "",
    object_repr: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    if verb not in AuditEvent.Verb.values:
        # The log's verbs are a fixed list (PostgreSQL would also refuse a long one).
        raise ValueError(f"unknown audit verb {verb!r}; use AuditEvent.Verb")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        scope_code = scope_code or getattr(obj, getattr(obj, "scope_field", "code"), "") or ""
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        verb=verb,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        scope_code=scope_code,
        before=before,
        after=after,
        purpose=purpose[:200],
        request_id=current_request_id(),
        ip_address=current_client_ip(),
    )
