"""The one call engines use to credit (or debit) the points ledger, and the few around it.

    from sixfold.points import ledger

    ledger.credit(
        person,                       # any model instance (or a User, see resolvers below)
        points=5,                     # negative to debit
        source=ledger.Source.ORDER,   # order / activity / dual_report / evaluation / manual
        kind="order.resolved",        # the finer code star rules match on
        on=order.closed_at.date(),    # the day that counts for rating periods (default: today)
        ref=f"orders.order:{order.pk}",
        ref_url=f"/orders/{order.pk}/",
        reason="解决工单 #123",
        key=f"order:{order.pk}:resolved",   # idempotency: a second call returns the first entry
        by=user,                      # who caused it (None for system jobs)
    )

It runs inside the caller's transaction (call it from an action function), returns the entry,
or None when the person has no ledger (a resolver found no subject) — engines need not care
whether the person is a party member, a volunteer or neither.

Subjects. An engine knows users; a pillar knows its people. Pillars register *resolvers* in
their `AppConfig.ready()` that turn what an engine passes (typically a `User`) into the subject
they keep points for (the party pillar maps a member's login to her `PartyMember`). A model
instance that no resolver claims is its own subject. Resolvers return None to decline.

Codes in use (`kind`): order.resolved, order.on_time, order.good_rating, order.bad_rating,
order.rework; dual_report.service; activity.attended, activity.hours; evaluation.democratic;
manual.adjustment. Star rules may match a whole source or any of these kinds.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events
from sixfold.core.models import AuditEvent

from .models import LedgerEntry, Source

__all__ = [
    "Source",
    "adjust",
    "balance",
    "credit",
    "entries_of",
    "register_preparer",
    "register_resolver",
    "resolve_subject",
    "resolve_subjects",
    "reverse",
    "subject_key",
]

VIEW = "points.view"
ADJUST = "points.adjust"
APPROVE = "points.approve"
MAX_POINTS = Decimal("10000")

_RESOLVERS: list[Callable[[models.Model], models.Model | None]] = []
# model label → functions that load, in a fixed number of queries, what the resolvers will read
# for a list of such instances (the party pillar prefetches users' member records).
_PREPARERS: dict[str, list[Callable[[list], None]]] = {}


def register_resolver(resolver: Callable[[models.Model], models.Model | None]) -> None:
    """Add a function mapping what engines pass to the subject the ledger keeps (or None)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def resolve_subject(person: models.Model) -> models.Model | None:
    """The ledger subject for `person`: a resolver's answer, else the instance itself unless it
    is a login (a user nobody claims has no ledger)."""
    for resolver in _RESOLVERS:
        subject = resolver(person)
        if subject is not None:
            return subject
    if person._meta.label_lower == "accounts.user":
        return None
    return person


def register_preparer(label: str, preparer: Callable[[list], None]) -> None:
    """Add a function that readies many instances of model `label` for the resolvers at once."""
    preparers = _PREPARERS.setdefault(label, [])
    if preparer not in preparers:
        preparers.append(preparer)


def resolve_subjects(people: list[models.Model]) -> list[models.Model | None]:
    """`resolve_subject` for many people, in order, without a query per person."""
    by_label: dict[str, list] = {}
    for person in people:
        by_label.setdefault(person._meta.label_lower, []).append(person)
    for label, instances in by_label.items():
        for preparer in _PREPARERS.get(label, []):
            preparer(instances)
    return [resolve_subject(person) for person in people]


def subject_key(subject: models.Model) -> tuple[str, int]:
    return subject._meta.label_lower, subject.pk


def _subject_code(subject: models.Model) -> str:
    field = getattr(subject, "scope_field", "code")
    return getattr(subject, field, "") or ""


def _points(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {"points": [_("Enter a number of points.")]}, code="invalid"
        ) from None
    if not amount.is_finite() or amount == 0 or abs(amount) > MAX_POINTS:
        raise ValidationError(
            {"points": [_("Points must be non-zero and at most 10,000 either way.")]},
            code="out_of_range",
        )
    return amount


