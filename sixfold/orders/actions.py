"""Every change to a work order goes through these functions (S9, S24, S28).

Each one is atomic, locks the order row, checks the state (the table in
`sixfold.orders.states`), the permission or ownership and the guard, sets the state and its
times, appends an `OrderEvent` and writes the core audit event in the same transaction, and
runs side effects (`ON_TRANSITION` hooks: notifications …) on commit. Pages, the API, Open311,
the timers, the admin and the demo call these; none of them sets `state` itself.

Permissions (granted per role in `sixfold.accounts.roles`, checked over the order's region code):
* `orders.view`       — see every order in scope (community roles, street admin);
* `orders.submit`     — file an order on someone's behalf (phone, walk-in, grid patrol, 12345);
* `orders.handle`     — accept / reject / dispatch / reassign / verify / send back / close on the
                        requester's behalf / publish / reopen / merge, rate departments;
* `orders.claim`      — take orders from the community's pool (party members, volunteers, grid
                        workers, community workers);
* `orders.whistle`    — whistle an order to a department (community and street);
* `orders.supervise`  — supervisor notes (督办);
* `orders.configure`  — categories, time limits, departments (street admin);
* `orders.department` — department staff: report and act on orders whistled to their department.
Residents need no permission for their OWN orders: submit, cancel, rate (close), reopen.
A claimant needs none to start, resolve or return the order she holds (holders of
`orders.handle` may resolve or return on her behalf). Department staff act on a whistle only
when their login is linked to its department (`DepartmentStaff`) and `orders.department` covers
the order. Which steps a user may take now, for buttons: `sixfold.orders.states.available`.

Errors. `PermissionDenied` when the actor may not act here (pages answer 403/404);
`ValidationError` keyed by field with stable codes otherwise:
* `{"state": "bad_state"}`       — the transition does not start from the order's state;
* `{"state": "already_claimed"}` — someone else claimed (or was dispatched) the order first;
* `{"state": <guard code>}`      — `not_public`, `reopen_expired`, `has_duplicates`;
* `{"reason": "required"}`       — reject, return, send back, reopen, whistle (`text` for note);
* `{"status": "bad_state"}`      — acknowledge twice, finish before reporting, rate unfinished;
* `{"department": "duplicate"}`  — the department already has an open whistle on the order;
* `{"claimant": "unchanged"}`    — reassign to the person who holds the order;
* `{"claimant": "claim_limit"}`  — the person holds the maximum of open claims;
* `{"claimant": "not_eligible"}` — dispatch/reassign to someone who may not handle orders here;
* field codes of `submit` and `add_photo`: `required`, `too_long`, `invalid`, `inactive`,
  `bad_level`, `too_large`, `bad_type`; `rating`: `invalid`; `into`: `invalid`.

The actions (all keyword `by=` the acting user, None for system jobs):
    submit(data, *, by) -> Order
        data: region (Region or code), category (Category, pk or slug), text, title?, urgency?,
        public?, anonymous?, address?, latitude?, longitude?, channel?, requester_name?,
        requester_phone?, source_ref?. A holder of `orders.submit` over the place files on
        someone's behalf (proxy_by = by, name and phone from data); anyone else logged in files
        her own order (requester = by); by=None is a system intake (Open311 key, hotline).
    accept(order, *, by, urgency=None, category=None, note="")
    reject(order, *, by, reason)
    claim(order, *, by, kind=None)                  atomic; per-person limit
    dispatch(order, *, to, by, kind=None, note="")  the community assigns a person
    return_order(order, *, by, reason)              退单 — back to the pool
    reassign(order, *, to, by, kind=None, reason="")   改派
    start(order, *, by)
    resolve(order, *, by, resolution)               evidence: add_photo(kind="evidence")
    verify(order, *, by, note="")                   督单; credits the claimant's points
    send_back(order, *, by, reason)                 rework; debits points
    close(order, *, by, rating, comment="")         requester's rating; auto-publishes public ones
    publish(order, *, by)                           晒单
    reopen(order, *, by, reason)                    within SIXFOLD_ORDER_REOPEN_DAYS; reverses points
    cancel(order, *, by, reason="")                 the requester's own
    merge(order, *, into, by, note="")
    add_note(order, *, by, text) -> SupervisorNote  督办
    whistle(order, *, department, kind, reason, by) -> Whistle      吹哨
    acknowledge(whistle, *, by)                                     报到
    department_resolve(whistle, *, by, result)     finishes the whistle, resolves the order
    rate_department(whistle, *, by, rating, comment="")
    add_photo(order, *, upload, by, kind="request") -> OrderPhoto
    suggest_duplicates(order, *, days=3, limit=5) -> list[Order]   (read-only)
    auto_close(order, *, now=None)                  used by the timers
Helpers: open_claims(user) -> int; sniff_image(first_bytes) -> (extension, content type) | None;
next_number(moment) -> "GD…"; ON_TRANSITION hooks fn(order, step) run on commit.
Read side: Order.objects.visible_to(user[, perm]) / .pool(user) / .overdue() / .on_board();
models.photo_url(photo); sla.calendar_warning(order); rates.rates_for(code, start, end).

Settings (with defaults): SIXFOLD_ORDER_MAX_OPEN_CLAIMS 5, SIXFOLD_ORDER_REOPEN_DAYS 15,
SIXFOLD_ORDER_AUTO_CLOSE_DAYS 7, SIXFOLD_ORDER_AUTO_PUBLISH True, SIXFOLD_ORDER_PHOTO_MAX_BYTES
5 MB, SIXFOLD_ORDER_POINTS {"resolved": 5, "on_time": 2, "good_rating": 3, "bad_rating": -3,
"rework": -2}.
"""

