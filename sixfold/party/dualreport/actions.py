"""Every change to dual reporting (双报到, S22) goes through these functions.

Each one is atomic, checks who may act, validates its input (raising `ValidationError` with field
messages and stable codes), and writes its audit event in the same transaction. Pages, the API,
the admin and the demo builder call these.

Who may act:
* `dualreport.manage` over the row's region (community secretaries and workers, street
  administrators): registrations, posts, confirming hours, assessments;
* the member herself (her login is `PartyMember.user`): her own registration, claims and hours —
  hours she enters wait for the community's confirmation;
* `party.view` (branch secretaries, grid workers) only reads.

Stable codes callers may branch on: `not_in_service`, `registered`, `not_community`, `full`,
`closed`, `already_claimed`, `wrong_community`, `not_claimed`, `state`, `future`, `before_registration`,
`required`, `invalid`, `max_length`, `out_of_range`, `inactive`.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events, pii
from sixfold.core.actions import PHONE_PATTERN, ensure_perm, normalize_phone
from sixfold.core.models import AuditEvent, Level, Region
from sixfold.party.actions import COMMUNITY_LENGTH, community_code
from sixfold.party.models import PartyMember
from sixfold.points import ledger
from sixfold.points.models import LedgerEntry

from .models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServiceCategory,
    ServicePost,
    ServiceRecord,
    Status,
    UnitRegistration,
    quarter_bounds,
)

VIEW = "party.view"
MANAGE = "dualreport.manage"
COMMUNITY_LEVELS = (Level.COMMUNITY, Level.VILLAGE)
MAX_CAPACITY = 500
MAX_HOURS = Decimal("24")
MIN_HOURS = Decimal("0.5")
LEDGER_KIND = "dual_report.service"


def _error(field: str | None, message: str, code: str) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code)
    return ValidationError({field: ValidationError(message, code=code)})


class Errors:
    """Collects field errors so a form shows every problem at once."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.errors.setdefault(field, []).append(ValidationError(message, code=code))

    def take(self, exc: ValidationError) -> None:
        for field, errors in exc.error_dict.items():
            self.errors.setdefault(field, []).extend(errors)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(data: dict, field: str, max_length: int, *, required: str | None = None) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise _error(field, required, "required")
    if len(value) > max_length:
        raise _error(
            field,
            _("Too long (at most %(max)s characters).") % {"max": max_length},
            "max_length",
        )
    return value


def _date(data: dict, field: str, *, required: bool = False, past: bool = False):
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise _error(field, _("Please enter a date."), "required")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise _error(field, _("Enter a valid date."), "invalid") from None
    today = timezone.localdate()
    if value.year < 1950 or value > today + dt.timedelta(days=3660):
        raise _error(field, _("Enter a valid date."), "invalid")
    if past and value > today:
        raise _error(field, _("The date cannot be in the future."), "future")
    return value


def _phone(data: dict, field: str = "phone", *, required: bool = False) -> str:
    phone = normalize_phone(str(data.get(field) or ""))
    if not phone:
        if required:
            raise _error(field, _("Please enter a phone number."), "required")
        return ""
    if not PHONE_PATTERN.fullmatch(phone):
        raise _error(
            field,
            _("Enter an 11-digit mobile number or a landline such as 0531-12345678."),
            "invalid",
        )
    return phone


def _set_phone(obj, phone: str) -> None:
    obj.phone_enc = pii.encrypt(phone) if phone else ""
    obj.phone_hash = pii.lookup_hash(phone) if phone else ""
    obj.phone_masked = pii.mask_phone(phone) if phone else ""


