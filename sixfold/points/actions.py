"""Every change to star ratings (S6): star items, democratic-evaluation scores,
disqualifications, computing and publishing rating periods.

The ledger's own changes (credit, reversal, manual adjustment) live in `sixfold.points.ledger`.
Each function here is atomic, checks the permission and the state, raises `ValidationError`
with field messages and stable codes, and records its audit event in the same transaction.

Also whether a subject is left out of public boards (her own choice, or staff's).

Permissions: `points.configure` (street-wide staff) for items and periods — a period is rated
for everyone of its subject type at once, so whoever computes it must hold the permission over
every rated subject; `points.approve` for disqualifications; `points.adjust` for scores.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events
from sixfold.core.actions import ensure_perm
from sixfold.core.models import AuditEvent

from . import ledger, stars
from .models import (
    BoardOptOut,
    Disqualification,
    EvaluationScore,
    RatingPeriod,
    RatingResult,
    StarItem,
)

CONFIGURE = "points.configure"
APPROVE = ledger.APPROVE
ADJUST = ledger.ADJUST
VIEW = ledger.VIEW


def period_scope(period: RatingPeriod) -> str:
    """The region code all of the period's results lie under (where its audit events go)."""
    bounds = period.results.aggregate(low=models.Min("code"), high=models.Max("code"))
    low, high = bounds["low"] or "", bounds["high"] or ""
    common = 0
    while common < min(len(low), len(high)) and low[common] == high[common]:
        common += 1
    return low[:common]


def _ensure_configure(by, codes=None) -> None:
    if by is None:
        return
    if not getattr(by, "is_authenticated", False) or not by.holds_perm(CONFIGURE):
        raise PermissionDenied(_("You do not have permission to do this here."))
    for code in codes or ():
        ensure_perm(by, CONFIGURE, code)


# --- star items ------------------------------------------------------------------------------------
def change_star_item(item: StarItem, data: dict, *, by) -> StarItem:
    """Rename an item or change its rule (`name`, `description`, `counts`, `threshold`,
    `evaluation_min`, `active`, `position`)."""
    _ensure_configure(by)
    errors: dict[str, list[str]] = {}
    name = (data.get("name", item.name) or "").strip()
    if not name:
        errors["name"] = [_("Enter the name of the star.")]
    elif len(name) > 40:
        errors["name"] = [_("The name is too long (at most 40 characters).")]
    counts = data.get("counts", item.counts)
    if isinstance(counts, str):
        counts = [part.strip() for part in counts.replace("，", ",").split(",")]
    counts = sorted({c.strip() for c in counts or [] if c and c.strip()})
    if any(len(c) > 64 for c in counts):
        errors["counts"] = [_("Each source or kind is at most 64 characters.")]
    threshold = data.get("threshold", item.threshold)
    try:
        threshold = Decimal(str(threshold if threshold not in (None, "") else 0))
        if not threshold.is_finite() or threshold < 0 or threshold > ledger.MAX_POINTS:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["threshold"] = [_("Enter a number of points between 0 and 10,000.")]
    evaluation_min = data.get("evaluation_min", item.evaluation_min)
    if evaluation_min in ("",):
        evaluation_min = None
    if evaluation_min is not None:
        try:
            evaluation_min = Decimal(str(evaluation_min))
            if not evaluation_min.is_finite() or not 0 <= evaluation_min <= 100:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["evaluation_min"] = [_("Enter a score between 0 and 100, or leave it empty.")]
    if not errors and not counts and evaluation_min is None:
        errors["counts"] = [
            _("A star needs ledger entries that count, an evaluation score, or both.")
        ]
    if errors:
        raise ValidationError(errors)
    before = {**item.rule_snapshot(), "name": item.name, "active": item.active}
    item.name = name
    item.description = (data.get("description", item.description) or "").strip()[:200]
    item.counts = counts
    item.threshold = threshold
    item.evaluation_min = evaluation_min
    item.active = bool(data.get("active", item.active))
    if data.get("position") is not None:
        item.position = int(data["position"])
    with transaction.atomic():
        item.save()
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=item,
            before=before,
            after={**item.rule_snapshot(), "name": item.name, "active": item.active},
        )
    return item


# --- periods ---------------------------------------------------------------------------------------
def period_for(code: str, subject_type: str, *, create: bool = False) -> RatingPeriod | None:
    code = stars.normalize_period_code(code)
    kind, start, end = stars.parse_period(code)
    if not create:
        return RatingPeriod.objects.filter(subject_type=subject_type, code=code).first()
    period, _created = RatingPeriod.objects.get_or_create(
        subject_type=subject_type,
        code=code,
        defaults={"kind": kind, "start": start, "end": end},
    )
    return period