import datetime as dt
import secrets
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events
from sixfold.core.actions import PHONE_PATTERN, ensure_perm, normalize_phone
from sixfold.core.models import AuditEvent, Level, Region
from sixfold.points import ledger

from . import sla
from .models import (
    OPEN_STATES,
    Category,
    Channel,
    ClaimantKind,
    Department,
    DepartmentStaff,
    Order,
    OrderEvent,
    OrderPhoto,
    SupervisorNote,
    Urgency,
    Whistle,
)
from .states import TRANSITIONS, State, actor_may

VIEW = "orders.view"
SUBMIT = "orders.submit"
HANDLE = "orders.handle"
CLAIM = "orders.claim"
WHISTLE = "orders.whistle"
SUPERVISE = "orders.supervise"
CONFIGURE = "orders.configure"
DEPARTMENT = "orders.department"

MAX_TITLE, MAX_TEXT, MAX_REASON, MAX_ADDRESS = 100, 2000, 500, 200
ORDER_LEVELS = (
    Level.STREET,
    Level.COMMUNITY,
    Level.VILLAGE,
    Level.GRID,
    Level.BUILDING,
    Level.UNIT,
    Level.HOUSEHOLD,
)
DEFAULT_POINTS = {"resolved": 5, "on_time": 2, "good_rating": 3, "bad_rating": -3, "rework": -2}

# Functions called on commit after every step: fn(order, step_name). Pillars and the interface
# register notifications here; they must not raise.
ON_TRANSITION: list[Callable] = []


def setting(name: str, default):
    return getattr(settings, name, default)


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _locked(obj):
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _actor_name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return str(user)[:150]


def _check(name: str, order: Order, by, *, already_claimed: bool = False) -> None:
    transition = TRANSITIONS[name]
    if order.state not in transition.sources:
        # "Someone was quicker" only when someone holds it; an order not yet accepted, or
        # withdrawn, is simply not claimable now.
        if already_claimed and order.claimant_id:
            raise _error(
                "state",
                _("Someone else has already claimed this order."),
                "already_claimed",
            )
        raise _error(
            "state",
            _("This cannot be done while the order is “%(state)s”.")
            % {"state": order.get_state_display()},
            "bad_state",
        )
    if not actor_may(transition, order, by):
        raise PermissionDenied(_("You do not have permission to do this here."))
    problem = transition.check_guard(order)
    if problem:
        raise _error("state", problem[1], problem[0])


def _reason(value, *, required: bool = True, field: str = "reason") -> str:
    text = (value or "").strip()
    if required and not text:
        raise _error(field, _("Please give the reason."), "required")
    if len(text) > MAX_REASON:
        raise _error(
            field,
            _("The text is too long (at most %(max)s characters).") % {"max": MAX_REASON},
            "too_long",
        )
    return text