def is_self(user, member: PartyMember) -> bool:
    """Whether `user` is the member's own login."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and member.user_id is not None
        and member.user_id == user.pk
    )


def ensure_self_or_manage(user, member: PartyMember, code: str) -> None:
    if is_self(user, member):
        return
    ensure_perm(user, MANAGE, code)


def residence_community(member: PartyMember) -> Region | None:
    """The community a member lives in: her household's, else her organisation's."""
    code = member.resident.code if member.resident_id else member.code
    if len(code) < COMMUNITY_LENGTH:
        return None  # a member of the street's working committee names her community
    return Region.objects.filter(code=community_code(code), level__in=COMMUNITY_LEVELS).first()


def registration_code(member: PartyMember, community: Region) -> str:
    """Where a member's rows sit: at her household when she lives in the community (so the
    branch secretary and grid worker of her grid see them, whichever organisation she belongs
    to), else at her organisation's node when it lies in the community, else at the community."""
    if member.resident_id and member.resident.code.startswith(community.code):
        return member.resident.code
    return member.code if member.code.startswith(community.code) else community.code


def _categories(data: dict, errors: Errors) -> list[ServiceCategory]:
    chosen = list(data.get("categories") or [])
    if any(not getattr(c, "active", False) for c in chosen):
        errors.add("categories", _("Choose categories that are in use."), "inactive")
    return chosen


def _snapshot(obj) -> dict:
    return events.snapshot(obj)


# --- member registrations ------------------------------------------------------------------------
def _clean_registration(data: dict, community: Region, errors: Errors) -> dict:
    cleaned: dict = {}
    for field, length, required in (
        ("employer", 100, _("Enter the employer.")),
        ("employer_party_org", 100, None),
        ("skills", 200, None),
        ("note", 2000, None),
    ):
        try:
            cleaned[field] = _text(data, field, length, required=required)
        except ValidationError as exc:
            errors.take(exc)
    try:
        cleaned["registered_on"] = _date(data, "registered_on", past=True) or (timezone.localdate())
    except ValidationError as exc:
        errors.take(exc)
    if "phone" in data:
        try:
            cleaned["phone"] = _phone(data)
        except ValidationError as exc:
            errors.take(exc)
    unit = data.get("unit")
    if unit is not None and (unit.community_id != community.pk or unit.status != Status.ACTIVE):
        errors.add("unit", _("Choose a unit registered with this community."), "wrong_community")
    cleaned["unit"] = unit
    cleaned["categories"] = _categories(data, errors)
    return cleaned


def _apply(obj, cleaned: dict) -> None:
    for field, value in cleaned.items():
        if field == "phone":
            _set_phone(obj, value)
        elif field != "categories":
            setattr(obj, field, value)


def _registration_state(registration: MemberRegistration) -> dict:
    state = _snapshot(registration)
    state["member_name"] = registration.member.display_name
    if registration.pk:
        state["categories"] = sorted(registration.categories.values_list("slug", flat=True))
    return state


@transaction.atomic
def register_member(
    member: PartyMember, data: dict, *, by, community: Region | None = None
) -> MemberRegistration:
    """An in-service member reports to her residence community (by herself or by its staff)."""
    community = community or data.get("community") or residence_community(member)
    if community is None:
        raise _error("community", _("Choose the community the member lives in."), "not_community")
    ensure_self_or_manage(by, member, registration_code(member, community))
    member = (
        PartyMember.objects.select_for_update(of=("self",))
        .select_related("resident")
        .get(pk=member.pk)
    )
    errors = Errors()
    if community.level not in COMMUNITY_LEVELS:
        errors.add("community", _("Choose a community or a village."), "not_community")
    if member.status != PartyMember.Status.ACTIVE or not member.in_service:
        errors.add(
            "member",
            _("Only an active in-service member reports to a community."),
            "not_in_service",
        )
    if MemberRegistration.objects.filter(member=member, status=Status.ACTIVE).exists():
        errors.add("member", _("This member has already reported to a community."), "registered")
    data = {"employer": member.employer, **data}
    cleaned = _clean_registration(data, community, errors)
    errors.raise_any()
    registration = MemberRegistration(
        member=member, community=community, code=registration_code(member, community)
    )
    _apply(registration, cleaned)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise _error(
            "member", _("This member has already reported to a community."), "registered"
        ) from None
    registration.categories.set(cleaned["categories"])
    events.record(
        AuditEvent.Verb.CREATE, by=by, obj=registration, after=_registration_state(registration)
    )
    return registration