def credit(
    person: models.Model,
    *,
    points,
    source: str,
    kind: str,
    on: dt.date | None = None,
    ref: str = "",
    ref_url: str = "",
    reason: str = "",
    key: str = "",
    by=None,
    approved_by=None,
) -> LedgerEntry | None:
    """Append one entry for `person` (see the module docstring); idempotent on `key`."""
    subject = resolve_subject(person)
    if subject is None:
        return None
    if source not in Source.values:
        raise ValueError(f"unknown ledger source {source!r}")
    amount = _points(points)
    if key:
        existing = LedgerEntry.objects.filter(key=key).first()
        if existing is not None:
            return existing
    subject_type, subject_id = subject_key(subject)
    entry = LedgerEntry(
        code=_subject_code(subject),
        subject_type=subject_type,
        subject_id=subject_id,
        subject_name=str(subject)[:100],
        source=source,
        kind=kind[:64],
        points=amount,
        occurred_on=on or timezone.localdate(),
        reason=reason[:200],
        ref=ref[:100],
        ref_url=ref_url[:200],
        key=key[:120],
        approved_by=approved_by,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    try:
        # A savepoint, so a concurrent duplicate key leaves the caller's transaction usable.
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        if key:
            existing = LedgerEntry.objects.filter(key=key).first()
            if existing is not None:
                return existing
        raise
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=entry,
        after={"points": str(amount), "kind": entry.kind, "subject": entry.subject_name},
    )
    return entry


def reverse(entry: LedgerEntry, *, by=None, reason: str = "", key: str = "") -> LedgerEntry:
    """Cancel `entry` with an entry of the opposite amount (the only way to correct the ledger).

    A person (`by` not None) needs `points.adjust` over the entry's region and a reason; engines
    reverse their own entries with `by=None` (e.g. an order reopened after it was credited)."""
    if by is not None:
        if not getattr(by, "is_authenticated", False) or not by.has_scoped_perm(ADJUST, entry.code):
            raise PermissionDenied(_("You do not have permission to do this here."))
        if not reason.strip():
            raise ValidationError(
                {"reason": [_("Give the reason for the reversal.")]}, code="required"
            )
    with transaction.atomic():
        locked = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.reverses_id is not None:
            raise ValidationError(_("A reversal cannot itself be reversed."), code="is_reversal")
        if LedgerEntry.objects.filter(reverses=locked).exists():
            raise ValidationError(_("This entry has already been reversed."), code="reversed")
        reversal = LedgerEntry(
            code=locked.code,
            subject_type=locked.subject_type,
            subject_id=locked.subject_id,
            subject_name=locked.subject_name,
            source=locked.source,
            kind=locked.kind,
            points=-locked.points,
            occurred_on=locked.occurred_on,
            reason=(reason or _("Reversal"))[:200],
            ref=locked.ref,
            ref_url=locked.ref_url,
            key=key[:120],
            reverses=locked,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        reversal.save()
        events.record(
            AuditEvent.Verb.CREATE,
            by=by,
            obj=reversal,
            before={"entry": locked.pk, "points": str(locked.points)},
            after={"points": str(reversal.points)},
            purpose=reversal.reason,
        )
    return reversal


def adjust(subject: models.Model, *, points, reason: str, by, approved_by, on=None) -> LedgerEntry:
    """A manual adjustment: entered by one person, approved by another who holds
    `points.approve` over the subject's region; the reason is required."""
    code = _subject_code(subject)
    errors: dict[str, list[str]] = {}
    if (
        by is None
        or not getattr(by, "is_authenticated", False)
        or not by.has_scoped_perm(ADJUST, code)
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the adjustment.")]
    if approved_by is None:
        errors["approved_by"] = [_("Choose who approves the adjustment.")]
    elif approved_by.pk == by.pk:
        errors["approved_by"] = [_("An adjustment must be approved by someone else.")]
    elif not approved_by.has_scoped_perm(APPROVE, code):
        errors["approved_by"] = [_("This person may not approve adjustments here.")]
    amount = None
    try:
        amount = _points(points)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return credit(
            subject,
            points=amount,
            source=Source.MANUAL,
            kind="manual.adjustment",
            on=on,
            reason=reason.strip(),
            by=by,
            approved_by=approved_by,
        )


def entries_of(subject: models.Model):
    subject_type, subject_id = subject_key(subject)
    return LedgerEntry.objects.of(subject_type, subject_id)


def balance(subject: models.Model, *, start: dt.date | None = None, end: dt.date | None = None):
    """Sum of the subject's entries (reversals included), optionally within [start, end]."""
    qs = entries_of(subject)
    if start is not None:
        qs = qs.filter(occurred_on__gte=start)
    if end is not None:
        qs = qs.filter(occurred_on__lte=end)
    return qs.aggregate(total=Sum("points"))["total"] or Decimal("0")