def _step(
    order: Order,
    name: str,
    *,
    by,
    before: str,
    note: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> OrderEvent:
    """Append the order's history row and the audit event; run hooks on commit."""
    at = at or timezone.now()
    event = OrderEvent.objects.create(
        order=order,
        code=order.code,
        at=at,
        actor=by if getattr(by, "is_authenticated", False) else None,
        actor_name=_actor_name(by),
        transition=name,
        from_state=before,
        to_state=order.state,
        note=note,
        data=data or {},
    )
    events.record(
        AuditEvent.Verb.CREATE if name == "submit" else AuditEvent.Verb.CHANGE,
        by=by,
        obj=order,
        before={"state": before} if before else None,
        after={"state": order.state, "step": name, **(data or {})},
        purpose=note[:200],
    )
    order_id = order.pk

    def run_hooks():
        for hook in ON_TRANSITION:
            hook(Order.objects.get(pk=order_id), name)

    if ON_TRANSITION:
        transaction.on_commit(run_hooks)
    return event


def _save(order: Order, *fields: str) -> None:
    order.save(update_fields=[*fields, "updated_at"])


# --- points (item 6): the claimant's ledger --------------------------------------------------------
def _points(kind: str) -> int:
    table = {**DEFAULT_POINTS, **setting("SIXFOLD_ORDER_POINTS", {})}
    return table.get(kind, 0)


def _credit(order: Order, kind: str, *, by, on: dt.date | None = None, key_suffix: str = ""):
    amount = _points(kind)
    if not amount or order.claimant_id is None:
        return None
    return ledger.credit(
        order.claimant,
        points=amount,
        source=ledger.Source.ORDER,
        kind=f"order.{kind}",
        on=on or timezone.localdate(),
        ref=f"orders.order:{order.pk}",
        ref_url=f"/orders/{order.pk}/",
        reason=f"{_('Work order')} {order.number}"[:200],
        key=f"order:{order.pk}:{order.reopen_count}:{kind}{key_suffix}",
        by=by,
    )


def _reverse_points(order: Order) -> int:
    """Cancel the order's entries of the cycle that is being reopened."""
    from sixfold.points.models import LedgerEntry

    prefix = f"order:{order.pk}:{order.reopen_count}:"
    count = 0
    for entry in LedgerEntry.objects.filter(key__startswith=prefix, reverses__isnull=True):
        if LedgerEntry.objects.filter(reverses=entry).exists():
            continue
        ledger.reverse(entry, by=None, reason=_("Order reopened"), key=f"{entry.key}:reversed")
        count += 1
    return count


# --- numbering -------------------------------------------------------------------------------------
def next_number(at: dt.datetime) -> str:
    """GD + local date + a 4-digit sequence of the day (GD202611260001)."""
    day = timezone.localtime(at).strftime("%Y%m%d")
    prefix = f"GD{day}"
    last = (
        Order.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


# --- submit ------------------------------------------------------------------------------------------
def _clean_submission(data: dict) -> dict:
    errors: dict[str, list] = {}

    def add(field, message, code):
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    region = data.get("region")
    if isinstance(region, str):
        region = Region.objects.filter(code=region).first()
    if not isinstance(region, Region):
        add("region", _("Please choose where it is."), "required")
    elif region.level not in ORDER_LEVELS:
        add("region", _("Choose a community, grid, building or household."), "bad_level")

    category = data.get("category")
    if category is not None and not isinstance(category, Category):
        key = str(category)
        lookup = {"pk": int(key)} if key.isdigit() else {"slug": key}
        category = Category.objects.filter(**lookup).first()
    if category is None:
        add("category", _("Please choose a category."), "required")
    elif not category.active:
        add("category", _("This category is no longer in use."), "inactive")

    text = (data.get("text") or "").strip()
    if not text:
        add("text", _("Please describe the request."), "required")
    elif len(text) > MAX_TEXT:
        add(
            "text",
            _("The text is too long (at most %(max)s characters).") % {"max": MAX_TEXT},
            "too_long",
        )
    title = (data.get("title") or "").strip() or text[:30]
    if len(title) > MAX_TITLE:
        add(
            "title",
            _("The title is too long (at most %(max)s characters).") % {"max": MAX_TITLE},
            "too_long",
        )
    urgency = data.get("urgency") or (category.default_urgency if category else Urgency.GENERAL)
    if urgency not in Urgency.values:
        add("urgency", _("Please choose a valid option."), "invalid")
    channel = data.get("channel") or Channel.WEB
    if channel not in Channel.values:
        add("channel", _("Please choose a valid option."), "invalid")
    address = (data.get("address") or "").strip()
    if len(address) > MAX_ADDRESS:
        add(
            "address",
            _("The address is too long (at most %(max)s characters).") % {"max": MAX_ADDRESS},
            "too_long",
        )
    coordinates = {}
    for field, bound in (("latitude", 90), ("longitude", 180)):
        value = data.get(field)
        if value in (None, ""):
            coordinates[field] = None
            continue
        try:
            number = Decimal(str(value)).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite() or abs(number) > bound:
            add(field, _("Enter a valid coordinate."), "invalid")
        else:
            coordinates[field] = number
    name = (data.get("requester_name") or "").strip()
    if len(name) > 50:
        add("requester_name", _("The name is too long (at most 50 characters)."), "too_long")
    phone = normalize_phone(data.get("requester_phone") or "")
    if phone and not PHONE_PATTERN.fullmatch(phone):
        add(
            "requester_phone",
            _("Enter an 11-digit mobile number or a landline such as 0531-12345678."),
            "invalid",
        )
    if errors:
        raise ValidationError(errors)
    return {
        "region": region,
        "category": category,
        "text": text,
        "title": title,
        "urgency": urgency,
        "channel": channel,
        "address": address or region.address or "",
        "requester_name": name,
        "requester_phone": phone,
        "public": bool(data.get("public", True)),
        "anonymous": bool(data.get("anonymous", False)),
        "source_ref": str(data.get("source_ref") or "")[:64],
        **coordinates,
    }


def submit(data: dict, *, by) -> Order:
    """File an order (下单); see the module docstring for `data`."""
    cleaned = _clean_submission(data)
    region = cleaned["region"]
    if by is not None and not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Please log in first."))
    proxy = by is not None and by.has_scoped_perm(SUBMIT, region.code)
    if by is not None and not proxy and cleaned["channel"] not in (Channel.WEB, Channel.OPEN311):
        raise PermissionDenied(_("You do not have permission to do this here."))
    now = timezone.now()
    order = Order(
        region=region,
        code=region.code,
        category=cleaned["category"],
        channel=cleaned["channel"],
        title=cleaned["title"],
        text=cleaned["text"],
        urgency=cleaned["urgency"],
        public=cleaned["public"],
        anonymous=cleaned["anonymous"],
        address=cleaned["address"],
        latitude=cleaned["latitude"],
        longitude=cleaned["longitude"],
        requester_name=cleaned["requester_name"],
        source_ref=cleaned["source_ref"],
        submitted_at=now,
        state=State.SUBMITTED,
    )
    if proxy:
        order.proxy_by = by
        requester = data.get("requester")
        if requester is not None and getattr(requester, "pk", None):
            order.requester = requester
    elif by is not None:
        order.requester = by
        order.requester_name = order.requester_name or str(by)[:50]
    if cleaned["requester_phone"]:
        order.set_requester_phone(cleaned["requester_phone"])
    order.accept_due = sla.accept_due(order)
    for _attempt in range(5):
        order.number = next_number(now)
        try:
            with transaction.atomic():
                order.save()
                _step(order, "submit", by=by, before="", data={"channel": order.channel})
            return order
        except IntegrityError:
            # Two submissions took the same sequence number; take the next one.
            order.pk = None
            continue
    raise ValidationError(_("Please try again."), code="busy")


# --- community handling ------------------------------------------------------------------------------
@transaction.atomic
def accept(order: Order, *, by, urgency: str | None = None, category=None, note: str = "") -> Order:
    """受理: the community takes the order on; it enters the pool and its limits start."""
    order = _locked(order)
    _check("accept", order, by)
    if urgency is not None:
        if urgency not in Urgency.values:
            raise _error("urgency", _("Please choose a valid option."), "invalid")
        order.urgency = urgency
    if category is not None:
        if not isinstance(category, Category) or not category.active:
            raise _error("category", _("This category is no longer in use."), "inactive")
        order.category = category
    before, now = order.state, timezone.now()
    order.state = State.ACCEPTED
    order.accepted_at = now
    order.accept_overdue = order.accept_overdue or bool(order.accept_due and now > order.accept_due)
    order.claim_due, order.resolve_due = sla.claim_and_resolve_due(order)
    _save(
        order,
        "state",
        "urgency",
        "category",
        "accepted_at",
        "accept_overdue",
        "claim_due",
        "resolve_due",
    )
    _step(order, "accept", by=by, before=before, note=_reason(note, required=False), at=now)
    return order


@transaction.atomic
def reject(order: Order, *, by, reason: str) -> Order:
    order = _locked(order)
    _check("reject", order, by)
    reason = _reason(reason)
    before = order.state
    order.state, order.reason, order.closed_at = State.REJECTED, reason, timezone.now()
    _save(order, "state", "reason", "closed_at")
    _step(order, "reject", by=by, before=before, note=reason)
    return order


def _kind_of(user, order: Order, kind: str | None) -> str:
    if kind:
        if kind not in ClaimantKind.values:
            raise _error("kind", _("Please choose a valid option."), "invalid")
        return kind
    roles = user.role_codes() if hasattr(user, "role_codes") else set()
    for role, value in (
        ("party_member", ClaimantKind.PARTY_MEMBER),
        ("volunteer", ClaimantKind.VOLUNTEER),
        ("grid_worker", ClaimantKind.GRID_WORKER),
        ("property_staff", ClaimantKind.PROPERTY),
        ("department_staff", ClaimantKind.DEPARTMENT),
    ):
        if role in roles:
            return value
    return ClaimantKind.COMMUNITY


def open_claims(user) -> int:
    return Order.objects.claimed_by(user).count()


def _check_limit(user) -> None:
    # Lock the person's row so two claims of hers in parallel cannot both pass the count.
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    limit = setting("SIXFOLD_ORDER_MAX_OPEN_CLAIMS", 5)
    if open_claims(user) >= limit:
        raise _error(
            "claimant",
            _("%(name)s already holds %(count)s open orders, the most allowed.")
            % {"name": user, "count": limit},
            "claim_limit",
        )


def _take(order: Order, user, kind: str, now: dt.datetime) -> None:
    """The conditional UPDATE that makes a claim atomic: only an unclaimed accepted order moves."""
    taken = Order.objects.filter(pk=order.pk, state=State.ACCEPTED, claimant__isnull=True).update(
        state=State.CLAIMED,
        claimant=user,
        claimant_kind=kind,
        claimant_name=str(user)[:50],
        claimed_at=now,
        claim_overdue=order.claim_overdue or bool(order.claim_due and now > order.claim_due),
        updated_at=now,
    )
    if not taken:
        raise _error("state", _("Someone else has already claimed this order."), "already_claimed")
    order.refresh_from_db()


@transaction.atomic
def claim(order: Order, *, by, kind: str | None = None) -> Order:
    """领单: take an order from the pool. Of two claims at once exactly one wins; the other gets
    `already_claimed`."""
    order = _locked(order)
    _check("claim", order, by, already_claimed=True)
    if by is None:
        raise PermissionDenied(_("Please log in first."))
    if order.claimant_id:
        raise _error("state", _("Someone else has already claimed this order."), "already_claimed")
    kind = _kind_of(by, order, kind)
    _check_limit(by)
    before, now = order.state, timezone.now()
    _take(order, by, kind, now)
    _step(order, "claim", by=by, before=before, data={"claimant": by.pk, "kind": kind}, at=now)
    return order


def _eligible(user, order: Order) -> None:
    if user is None or not getattr(user, "is_active", False):
        raise _error("claimant", _("Choose who handles the order."), "required")
    if not (
        user.has_scoped_perm(CLAIM, order.code)
        or user.has_scoped_perm(HANDLE, order.code)
        or DepartmentStaff.objects.filter(user=user).exists()
    ):
        raise _error("claimant", _("This person may not handle orders here."), "not_eligible")


@transaction.atomic
def dispatch(order: Order, *, to, by, kind: str | None = None, note: str = "") -> Order:
    """派单: the community gives an accepted order to a person."""
    order = _locked(order)
    _check("dispatch", order, by, already_claimed=True)
    _eligible(to, order)
    kind = _kind_of(to, order, kind)
    _check_limit(to)
    before, now = order.state, timezone.now()
    _take(order, to, kind, now)
    _step(
        order,
        "dispatch",
        by=by,
        before=before,
        note=_reason(note, required=False),
        data={"claimant": to.pk, "kind": kind},
        at=now,
    )
    return order


@transaction.atomic
def return_order(order: Order, *, by, reason: str) -> Order:
    """退单: the claimant (or the community) gives the order back to the pool."""
    order = _locked(order)
    _check("return", order, by)
    reason = _reason(reason)
    before = order.state
    previous = order.claimant_id
    order.state, order.reason = State.ACCEPTED, reason
    order.claimant, order.claimant_kind, order.claimant_name = None, "", ""
    order.claimed_at = order.started_at = None
    _save(
        order, "state", "reason", "claimant", "claimant_kind", "claimant_name", "claimed_at",
        "started_at",
    )  # fmt: skip
    _step(order, "return", by=by, before=before, note=reason, data={"claimant": previous})
    return order


@transaction.atomic
def reassign(order: Order, *, to, by, kind: str | None = None, reason: str = "") -> Order:
    """改派: the community gives a claimed order to someone else."""
    order = _locked(order)
    _check("reassign", order, by)
    _eligible(to, order)
    if to.pk == order.claimant_id:
        raise _error("claimant", _("The order is already with this person."), "unchanged")
    kind = _kind_of(to, order, kind)
    _check_limit(to)
    before, previous, now = order.state, order.claimant_id, timezone.now()
    order.state = State.CLAIMED
    order.claimant, order.claimant_kind, order.claimant_name = to, kind, str(to)[:50]
    order.claimed_at, order.started_at = now, None
    order.reason = _reason(reason, required=False)
    _save(
        order, "state", "claimant", "claimant_kind", "claimant_name", "claimed_at", "started_at",
        "reason",
    )  # fmt: skip
    _step(
        order,
        "reassign",
        by=by,
        before=before,
        note=order.reason,
        data={"from": previous, "claimant": to.pk, "kind": kind},
        at=now,
    )
    return order


@transaction.atomic
def start(order: Order, *, by) -> Order:
    order = _locked(order)
    _check("start", order, by)
    before = order.state
    order.state, order.started_at = State.IN_PROGRESS, timezone.now()
    _save(order, "state", "started_at")
    _step(order, "start", by=by, before=before)
    return order


def _resolution(value) -> str:
    text = (value or "").strip()
    if not text:
        raise _error("resolution", _("Describe what was done."), "required")
    if len(text) > MAX_TEXT:
        raise _error(
            "resolution",
            _("The text is too long (at most %(max)s characters).") % {"max": MAX_TEXT},
            "too_long",
        )
    return text


def _mark_resolved(order: Order, resolution: str, now: dt.datetime) -> None:
    order.state, order.resolution, order.resolved_at = State.RESOLVED, resolution, now
    order.resolve_overdue = order.resolve_overdue or bool(
        order.resolve_due and now > order.resolve_due
    )
    _save(order, "state", "resolution", "resolved_at", "resolve_overdue")


@transaction.atomic
def resolve(order: Order, *, by, resolution: str) -> Order:
    """办结: the claimant reports the work done (photos as evidence: `add_photo`)."""
    order = _locked(order)
    _check("resolve", order, by)
    resolution = _resolution(resolution)
    before, now = order.state, timezone.now()
    _mark_resolved(order, resolution, now)
    _step(order, "resolve", by=by, before=before, note=resolution, at=now)
    return order


@transaction.atomic
def verify(order: Order, *, by, note: str = "") -> Order:
    """督单: the community checks the work; the claimant is credited."""
    order = _locked(order)
    _check("verify", order, by)
    before, now = order.state, timezone.now()
    order.state, order.verified_at = State.VERIFIED, now
    _save(order, "state", "verified_at")
    _step(order, "verify", by=by, before=before, note=_reason(note, required=False), at=now)
    _credit(order, "resolved", by=by)
    if order.resolve_due and order.resolved_at and order.resolved_at <= order.resolve_due:
        _credit(order, "on_time", by=by)
    return order


@transaction.atomic
def send_back(order: Order, *, by, reason: str) -> Order:
    """Send a resolved order back for rework (返工); counts against the claimant."""
    order = _locked(order)
    _check("send_back", order, by)
    reason = _reason(reason)
    before = order.state
    order.rework_count += 1
    order.state, order.reason = State.IN_PROGRESS if order.claimant_id else State.ACCEPTED, reason
    order.resolved_at = order.verified_at = None
    _save(order, "state", "reason", "rework_count", "resolved_at", "verified_at")
    _step(
        order, "send_back", by=by, before=before, note=reason, data={"rework": order.rework_count}
    )
    _credit(order, "rework", by=by, key_suffix=f":{order.rework_count}")
    return order


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise _error("rating", _("Give a rating from 1 to 5."), "invalid")
    return rating


def _finish_close(order: Order, *, by, before: str, now: dt.datetime, auto: bool, note: str):
    order.state, order.closed_at, order.auto_closed = State.CLOSED, now, auto
    order.reopen_until = now + dt.timedelta(days=setting("SIXFOLD_ORDER_REOPEN_DAYS", 15))
    _save(order, "state", "closed_at", "auto_closed", "reopen_until", "rating", "rating_comment",
          "rated_at")  # fmt: skip
    _step(
        order,
        "auto_close" if auto else "close",
        by=by,
        before=before,
        note=note,
        data={"rating": order.rating} if order.rating else {},
        at=now,
    )
    if order.rating is not None and order.rating >= 4:
        _credit(order, "good_rating", by=by)
    elif order.rating is not None and order.rating <= 2:
        _credit(order, "bad_rating", by=by)
    if order.public and setting("SIXFOLD_ORDER_AUTO_PUBLISH", True):
        _publish(order, by=None)


@transaction.atomic
def close(order: Order, *, by, rating, comment: str = "") -> Order:
    """The requester rates the work (1–5) and closes the order; public orders go on the board."""
    order = _locked(order)
    _check("close", order, by)
    order.rating = _rating(rating)
    order.rating_comment = _reason(comment, required=False, field="comment")
    now = timezone.now()
    order.rated_at = now
    _finish_close(order, by=by, before=order.state, now=now, auto=False, note=order.rating_comment)
    return order


@transaction.atomic
def auto_close(order: Order, *, now: dt.datetime | None = None) -> Order:
    """Close a verified order whose requester stayed silent (the timers call this)."""
    order = _locked(order)
    if order.state != State.VERIFIED:
        return order
    now = now or timezone.now()
    _finish_close(
        order,
        by=None,
        before=order.state,
        now=now,
        auto=True,
        note=_("No rating within %(days)s days.")
        % {"days": setting("SIXFOLD_ORDER_AUTO_CLOSE_DAYS", 7)},
    )
    return order


def _publish(order: Order, *, by) -> None:
    before = order.state
    order.state, order.published_at = State.PUBLISHED, timezone.now()
    _save(order, "state", "published_at")
    _step(order, "publish", by=by, before=before)


@transaction.atomic
def publish(order: Order, *, by) -> Order:
    """晒单: show a closed public order on the community's board."""
    order = _locked(order)
    _check("publish", order, by)
    _publish(order, by=by)
    return order


@transaction.atomic
def reopen(order: Order, *, by, reason: str) -> Order:
    """Reopen a closed order within the window; the claimant's credits for it are reversed."""
    order = _locked(order)
    _check("reopen", order, by)
    reason = _reason(reason)
    _reverse_points(order)
    before, now = order.state, timezone.now()
    order.reopen_count += 1
    order.state, order.reason = State.ACCEPTED, reason
    order.claimant, order.claimant_kind, order.claimant_name = None, "", ""
    order.claimed_at = order.started_at = order.resolved_at = order.verified_at = None
    order.closed_at = order.published_at = order.rated_at = order.reopen_until = None
    order.rating, order.rating_comment, order.auto_closed = None, "", False
    order.accepted_at = now
    order.claim_overdue = order.resolve_overdue = False
    order.escalation_level = 0
    order.claim_due, order.resolve_due = sla.claim_and_resolve_due(order)
    order.save()
    _step(order, "reopen", by=by, before=before, note=reason, at=now)
    return order


@transaction.atomic
def cancel(order: Order, *, by, reason: str = "") -> Order:
    """The requester withdraws her order."""
    order = _locked(order)
    _check("cancel", order, by)
    reason = _reason(reason, required=False)
    before = order.state
    order.state, order.reason, order.closed_at = State.CANCELLED, reason, timezone.now()
    _save(order, "state", "reason", "closed_at")
    _step(order, "cancel", by=by, before=before, note=reason)
    return order


@transaction.atomic
def merge(order: Order, *, into: Order, by, note: str = "") -> Order:
    """Merge a duplicate into the order that stays (the requester follows that one)."""
    order = _locked(order)
    _check("merge", order, by)
    # Only into an order still being handled: a duplicate merged into a finished one would be
    # closed without anyone looking at it again.
    if into is None or into.pk == order.pk or into.state not in OPEN_STATES:
        raise _error("into", _("Choose another open order to merge into."), "invalid")
    if by is not None and not by.has_scoped_perm(VIEW, into.code):
        raise _error("into", _("Choose another open order to merge into."), "invalid")
    before = order.state
    order.state, order.merged_into, order.closed_at = State.MERGED, into, timezone.now()
    _save(order, "state", "merged_into", "closed_at")
    note = _reason(note, required=False)
    _step(order, "merge", by=by, before=before, note=note, data={"into": into.number})
    return order


def suggest_duplicates(order: Order, *, days: int = 3, limit: int = 5) -> list[Order]:
    """Open orders of the same category at the same place (or its grid) filed within `days`."""
    place = order.code[:16] if len(order.code) >= 16 else order.code
    window = dt.timedelta(days=days)
    return list(
        Order.objects.filter(
            category=order.category,
            code__startswith=place,
            submitted_at__gte=order.submitted_at - window,
            submitted_at__lte=order.submitted_at + window,
            state__in=(State.SUBMITTED, State.ACCEPTED, State.CLAIMED, State.IN_PROGRESS),
        )
        .exclude(pk=order.pk)
        .order_by("submitted_at")[:limit]
    )


@transaction.atomic
def add_note(order: Order, *, by, text: str) -> SupervisorNote:
    """督办: a supervisor's note on an open order (the timers write their own, `automatic`)."""
    order = _locked(order)
    _check("note", order, by)
    text = _reason(text, field="text")
    note = SupervisorNote.objects.create(
        order=order, code=order.code, text=text, by=by, level=order.escalation_level,
        at=timezone.now(),
    )  # fmt: skip
    _step(order, "note", by=by, before=order.state, note=text)
    return note


# --- whistle and report (吹哨报到, S24) -------------------------------------------------------------
@transaction.atomic
def whistle(order: Order, *, department: Department, kind: str, reason: str, by) -> Whistle:
    """吹哨: escalate an order to a department, which must report within its limit."""
    order = _locked(order)
    _check("whistle", order, by)
    errors = {}
    if not isinstance(department, Department) or not department.active:
        errors["department"] = [ValidationError(_("Choose a department."), code="required")]
    if kind not in Whistle.Kind.values:
        errors["kind"] = [ValidationError(_("Please choose a valid option."), code="invalid")]
    if errors:
        raise ValidationError(errors)
    reason = _reason(reason)
    if (
        order.whistles.filter(department=department)
        .exclude(status=Whistle.Status.FINISHED)
        .exists()
    ):
        raise _error(
            "department", _("This department has already been called to this order."), "duplicate"
        )
    now = timezone.now()
    item = Whistle.objects.create(
        order=order,
        code=order.code,
        department=department,
        kind=kind,
        reason=reason,
        by=by,
        at=now,
        ack_due=sla.ack_due(department, kind, now),
    )
    _step(
        order,
        "whistle",
        by=by,
        before=order.state,
        note=reason,
        data={"department": department.name, "kind": kind},
        at=now,
    )
    return item


def _staff_check(item: Whistle, by) -> None:
    if by is None:
        return
    if getattr(by, "is_superuser", False):
        return
    if (
        not by.has_scoped_perm(DEPARTMENT, item.code)
        or not DepartmentStaff.objects.filter(user=by, department_id=item.department_id).exists()
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))


@transaction.atomic
def acknowledge(item: Whistle, *, by) -> Whistle:
    """报到: the department confirms it has taken the matter on."""
    item = _locked(item)
    _staff_check(item, by)
    if item.status != Whistle.Status.WAITING:
        raise _error("status", _("The department has already reported."), "bad_state")
    now = timezone.now()
    item.status, item.acknowledged_at, item.acknowledged_by = Whistle.Status.ACKNOWLEDGED, now, by
    item.ack_overdue = now > item.ack_due
    item.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "ack_overdue",
                             "updated_at"])  # fmt: skip
    order = item.order
    _step(order, "acknowledge", by=by, before=order.state,
          data={"department": item.department.name, "late": item.ack_overdue}, at=now)  # fmt: skip
    return item