@transaction.atomic
def change_registration(registration: MemberRegistration, data: dict, *, by) -> MemberRegistration:
    registration = (
        MemberRegistration.objects.select_for_update(of=("self",))
        .select_related("member__resident", "community")
        .get(pk=registration.pk)
    )
    ensure_self_or_manage(by, registration.member, registration.code)
    if registration.status != Status.ACTIVE:
        raise _error(None, _("This registration has been withdrawn."), "state")
    merged = {
        "employer": registration.employer,
        "employer_party_org": registration.employer_party_org,
        "skills": registration.skills,
        "note": registration.note,
        "registered_on": registration.registered_on,
        "unit": registration.unit,
        "categories": list(registration.categories.all()),
        **data,
    }
    if not merged.get("phone"):
        merged.pop("phone", None)  # blank keeps the stored phone
    errors = Errors()
    cleaned = _clean_registration(merged, registration.community, errors)
    errors.raise_any()
    before = _registration_state(registration)
    _apply(registration, cleaned)
    registration.save()
    registration.categories.set(cleaned["categories"])
    after = _registration_state(registration)
    if after != before:
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=registration, before=before, after=after)
    return registration


@transaction.atomic
def withdraw_registration(registration: MemberRegistration, *, by) -> MemberRegistration:
    """End a registration (the member moved, or left her job); her claims end with it, her
    records and their points stay."""
    registration = (
        MemberRegistration.objects.select_for_update(of=("self",))
        .select_related("member")
        .get(pk=registration.pk)
    )
    ensure_self_or_manage(by, registration.member, registration.code)
    if registration.status != Status.ACTIVE:
        raise _error(None, _("This registration has been withdrawn."), "state")
    before = _snapshot(registration)
    registration.status = Status.WITHDRAWN
    registration.withdrawn_on = timezone.localdate()
    registration.save(update_fields=["status", "withdrawn_on", "updated_at"])
    for claim in registration.claims.filter(status=Status.ACTIVE):
        claim.status = Status.WITHDRAWN
        claim.released_on = registration.withdrawn_on
        claim.save(update_fields=["status", "released_on", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=registration,
        before=before,
        after=_snapshot(registration),
    )
    return registration


# --- unit registrations ----------------------------------------------------------------------------
def _clean_unit(data: dict, errors: Errors, *, phone_required: bool) -> dict:
    cleaned: dict = {}
    for field, length, required in (
        ("name", 100, _("Enter the name of the party organisation.")),
        ("unit", 100, _("Enter the unit.")),
        ("contact_name", 50, _("Enter the contact person.")),
        ("note", 2000, None),
    ):
        try:
            cleaned[field] = _text(data, field, length, required=required)
        except ValidationError as exc:
            errors.take(exc)
    try:
        cleaned["registered_on"] = _date(data, "registered_on", past=True) or (timezone.localdate())
    except ValidationError as exc:
        errors.take(exc)
    if phone_required or data.get("phone"):
        try:
            cleaned["phone"] = _phone(data, required=True)
        except ValidationError as exc:
            errors.take(exc)
    return cleaned


@transaction.atomic
def register_unit(community: Region, data: dict, *, by) -> UnitRegistration:
    """A unit's party organisation reports to a community (registered by the community's staff)."""
    ensure_perm(by, MANAGE, community.code)
    errors = Errors()
    if community.level not in COMMUNITY_LEVELS:
        errors.add("community", _("Choose a community or a village."), "not_community")
    cleaned = _clean_unit(data, errors, phone_required=True)
    taken = _("This organisation has already reported to the community.")
    if (
        cleaned.get("name")
        and UnitRegistration.objects.filter(
            community=community, name=cleaned["name"], status=Status.ACTIVE
        ).exists()
    ):
        errors.add("name", taken, "registered")
    errors.raise_any()
    unit = UnitRegistration(community=community, code=community.code)
    _apply(unit, cleaned)
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:
        raise _error("name", taken, "registered") from None
    events.record(AuditEvent.Verb.CREATE, by=by, obj=unit, after=_snapshot(unit))
    return unit


@transaction.atomic
def change_unit(unit: UnitRegistration, data: dict, *, by) -> UnitRegistration:
    ensure_perm(by, MANAGE, unit.code)
    unit = UnitRegistration.objects.select_for_update().get(pk=unit.pk)
    if unit.status != Status.ACTIVE:
        raise _error(None, _("This registration has been withdrawn."), "state")
    merged = {
        "name": unit.name,
        "unit": unit.unit,
        "contact_name": unit.contact_name,
        "note": unit.note,
        "registered_on": unit.registered_on,
        **data,
    }
    errors = Errors()
    cleaned = _clean_unit(merged, errors, phone_required=False)
    if (
        cleaned.get("name")
        and UnitRegistration.objects.filter(
            community_id=unit.community_id, name=cleaned["name"], status=Status.ACTIVE
        )
        .exclude(pk=unit.pk)
        .exists()
    ):
        errors.add(
            "name", _("This organisation has already reported to the community."), "registered"
        )
    errors.raise_any()
    before = _snapshot(unit)
    _apply(unit, cleaned)
    after = _snapshot(unit)
    if after != before or "phone" in cleaned:
        unit.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=unit, before=before, after=after)
    return unit