def compute_period(period: RatingPeriod | str, *, by, subject_type: str = "") -> RatingPeriod:
    """Compute (or recompute) every subject's stars in the period and store them, replacing the
    previous computation as a whole. A published period is locked."""
    if isinstance(period, str):
        if not subject_type:
            raise ValueError("subject_type is needed with a period code")
        code = stars.normalize_period_code(period)
        kind, start, end = stars.parse_period(code)
        if start > timezone.localdate():
            raise ValidationError(
                {"code": [_("This period has not started yet.")]}, code="future_period"
            )
        _ensure_configure(by)
        try:
            period = period_for(code, subject_type, create=True)
        except IntegrityError:
            period = period_for(code, subject_type)
    with transaction.atomic():
        period = RatingPeriod.objects.select_for_update().get(pk=period.pk)
        if period.is_published:
            raise ValidationError(
                _("This period is published; its results can no longer change."),
                code="published",
            )
        outcomes, fingerprint, entry_count = stars.compute(period)
        _ensure_configure(by, {o.code for o in outcomes})
        before = {"fingerprint": period.fingerprint, "status": period.status}
        RatingResult.objects.filter(period=period).delete()
        RatingResult.objects.bulk_create(
            [
                RatingResult(
                    period=period,
                    subject_type=period.subject_type,
                    subject_id=outcome.subject_id,
                    subject_name=outcome.name[:100],
                    code=outcome.code,
                    points=outcome.points,
                    stars=outcome.stars,
                    disqualified=outcome.disqualified,
                    rank=number,
                    items=outcome.items,
                )
                for number, outcome in stars.rank(outcomes)
            ],
            batch_size=500,
        )
        period.status = RatingPeriod.Status.COMPUTED
        period.fingerprint = fingerprint
        period.entry_count = entry_count
        period.subject_count = len(outcomes)
        period.computed_at = timezone.now()
        period.computed_by = by if getattr(by, "is_authenticated", False) else None
        period.save(
            update_fields=[
                "status",
                "fingerprint",
                "entry_count",
                "subject_count",
                "computed_at",
                "computed_by",
                "updated_at",
            ]
        )
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=period,
            scope_code=period_scope(period),
            before=before,
            after={
                "fingerprint": fingerprint,
                "entries": entry_count,
                "subjects": len(outcomes),
            },
        )
    return period


def publish_period(period: RatingPeriod, *, by) -> RatingPeriod:
    """Lock a computed period and show it on the public boards."""
    with transaction.atomic():
        period = RatingPeriod.objects.select_for_update().get(pk=period.pk)
        codes = set(period.results.values_list("code", flat=True).distinct())
        _ensure_configure(by, codes)
        if period.status != RatingPeriod.Status.COMPUTED:
            raise ValidationError(
                _("Only a computed period that is not yet published can be published."),
                code="not_computed",
            )
        period.status = RatingPeriod.Status.PUBLISHED
        period.published_at = timezone.now()
        period.published_by = by if getattr(by, "is_authenticated", False) else None
        period.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=period,
            scope_code=period_scope(period),
            after={"fingerprint": period.fingerprint},
        )
    return period


# --- disqualification and evaluation ---------------------------------------------------------------
def _published_period_on(subject_type: str, day: dt.date) -> RatingPeriod | None:
    return RatingPeriod.objects.filter(
        subject_type=subject_type,
        status=RatingPeriod.Status.PUBLISHED,
        start__lte=day,
        end__gte=day,
    ).first()