@transaction.atomic
def department_resolve(item: Whistle, *, by, result: str) -> Whistle:
    """The department reports what it did; an order still open is resolved with that report."""
    item = _locked(item)
    _staff_check(item, by)
    if item.status != Whistle.Status.ACKNOWLEDGED:
        raise _error("status", _("Report to the order first, then finish."), "bad_state")
    result = _resolution(result)
    now = timezone.now()
    item.status, item.result, item.finished_at, item.finished_by = (
        Whistle.Status.FINISHED, result, now, by,
    )  # fmt: skip
    item.save(update_fields=["status", "result", "finished_at", "finished_by", "updated_at"])
    order = _locked(item.order)
    if order.state in TRANSITIONS["department_resolve"].sources:
        before = order.state
        if order.claimant_id is None:
            order.claimant, order.claimant_kind = by, ClaimantKind.DEPARTMENT
            order.claimant_name = item.department.name
            order.claimed_at = order.claimed_at or now
            _save(order, "claimant", "claimant_kind", "claimant_name", "claimed_at")
        _mark_resolved(order, result, now)
        _step(order, "department_resolve", by=by, before=before, note=result,
              data={"department": item.department.name}, at=now)  # fmt: skip
    return item


@transaction.atomic
def rate_department(item: Whistle, *, by, rating, comment: str = "") -> Whistle:
    """The community rates a department's work on a finished whistle."""
    item = _locked(item)
    ensure_perm(by, HANDLE, item.code)
    if item.status != Whistle.Status.FINISHED:
        raise _error("status", _("Rate the department once it has finished."), "bad_state")
    item.rating = _rating(rating)
    item.rating_comment = _reason(comment, required=False, field="comment")
    item.rated_by = by
    item.save(update_fields=["rating", "rating_comment", "rated_by", "updated_at"])
    _step(item.order, "department_rate", by=by, before=item.order.state,
          note=item.rating_comment, data={"department": item.department.name,
                                          "rating": item.rating})  # fmt: skip
    return item