@transaction.atomic
def withdraw_unit(unit: UnitRegistration, *, by) -> UnitRegistration:
    ensure_perm(by, MANAGE, unit.code)
    unit = UnitRegistration.objects.select_for_update().get(pk=unit.pk)
    if unit.status != Status.ACTIVE:
        raise _error(None, _("This registration has been withdrawn."), "state")
    before = _snapshot(unit)
    unit.status = Status.WITHDRAWN
    unit.save(update_fields=["status", "updated_at"])
    events.record(AuditEvent.Verb.CHANGE, by=by, obj=unit, before=before, after=_snapshot(unit))
    return unit


# --- posts ---------------------------------------------------------------------------------------
def _capacity(value) -> int:
    if isinstance(value, bool):
        value = None
    try:
        capacity = int(str(value).strip())
    except (TypeError, ValueError):
        raise _error(
            "capacity",
            _("Enter the number of places, 1 to %(max)s.") % {"max": MAX_CAPACITY},
            "invalid",
        ) from None
    if not 1 <= capacity <= MAX_CAPACITY:
        raise _error(
            "capacity",
            _("Enter the number of places, 1 to %(max)s.") % {"max": MAX_CAPACITY},
            "out_of_range",
        )
    return capacity


def _clean_post(data: dict, errors: Errors, current: ServiceCategory | None = None) -> dict:
    cleaned: dict = {}
    category = data.get("category")
    if not isinstance(category, ServiceCategory):
        errors.add("category", _("Choose a category."), "required")
    elif not category.active and category != current:  # a retired category stays on old posts
        errors.add("category", _("Choose categories that are in use."), "inactive")
    cleaned["category"] = category
    for field, length, required in (
        ("title", 100, _("Enter the title of the post.")),
        ("description", 2000, None),
        ("place", 100, None),
        ("schedule", 100, None),
    ):
        try:
            cleaned[field] = _text(data, field, length, required=required)
        except ValidationError as exc:
            errors.take(exc)
    try:
        cleaned["capacity"] = _capacity(data.get("capacity"))
    except ValidationError as exc:
        errors.take(exc)
    for field in ("starts_on", "ends_on"):
        try:
            cleaned[field] = _date(data, field)
        except ValidationError as exc:
            errors.take(exc)
    if (
        cleaned.get("starts_on")
        and cleaned.get("ends_on")
        and (cleaned["ends_on"] < cleaned["starts_on"])
    ):
        errors.add("ends_on", _("The post cannot end before it starts."), "date_order")
    return cleaned