def disqualify(subject: models.Model, *, occurred_on, reason: str, by) -> Disqualification:
    """Record a disqualifying event (e.g. party discipline): the subject earns no stars in any
    period containing `occurred_on` once it is (re)computed."""
    subject_type, subject_id = ledger.subject_key(subject)
    code = ledger._subject_code(subject)
    ensure_perm(by, APPROVE, code)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Give the reason for the disqualification.")]
    elif len(reason) > 200:
        errors["reason"] = [_("The reason is too long (at most 200 characters).")]
    if not isinstance(occurred_on, dt.date):
        errors["occurred_on"] = [_("Enter the date of the event.")]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    elif _published_period_on(subject_type, occurred_on) is not None:
        errors["occurred_on"] = [
            _("The rating period of this date is published; its results can no longer change.")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = Disqualification.objects.create(
            subject_type=subject_type,
            subject_id=subject_id,
            subject_name=str(subject)[:100],
            code=code,
            occurred_on=occurred_on,
            reason=reason,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        events.record(
            AuditEvent.Verb.CREATE,
            by=by,
            obj=record,
            after={"date": occurred_on.isoformat(), "reason": reason},
            purpose=reason,
        )
    return record


def withdraw_disqualification(record: Disqualification, *, reason: str, by) -> Disqualification:
    ensure_perm(by, APPROVE, record.code)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Give the reason for the withdrawal.")]}, code="required"
        )
    with transaction.atomic():
        record = Disqualification.objects.select_for_update().get(pk=record.pk)
        if record.withdrawn_at is not None:
            raise ValidationError(
                _("This disqualification is already withdrawn."), code="withdrawn"
            )
        if _published_period_on(record.subject_type, record.occurred_on) is not None:
            raise ValidationError(
                _("The rating period of this date is published; its results can no longer change."),
                code="published",
            )
        record.withdrawn_at = timezone.now()
        record.withdrawn_by = by if getattr(by, "is_authenticated", False) else None
        record.withdraw_reason = reason[:200]
        record.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=record, purpose=reason)
    return record


def record_evaluation(
    period: RatingPeriod, item: StarItem, subject: models.Model, *, score, by
) -> EvaluationScore:
    """Enter (or correct) the democratic-evaluation score of one subject for one item."""
    subject_type, subject_id = ledger.subject_key(subject)
    code = ledger._subject_code(subject)
    ensure_perm(by, ADJUST, code)
    if period.subject_type != subject_type or item.subject_type != subject_type:
        raise ValidationError(
            {"item": [_("This star item does not apply to this person.")]}, code="mismatch"
        )
    try:
        value = Decimal(str(score)).quantize(Decimal("0.01"))
        if not value.is_finite() or not 0 <= value <= 100:
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {"score": [_("Enter a score between 0 and 100.")]}, code="invalid"
        ) from None
    with transaction.atomic():
        locked = RatingPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.is_published:
            raise ValidationError(
                _("This period is published; its results can no longer change."),
                code="published",
            )
        existing = EvaluationScore.objects.filter(
            period=locked, item=item, subject_type=subject_type, subject_id=subject_id
        ).first()
        before = None if existing is None else {"score": str(existing.score)}
        if existing is None:
            existing = EvaluationScore(
                period=locked, item=item, subject_type=subject_type, subject_id=subject_id
            )
        existing.code = code
        existing.score = value
        existing.entered_by = by if getattr(by, "is_authenticated", False) else None
        existing.save()
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=existing,
            before=before,
            after={"score": str(value), "item": item.code, "period": locked.code},
        )
    return existing


# --- public boards -----------------------------------------------------------------------------
def set_board_opt_out(subject: models.Model, *, hidden: bool, by, own: bool = False) -> bool:
    """Leave the subject out of public boards (`hidden=True`) or show her again.

    The subject herself may decide (`own=True`: the pillar has checked that `by` is the
    subject's own login); staff need `points.adjust` over her region. Returns the new state."""
    subject_type, subject_id = ledger.subject_key(subject)
    code = ledger._subject_code(subject)
    if not own:
        ensure_perm(by, ADJUST, code)
    elif by is None or not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("You do not have permission to do this here."))
    with transaction.atomic():
        existing = BoardOptOut.objects.select_for_update().filter(
            subject_type=subject_type, subject_id=subject_id
        )
        was_hidden = existing.exists()
        if hidden and not was_hidden:
            record = BoardOptOut.objects.create(
                subject_type=subject_type,
                subject_id=subject_id,
                code=code,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            events.record(
                AuditEvent.Verb.CHANGE,
                by=by,
                obj=record,
                object_repr=str(subject)[:200],
                after={"hidden": True},
            )
        elif not hidden and was_hidden:
            record = existing.get()
            events.record(
                AuditEvent.Verb.CHANGE,
                by=by,
                obj=record,
                object_repr=str(subject)[:200],
                after={"hidden": False},
            )
            existing.delete()
    return hidden


def hidden_from_boards(subject_type: str, ids) -> set[int]:
    return set(
        BoardOptOut.objects.filter(subject_type=subject_type, subject_id__in=list(ids)).values_list(
            "subject_id", flat=True
        )
    )