# --- photos --------------------------------------------------------------------------------------
IMAGE_TYPES = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a JPEG, PNG or WebP by its first bytes, else None."""
    for magic, extension, content_type in IMAGE_TYPES:
        if head.startswith(magic):
            return extension, content_type
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None


@transaction.atomic
def add_photo(order: Order, *, upload, by, kind: str = OrderPhoto.Kind.REQUEST) -> OrderPhoto:
    """Attach a photo (request or evidence). The requester, the claimant and handlers may."""
    order = _locked(order)
    if by is not None and not (
        order.requester_id == by.pk
        or order.claimant_id == by.pk
        or by.has_scoped_perm(HANDLE, order.code)
        or by.has_scoped_perm(SUBMIT, order.code)
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if kind not in OrderPhoto.Kind.values:
        raise _error("kind", _("Please choose a valid option."), "invalid")
    limit = setting("SIXFOLD_ORDER_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _error(
            "photo",
            _("The photo is too large (at most %(mb)s MB).") % {"mb": round(limit / 1048576, 1)},
            "too_large",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _error(
            "photo",
            _("The photo is too large (at most %(mb)s MB).") % {"mb": round(limit / 1048576, 1)},
            "too_large",
        )
    sniffed = sniff_image(data[:16])
    if not data or sniffed is None:
        raise _error("photo", _("Upload a JPEG, PNG or WebP image."), "bad_type")
    extension, content_type = sniffed
    photo = OrderPhoto(
        order=order,
        code=order.code,
        kind=kind,
        token=secrets.token_hex(16),
        extension=extension,
        content_type=content_type,
        size=len(data),
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    photo.file.save(f"{photo.token}.{extension}", ContentFile(data), save=False)
    photo.save()
    _step(order, "photo", by=by, before=order.state, data={"kind": kind, "photo": photo.token})
    return photo