@transaction.atomic
def publish_post(community: Region, data: dict, *, by) -> ServicePost:
    ensure_perm(by, MANAGE, community.code)
    errors = Errors()
    if community.level not in COMMUNITY_LEVELS:
        errors.add("community", _("Choose a community or a village."), "not_community")
    cleaned = _clean_post(data, errors)
    errors.raise_any()
    post = ServicePost(
        community=community,
        code=community.code,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **cleaned,
    )
    post.save()
    events.record(AuditEvent.Verb.CREATE, by=by, obj=post, after=_snapshot(post))
    return post


@transaction.atomic
def change_post(post: ServicePost, data: dict, *, by) -> ServicePost:
    ensure_perm(by, MANAGE, post.code)
    post = (
        ServicePost.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(pk=post.pk)
    )
    merged = {
        field: getattr(post, field)
        for field in (
            "category",
            "title",
            "description",
            "place",
            "schedule",
            "capacity",
            "starts_on",
            "ends_on",
        )
    }
    merged.update(data)
    errors = Errors()
    cleaned = _clean_post(merged, errors, current=post.category)
    taken = post.claims.filter(status=Status.ACTIVE).count()
    if cleaned.get("capacity") and cleaned["capacity"] < taken:
        errors.add(
            "capacity",
            _("%(count)s members have claimed this post; the capacity cannot be lower.")
            % {"count": taken},
            "below_claims",
        )
    errors.raise_any()
    before = _snapshot(post)
    for field, value in cleaned.items():
        setattr(post, field, value)
    after = _snapshot(post)
    if after != before:
        post.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=post, before=before, after=after)
    return post


@transaction.atomic
def set_post_status(post: ServicePost, status: str, *, by) -> ServicePost:
    """Close a post to new claims (members who hold it keep it), or open it again."""
    ensure_perm(by, MANAGE, post.code)
    post = ServicePost.objects.select_for_update().get(pk=post.pk)
    if status not in ServicePost.PostStatus.values:
        raise _error("status", _("Please choose a valid option."), "invalid")
    if post.status == status:
        return post
    before = _snapshot(post)
    post.status = status
    post.save(update_fields=["status", "updated_at"])
    events.record(AuditEvent.Verb.CHANGE, by=by, obj=post, before=before, after=_snapshot(post))
    return post


# --- claims --------------------------------------------------------------------------------------
@transaction.atomic
def claim_post(post: ServicePost, registration: MemberRegistration, *, by) -> PostClaim:
    """A member takes a place on a post. The post row is locked while its claims are counted,
    so two members taking the last place at once cannot both get it (`full`)."""
    ensure_self_or_manage(by, registration.member, registration.code)
    post = ServicePost.objects.select_for_update().get(pk=post.pk)
    registration = MemberRegistration.objects.get(pk=registration.pk)
    if registration.status != Status.ACTIVE:
        raise _error(None, _("This registration has been withdrawn."), "state")
    if post.community_id != registration.community_id:
        raise _error(
            "post", _("Members claim posts of the community they reported to."), "wrong_community"
        )
    if post.status != ServicePost.PostStatus.OPEN:
        raise _error("post", _("This post is closed."), "closed")
    if post.ends_on and post.ends_on < timezone.localdate():
        raise _error("post", _("This post has ended."), "closed")
    claims = PostClaim.objects.filter(post=post, status=Status.ACTIVE)
    if claims.filter(registration=registration).exists():
        raise _error("post", _("You have already claimed this post."), "already_claimed")
    if claims.count() >= post.capacity:
        raise _error(
            "post",
            _("This post is full: all %(capacity)s places are taken.")
            % {"capacity": post.capacity},
            "full",
        )
    claim = PostClaim(post=post, registration=registration, code=registration.code)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        raise _error("post", _("You have already claimed this post."), "already_claimed") from None
    events.record(AuditEvent.Verb.CREATE, by=by, obj=claim, after=_snapshot(claim))
    return claim


@transaction.atomic
def release_claim(claim: PostClaim, *, by) -> PostClaim:
    claim = (
        PostClaim.objects.select_for_update(of=("self",))
        .select_related("registration__member")
        .get(pk=claim.pk)
    )
    ensure_self_or_manage(by, claim.registration.member, claim.code)
    if claim.status != Status.ACTIVE:
        raise _error(None, _("This claim has already ended."), "state")
    before = _snapshot(claim)
    claim.status = Status.WITHDRAWN
    claim.released_on = timezone.localdate()
    claim.save(update_fields=["status", "released_on", "updated_at"])
    events.record(AuditEvent.Verb.CHANGE, by=by, obj=claim, before=before, after=_snapshot(claim))
    return claim


# --- service records and the ledger -----------------------------------------------------------------
def points_per_hour() -> Decimal:
    return Decimal(str(settings.SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR))


def points_for(hours: Decimal) -> Decimal:
    return (hours * points_per_hour()).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ledger_key(record_pk: int) -> str:
    return f"dualreport:service:{record_pk}"


def _hours(value) -> Decimal:
    message = _("Enter the hours served, %(min)s to %(max)s.") % {
        "min": MIN_HOURS,
        "max": MAX_HOURS,
    }
    if isinstance(value, bool):
        raise _error("hours", message, "invalid")
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise _error("hours", message, "invalid") from None
    if not hours.is_finite():
        raise _error("hours", message, "invalid")
    if not MIN_HOURS <= hours <= MAX_HOURS or hours != hours.quantize(Decimal("0.1")):
        raise _error("hours", message, "out_of_range")
    return hours.quantize(Decimal("0.1"))


def _credit(record: ServiceRecord, by) -> None:
    points = points_for(record.hours)
    record.points = points
    if points == 0:
        return
    ledger.credit(
        record.registration.member,
        points=points,
        source=ledger.Source.DUAL_REPORT,
        kind=LEDGER_KIND,
        on=record.served_on,
        ref=f"dualreport.servicerecord:{record.pk}",
        ref_url=reverse("dualreport:record_detail", args=[record.pk]),
        reason=_("Dual-report service, %(hours)s h") % {"hours": record.hours},
        key=ledger_key(record.pk),
        by=by,
    )


@transaction.atomic
def log_service(registration: MemberRegistration, data: dict, *, by) -> ServiceRecord:
    """Record hours served. The member's own entry awaits confirmation; an entry by the
    community's staff is confirmed (and credited) at once."""
    registration = MemberRegistration.objects.select_related("member").get(pk=registration.pk)
    own = is_self(by, registration.member)
    if not own:
        ensure_perm(by, MANAGE, registration.code)
    if registration.status != Status.ACTIVE:
        raise _error(None, _("This registration has been withdrawn."), "state")
    errors = Errors()
    cleaned: dict = {}
    try:
        cleaned["served_on"] = _date(data, "served_on", required=True, past=True)
    except ValidationError as exc:
        errors.take(exc)
    served_on = cleaned.get("served_on")
    if served_on and served_on < registration.registered_on:
        errors.add(
            "served_on",
            _("The service cannot come before the registration (%(date)s).")
            % {"date": registration.registered_on.isoformat()},
            "before_registration",
        )
    try:
        cleaned["hours"] = _hours(data.get("hours"))
    except ValidationError as exc:
        errors.take(exc)
    try:
        cleaned["description"] = _text(data, "description", 200, required=_("Say what was done."))
    except ValidationError as exc:
        errors.take(exc)
    post = data.get("post")
    if (
        post is not None
        and not PostClaim.objects.filter(post=post, registration=registration).exists()
    ):
        errors.add("post", _("Choose a post the member has claimed."), "not_claimed")
    errors.raise_any()
    record = ServiceRecord(
        registration=registration,
        post=post,
        code=registration.code,
        entered_by=by if getattr(by, "is_authenticated", False) else None,
        **cleaned,
    )
    if post is not None:
        # Hours entered late prove she held the post on the day served: the letters count it.
        PostClaim.objects.filter(
            post=post, registration=registration, claimed_on__gt=record.served_on
        ).update(claimed_on=record.served_on)
    if not own:
        record.status = ServiceRecord.RecordStatus.CONFIRMED
        record.decided_by = record.entered_by
        record.decided_at = timezone.now()
    record.save()
    if not own:
        _credit(record, by)
        record.save(update_fields=["points"])
    events.record(AuditEvent.Verb.CREATE, by=by, obj=record, after=_snapshot(record))
    return record


def _locked_record(record: ServiceRecord) -> ServiceRecord:
    return (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("registration__member")
        .get(pk=record.pk)
    )


@transaction.atomic
def confirm_record(record: ServiceRecord, *, by) -> ServiceRecord:
    ensure_perm(by, MANAGE, record.code)
    record = _locked_record(record)
    if record.status != ServiceRecord.RecordStatus.PENDING:
        raise _error(None, _("Only a record awaiting confirmation can be confirmed."), "state")
    before = _snapshot(record)
    record.status = ServiceRecord.RecordStatus.CONFIRMED
    record.decided_by = by if getattr(by, "is_authenticated", False) else None
    record.decided_at = timezone.now()
    _credit(record, by)
    record.save(update_fields=["status", "decided_by", "decided_at", "points", "updated_at"])
    events.record(AuditEvent.Verb.CHANGE, by=by, obj=record, before=before, after=_snapshot(record))
    return record


@transaction.atomic
def reject_record(record: ServiceRecord, reason: str, *, by) -> ServiceRecord:
    ensure_perm(by, MANAGE, record.code)
    record = _locked_record(record)
    if record.status != ServiceRecord.RecordStatus.PENDING:
        raise _error(None, _("Only a record awaiting confirmation can be rejected."), "state")
    reason = _text({"reason": reason}, "reason", 200, required=_("Give the reason."))
    before = _snapshot(record)
    record.status = ServiceRecord.RecordStatus.REJECTED
    record.reason = reason
    record.decided_by = by if getattr(by, "is_authenticated", False) else None
    record.decided_at = timezone.now()
    record.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=record,
        before=before,
        after=_snapshot(record),
        purpose=reason,
    )
    return record


@transaction.atomic
def withdraw_record(record: ServiceRecord, reason: str = "", *, by) -> ServiceRecord:
    """Cancel a record: the member or the community cancels one awaiting confirmation; only the
    community withdraws a confirmed one, with a reason, and its ledger points are reversed."""
    record = _locked_record(record)
    confirmed = record.status == ServiceRecord.RecordStatus.CONFIRMED
    if confirmed:
        ensure_perm(by, MANAGE, record.code)
    else:
        ensure_self_or_manage(by, record.registration.member, record.code)
    if record.status not in (
        ServiceRecord.RecordStatus.PENDING,
        ServiceRecord.RecordStatus.CONFIRMED,
    ):
        raise _error(None, _("This record can no longer be withdrawn."), "state")
    reason = _text(
        {"reason": reason},
        "reason",
        200,
        required=_("Give the reason.") if confirmed else None,
    )
    before = _snapshot(record)
    if confirmed:
        entry = (
            LedgerEntry.objects.filter(key=ledger_key(record.pk), reverses__isnull=True)
            .select_for_update()
            .first()
        )
        if entry is not None and not LedgerEntry.objects.filter(reverses=entry).exists():
            # The engine's reversal (by=None): the community's right to withdraw is checked above
            # and this record's event names who did it.
            ledger.reverse(entry, by=None, reason=reason, key=f"{ledger_key(record.pk)}:reversal")
    record.status = ServiceRecord.RecordStatus.WITHDRAWN
    record.reason = reason
    record.save(update_fields=["status", "reason", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=record,
        before=before,
        after=_snapshot(record),
        purpose=reason,
    )
    return record


# --- quarterly assessment ----------------------------------------------------------------------
def clean_quarter(year, quarter) -> tuple[int, int]:
    try:
        year, quarter = int(year), int(quarter)
    except (TypeError, ValueError):
        raise _error("quarter", _("Choose a quarter."), "invalid") from None
    if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
        raise _error("quarter", _("Choose a quarter."), "invalid")
    if quarter_bounds(year, quarter)[0] > timezone.localdate():
        raise _error("quarter", _("The quarter has not begun yet."), "future")
    return year, quarter


@transaction.atomic
def assess_quarter(
    registration: MemberRegistration, year, quarter, grade: str, comment: str = "", *, by
) -> QuarterlyAssessment:
    """The community's assessment of a member for a quarter (one per quarter, revisable)."""
    ensure_perm(by, MANAGE, registration.code)
    errors = Errors()
    try:
        year, quarter = clean_quarter(year, quarter)
    except ValidationError as exc:
        errors.take(exc)
    if grade not in QuarterlyAssessment.Grade.values:
        errors.add("grade", _("Please choose a valid option."), "invalid")
    try:
        comment = _text({"comment": comment}, "comment", 2000)
    except ValidationError as exc:
        errors.take(exc)
    errors.raise_any()
    assessment, created = QuarterlyAssessment.objects.select_for_update().get_or_create(
        registration=registration,
        year=year,
        quarter=quarter,
        defaults={"code": registration.code, "grade": grade, "comment": comment},
    )
    before = None if created else _snapshot(assessment)
    assessment.grade, assessment.comment = grade, comment
    assessment.assessed_by = by if getattr(by, "is_authenticated", False) else None
    assessment.save()
    after = _snapshot(assessment)
    if before != after:
        events.record(
            AuditEvent.Verb.CREATE if created else AuditEvent.Verb.CHANGE,
            by=by,
            obj=assessment,
            before=before,
            after=after,
        )
    return assessment


def record_export(what: str, *, scope_code: str, by, filters: dict | None = None) -> None:
    """Who took which dual-reporting list out of the system."""
    events.record(
        AuditEvent.Verb.EXPORT,
        by=by,
        object_type="dualreport.export",
        object_repr=what,
        scope_code=scope_code,
        after=filters or None,
    )


# --- the list of post categories -----------------------------------------------------------------
CONFIGURE = "party.configure"


@transaction.atomic
def save_category(category: ServiceCategory | None, data: dict, *, by) -> ServiceCategory:
    """Add a post category or rename, reorder or retire one (street administrators)."""
    if by is not None and not (
        getattr(by, "is_superuser", False) or (by.is_authenticated and by.holds_perm(CONFIGURE))
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))
    errors = Errors()
    cleaned: dict = {}
    try:
        cleaned["name"] = _text(data, "name", 50, required=_("Enter the name."))
    except ValidationError as exc:
        errors.take(exc)
    if category is None:
        try:
            cleaned["slug"] = _text(data, "slug", 40, required=_("Enter the key."))
        except ValidationError as exc:
            errors.take(exc)
        if cleaned.get("slug") and ServiceCategory.objects.filter(slug=cleaned["slug"]).exists():
            errors.add("slug", _("This key is already used."), "taken")
    order = data.get("order", category.order if category else 0)
    try:
        cleaned["order"] = int(order)
        if not 0 <= cleaned["order"] <= 32767:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("order", _("Enter a whole number from 0 to 32767."), "invalid")
    cleaned["active"] = bool(data.get("active", category.active if category else True))
    duplicate = ServiceCategory.objects.filter(name=cleaned.get("name"))
    if category is not None:
        duplicate = duplicate.exclude(pk=category.pk)
    if cleaned.get("name") and duplicate.exists():
        errors.add("name", _("This name is already used."), "taken")
    errors.raise_any()
    before = _snapshot(category) if category else None
    category = category or ServiceCategory()
    for field, value in cleaned.items():
        setattr(category, field, value)
    category.save()
    events.record(
        AuditEvent.Verb.CHANGE if before else AuditEvent.Verb.CREATE,
        by=by,
        obj=category,
        before=before,
        after=_snapshot(category),
    )
    return category
