"""Pages of the work orders (S9 群众下单 → 党员领单 → 社区督单 → 公开晒单, S24 吹哨报到).

* Residents: file an order on a phone (`orders:submit`, presets `?region=CODE&category=SLUG`),
  follow their own, cancel, rate, reopen.
* Claimers (party members, volunteers, grid workers): the community's pool with an HTMX claim
  button, their claimed orders (start, resolve with evidence, return).
* The community desk: the list by state with filters and Excel export, the kanban, overdue
  orders, and on each order the steps its state allows (accept, dispatch, verify …).
* Department staff: the orders whistled to their department, report (报到) and finish.
* Anyone: the public board (晒单) per community and its printable weekly notice.

The same rules as every page: orders come only from `Order.objects.visible_to(user)` (or the
narrower lists of `sixfold.orders.queries`) and one order is fetched with `get_object_or_404` on
that queryset, so "missing" and "not yours" are the same 404; every change is a call to an action
in `sixfold.orders.actions`, whose `ValidationError` goes back onto the form field by field and
whose `PermissionDenied` is a 403. Which buttons a user sees comes from `states.available`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sixfold.core.forms import apply_errors
from sixfold.core.models import AuditEvent, Household, Level, Region
from sixfold.core.views import list_context, styled_filterset

from . import actions, exports, queries
from . import rates as rate_figures
from .filters import OrderFilter
from .forms import (
    AcceptForm,
    CancelForm,
    DepartmentRateForm,
    EmptyForm,
    MergeForm,
    OptionalNoteForm,
    PersonForm,
    PhotoForm,
    RateForm,
    ReasonForm,
    ResolveForm,
    ResultForm,
    SubmitForm,
    SupervisorNoteForm,
    WhistleForm,
)
from .models import OPEN_STATES, Category, ClaimantKind, Order, OrderPhoto, Whistle
from .states import TRANSITIONS, State, available

PAGE_SIZE = 30
KANBAN_STATES = (
    State.SUBMITTED,
    State.ACCEPTED,
    State.CLAIMED,
    State.IN_PROGRESS,
    State.RESOLVED,
    State.VERIFIED,
)
KANBAN_CARDS = 25
ALIASES = {"photo": "photos", "claimant": "to", "into": "into", "text": "text"}


# --- helpers ---------------------------------------------------------------------------------------
def acting_user(request):
    """The request's user as a model instance (actions lock its row through its class)."""
    user = request.user
    return getattr(user, "_wrapped", user) if user.is_authenticated else user


def paginate(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def visible_order(user, pk, queryset=None):
    queryset = queryset if queryset is not None else Order.objects.visible_to(user)
    return get_object_or_404(queryset, pk=pk)


def require_staff(user, perm: str = actions.VIEW) -> None:
    if not user.holds_perm(perm):
        raise PermissionDenied


def places_for(user, preset: Region | None):
    """(code, label) of the places a person may file an order for: her household and what is
    around it, the nodes a worker sees, and the place a link preset."""
    options: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(region: Region | None, label: str | None = None):
        if region is None or region.code in seen:
            return
        seen.add(region.code)
        options.append((region.code, label or region.address or region.name))

    households = [a.region for a in user.active_assignments() if a.region.level == Level.HOUSEHOLD]
    addresses = dict(
        Household.objects.filter(code__in=[h.code for h in households]).values_list(
            "code", "address"
        )
    )
    homes = {}
    for household in households:
        address = addresses.get(household.code) or household.address
        homes[household.code] = (
            _("My home: %(address)s") % {"address": address} if address else _("My home")
        )
    if preset is not None:
        # Her own home stays "My home" when a link or a form sent back with errors presets it.
        add(preset, homes.get(preset.code))
    for household in households:
        add(household, homes[household.code])
    codes = {
        code[:length]
        for household in households
        for code in [household.code]
        for length in (21, 12)
    }
    for region in Region.objects.filter(code__in=codes).order_by("-code"):
        add(region)
    if user.holds_perm(actions.SUBMIT):
        for region in (
            Region.objects.visible_to(user, actions.SUBMIT)
            .of_level(Level.COMMUNITY, Level.VILLAGE, Level.GRID)
            .select_related("parent")
            .order_by("code")[:300]
        ):
            add(
                region,
                f"{region.parent.name} · {region.name}" if region.level == Level.GRID else None,
            )
    return options


def _add_photos(order, files, user, kind):
    for upload in files:
        actions.add_photo(order, upload=upload, by=user, kind=kind)


def run_form(form, action, aliases=None):
    """Run `action(cleaned_data)` on a valid form; an action's ValidationError marks the form."""
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            return action(form.cleaned_data) or True
    except ValidationError as exc:
        apply_errors(form, exc, aliases or ALIASES)
        return None


# --- home ------------------------------------------------------------------------------------------
@login_required
def home(request):
    user = request.user
    mine = Order.objects.filter(requester=user)
    context = {
        "mine_open": mine.filter(state__in=OPEN_STATES).count(),
        "to_rate": mine.filter(state=State.VERIFIED).count(),
        "can_claim": user.holds_perm(actions.CLAIM),
        "can_desk": user.holds_perm(actions.VIEW),
        "is_department": user.holds_perm(actions.DEPARTMENT),
    }
    if context["can_claim"]:
        context["pool"] = Order.objects.pool(user).count()
        context["claimed"] = Order.objects.claimed_by(user).count()
    if context["can_desk"]:
        scope = queries.in_scope(user)
        context["desk"] = scope.aggregate(
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            waiting=Count("pk", filter=Q(state=State.SUBMITTED)),
            resolved=Count("pk", filter=Q(state=State.RESOLVED)),
            overdue=Count("pk", filter=queries.overdue_q() & Q(state__in=OPEN_STATES)),
        )
    if context["is_department"]:
        context["department_waiting"] = (
            queries.department_whistles(user).filter(status=Whistle.Status.WAITING).count()
        )
    return render(request, "orders/home.html", context)


# --- residents -------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def submit(request):
    """下单: a resident's request in under a minute. `?region=CODE&category=SLUG` preset it."""
    user = acting_user(request)
    preset = None
    code = (request.GET.get("region") or request.POST.get("region") or "").strip()
    if code:
        preset = (
            Region.objects.filter(code=code[:40], level__in=actions.ORDER_LEVELS)
            .select_related("parent")
            .first()
        )
    places = places_for(user, preset)
    proxy = user.holds_perm(actions.SUBMIT)
    initial = {"public": True, "urgency": "general"}
    if places:
        initial["region"] = preset.code if preset else places[0][0]
    category = (request.GET.get("category") or "").strip()
    if category and Category.objects.filter(slug=category[:40], active=True).exists():
        initial["category"] = category
    title = " ".join((request.GET.get("title") or "").split())[: actions.MAX_TITLE]
    if title:
        # A request for a venue's service (服务阵地) names it.
        initial["title"] = title
    form = SubmitForm(
        request.POST or None,
        request.FILES or None,
        places=places,
        proxy=proxy,
        initial=initial,
    )
    if request.method == "POST":

        def file_order(data):
            address = data.get("address", "")
            if not address:
                # The requester's home: its register address says where to go.
                address = (
                    Household.objects.filter(code=data["region"])
                    .values_list("address", flat=True)
                    .first()
                    or ""
                )
            payload = {
                "region": data["region"],
                "category": data["category"],
                "text": data["text"],
                "title": data.get("title", ""),
                "urgency": data["urgency"],
                "address": address,
                "public": data.get("public", False),
            }
            for key in ("channel", "requester_name", "requester_phone", "anonymous"):
                if key in data:
                    payload[key] = data[key]
            order = actions.submit(payload, by=user)
            _add_photos(order, data["photos"], user, OrderPhoto.Kind.REQUEST)
            return order

        order = run_form(form, file_order)
        if order:
            messages.success(
                request,
                _("Your order %(number)s has been filed. You can follow it here.")
                % {"number": order.number},
            )
            return redirect("orders:detail", pk=order.pk)
    return render(
        request,
        "orders/submit.html",
        {"form": form, "proxy": proxy},
        status=400 if form.errors else 200,
    )


@login_required
def mine(request):
    queryset = queries.list_rows(Order.objects.filter(requester=request.user)).order_by(
        "-submitted_at", "-id"
    )
    state = request.GET.get("state")
    if state == "open":
        queryset = queryset.filter(state__in=OPEN_STATES)
    elif state == "done":
        queryset = queryset.exclude(state__in=OPEN_STATES)
    return render(
        request,
        "orders/mine.html",
        {"page": paginate(request, queryset), "state": state},
    )


# --- one order -------------------------------------------------------------------------------------
@login_required
def detail(request, pk):
    user = request.user
    order = visible_order(user, pk, queries.with_timeline(Order.objects.visible_to(user)))
    steps = available(order, user)
    names = {step.name for step in steps}
    can_handle = user.has_scoped_perm(actions.HANDLE, order.code)
    own_whistles = set()
    if user.holds_perm(actions.DEPARTMENT):
        own_whistles = set(
            queries.department_whistles(user).filter(order=order).values_list("pk", flat=True)
        )
    whistles = list(order.whistles.all())
    for item in whistles:
        item.mine = item.pk in own_whistles
        item.can_rate = can_handle and item.status == Whistle.Status.FINISHED
    events = list(order.events.all())
    full = queries.may_see_requester(user, order)
    photos = list(order.photos.all())
    # The requester of a duplicate follows the order it was merged into; when that is someone
    # else's, she sees its progress on her own order's page instead of a link that would 404.
    merged_into_visible = bool(
        order.merged_into_id
        and Order.objects.visible_to(user).filter(pk=order.merged_into_id).exists()
    )
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "merged_into_visible": merged_into_visible,
            "steps": steps,
            "step_names": names,
            "quick_steps": [s for s in steps if s.name in QUICK_STEPS],
            "form_steps": [s for s in steps if s.name not in QUICK_STEPS],
            "events": events,
            "whistles": whistles,
            "notes": list(order.notes.all()),
            "photos": photos,
            "full": full,
            "can_add_photos": order.is_open
            and (order.requester_id == user.pk or order.claimant_id == user.pk or can_handle),
            "duplicates": actions.suggest_duplicates(order) if "merge" in names else [],
            "calendar_warning": actions.sla.calendar_warning(order) if full else None,
        },
    )


@dataclass(frozen=True)
class Step:
    """How a page runs one transition: its form and the action call."""

    form: type
    run: Callable
    # Ask on a page of its own before doing it (destructive or needing input).
    page: bool = True
    danger: bool = False


def _person(form, data):
    person = form.people.get(data["to"])
    if person is None:
        form.add_error("to", _("Choose who handles the order."))
        raise _Invalid
    return person


class _Invalid(Exception):
    """The form got its error already; nothing was done."""


def _merge(order, user, data, form):
    into = (
        Order.objects.visible_to(user, actions.VIEW)
        .filter(number=data["into"].strip().upper())
        .first()
    )
    if into is None:
        form.add_error("into", _("No order with this number in your area."))
        raise _Invalid
    return actions.merge(order, into=into, by=user, note=data["note"])


def _resolve(order, user, data, form):
    order = actions.resolve(order, by=user, resolution=data["resolution"])
    _add_photos(order, data["photos"], user, OrderPhoto.Kind.EVIDENCE)
    return order


STEPS: dict[str, Step] = {
    "accept": Step(
        AcceptForm,
        lambda o, u, d, f: actions.accept(o, by=u, urgency=d["urgency"], note=d["note"]),
    ),
    "reject": Step(
        ReasonForm, lambda o, u, d, f: actions.reject(o, by=u, reason=d["reason"]), danger=True
    ),
    "claim": Step(EmptyForm, lambda o, u, d, f: actions.claim(o, by=u), page=False),
    "dispatch": Step(
        PersonForm,
        lambda o, u, d, f: actions.dispatch(o, to=_person(f, d), by=u, note=d["note"]),
    ),
    "return": Step(
        ReasonForm,
        lambda o, u, d, f: actions.return_order(o, by=u, reason=d["reason"]),
        danger=True,
    ),
    "reassign": Step(
        PersonForm,
        lambda o, u, d, f: actions.reassign(o, to=_person(f, d), by=u, reason=d["note"]),
    ),
    "start": Step(EmptyForm, lambda o, u, d, f: actions.start(o, by=u), page=False),
    "resolve": Step(ResolveForm, _resolve),
    "verify": Step(
        OptionalNoteForm, lambda o, u, d, f: actions.verify(o, by=u, note=d["note"]), page=False
    ),
    "send_back": Step(
        ReasonForm, lambda o, u, d, f: actions.send_back(o, by=u, reason=d["reason"]), danger=True
    ),
    "close": Step(
        RateForm,
        lambda o, u, d, f: actions.close(o, by=u, rating=d["rating"], comment=d["comment"]),
    ),
    "publish": Step(EmptyForm, lambda o, u, d, f: actions.publish(o, by=u), page=False),
    "reopen": Step(ReasonForm, lambda o, u, d, f: actions.reopen(o, by=u, reason=d["reason"])),
    "cancel": Step(
        CancelForm, lambda o, u, d, f: actions.cancel(o, by=u, reason=d["reason"]), danger=True
    ),
    "merge": Step(MergeForm, _merge, danger=True),
    "note": Step(SupervisorNoteForm, lambda o, u, d, f: actions.add_note(o, by=u, text=d["text"])),
    "whistle": Step(
        WhistleForm,
        lambda o, u, d, f: actions.whistle(
            o, department=d["department"], kind=d["kind"], reason=d["reason"], by=u
        ),
    ),
}
QUICK_STEPS = {name for name, step in STEPS.items() if not step.page}
STEP_DONE = {
    "accept": gettext_lazy("Accepted: the order is in the community's pool now."),
    "claim": gettext_lazy("You have claimed the order. Thank you!"),
    "resolve": gettext_lazy("Reported as resolved; the community will verify it."),
    "close": gettext_lazy("Thank you for your rating."),
}


def _step_form(name, order, user, data=None, files=None, query=None):
    spec = STEPS[name]
    kwargs = {}
    if spec.form is PersonForm:
        kwargs["people"] = [p for p in queries.candidates(order) if p.pk != order.claimant_id]
    if name == "accept":
        kwargs["initial"] = {"urgency": order.urgency}
    if name == "merge" and query is not None:
        # A suggested duplicate's link fills in its number; the merge is still confirmed here.
        kwargs["initial"] = {"into": (query.get("into") or "").strip()[:20]}
    return spec.form(data, files, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def step(request, pk, name):
    """One transition of one order: a page with its form (GET), the action (POST)."""
    user = acting_user(request)
    if name not in STEPS:
        raise Http404
    visible = Order.objects.visible_to(user)
    if name == "claim" and request.method == "POST":
        # An order someone else took a moment ago has left the pool: the loser of the race is
        # told so, not "not found".
        visible = visible | queries.in_scope(user, actions.CLAIM)
    order = visible_order(user, pk, queries.with_timeline(visible))
    spec = STEPS[name]
    htmx = request.headers.get("HX-Request") == "true"
    transition = TRANSITIONS[name]
    if request.method == "GET" and not spec.page:
        return redirect("orders:detail", pk=order.pk)
    posted = request.method == "POST"
    form = _step_form(
        name,
        order,
        user,
        request.POST if posted else None,
        request.FILES if posted else None,
        query=request.GET,
    )
    error = None
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    spec.run(order, user, form.cleaned_data, form)
            except _Invalid:
                pass
            except PermissionDenied:
                raise
            except ValidationError as exc:
                apply_errors(form, exc, ALIASES)
            else:
                done = STEP_DONE.get(name) or _("Done: %(step)s.") % {"step": transition.label}
                if htmx:
                    order.refresh_from_db()
                    return render(
                        request, "orders/includes/claim_result.html", {"order": order, "ok": done}
                    )
                messages.success(request, done)
                if name == "claim" and request.POST.get("next") == "pool":
                    return redirect("orders:pool")
                return redirect("orders:detail", pk=order.pk)
        error = " ".join(form.non_field_errors()) or " ".join(
            str(message) for errors in form.errors.values() for message in errors
        )
        if htmx:
            order.refresh_from_db()
            return render(
                request,
                "orders/includes/claim_result.html",
                {"order": order, "error": error},
            )
        if not spec.page:
            messages.error(request, error)
            if name == "claim" and request.POST.get("next") == "pool":
                return redirect("orders:pool")
            return redirect("orders:detail", pk=order.pk)
    if transition not in available(order, user) and request.method == "GET":
        # Nothing to do here (the state moved on, or the button is not this user's).
        messages.info(request, _("This step is not available for this order now."))
        return redirect("orders:detail", pk=order.pk)
    return render(
        request,
        "orders/step.html",
        {
            "order": order,
            "form": form,
            "name": name,
            "transition": transition,
            "danger": spec.danger,
            "duplicates": actions.suggest_duplicates(order) if name == "merge" else [],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def add_photos(request, pk):
    user = acting_user(request)
    order = visible_order(user, pk)
    form = PhotoForm(request.POST, request.FILES)
    kind = (
        OrderPhoto.Kind.EVIDENCE
        if order.claimant_id == user.pk and order.state in (State.CLAIMED, State.IN_PROGRESS)
        else OrderPhoto.Kind.REQUEST
    )
    try:
        done = run_form(form, lambda data: _add_photos(order, data["photos"], user, kind) or True)
    except PermissionDenied:
        raise
    if done:
        messages.success(request, _("Photos added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("orders:detail", pk=order.pk)


def photo(request, pk, token):
    """A photo of an order: to whoever sees the order, and evidence of a board order to anyone."""
    user = request.user
    found = OrderPhoto.objects.filter(order_id=pk, token=token[:32]).select_related("order").first()
    if found is None:
        raise Http404
    order = found.order
    on_board = (
        order.state == State.PUBLISHED and order.public and found.kind == OrderPhoto.Kind.EVIDENCE
    )
    if not on_board and not Order.objects.visible_to(user).filter(pk=order.pk).exists():
        raise Http404
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=found.content_type)
    response["Cache-Control"] = "public, max-age=86400" if on_board else "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- claimers ----------------------------------------------------------------------------------------
@login_required
def pool(request):
    user = request.user
    require_staff(user, actions.CLAIM)
    queryset = queries.list_rows(Order.objects.pool(user)).order_by("-urgency", "accepted_at", "id")
    category = (request.GET.get("category") or "").strip()
    if category:
        queryset = queryset.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    page = paginate(request, queryset)
    places = queries.public_place(page.object_list)
    for order in page.object_list:
        order.place = places.get(order.pk, "")
    return render(
        request,
        "orders/pool.html",
        {
            "page": page,
            "categories": Category.objects.filter(active=True, parent__isnull=True),
            "category": category,
            "open_claims": actions.open_claims(user),
            "limit": actions.setting("SIXFOLD_ORDER_MAX_OPEN_CLAIMS", 5),
        },
    )


@login_required
def claimed(request):
    user = request.user
    queryset = queries.list_rows(Order.objects.filter(claimant=user)).order_by("-claimed_at", "-id")
    state = request.GET.get("state") or "open"
    if state == "open":
        queryset = queryset.filter(state__in=OPEN_STATES)
    return render(
        request, "orders/claimed.html", {"page": paginate(request, queryset), "state": state}
    )


# --- the community desk ----------------------------------------------------------------------------
def desk_filterset(request):
    user = request.user
    require_staff(user)
    queryset = queries.list_rows(queries.in_scope(user)).order_by("-submitted_at", "-id")
    return styled_filterset(OrderFilter(request.GET or None, queryset=queryset), user)


@login_required
def desk(request, overdue: bool = False):
    data = request.GET.copy()
    if overdue:
        data["overdue"] = "true"
        data.setdefault("open", "true")
    request.GET = data
    filterset = desk_filterset(request)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "orders/desk.html",
        list_context(
            request,
            filterset,
            page,
            overdue=overdue,
            can_export=True,
            title=_("Overdue orders") if overdue else _("Community desk"),
        ),
    )


@login_required
def overdue(request):
    return desk(request, overdue=True)


@login_required
def kanban(request):
    filterset = desk_filterset(request)
    queryset = filterset.qs
    counts = dict(
        queryset.filter(state__in=KANBAN_STATES)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    columns = []
    for state in KANBAN_STATES:
        cards = list(queryset.filter(state=state).order_by("submitted_at", "id")[:KANBAN_CARDS])
        columns.append(
            {
                "state": state,
                "label": State(state).label,
                "cards": cards,
                "count": counts.get(state, 0),
            }
        )
    return render(
        request,
        "orders/kanban.html",
        {"filter": filterset, "columns": columns, "filters_active": bool(request.GET)},
    )


@login_required
def export(request):
    filterset = desk_filterset(request)
    user = request.user
    scope = ",".join(user.scope_prefixes(actions.VIEW))[:40]
    from sixfold.core import events

    events.record(
        AuditEvent.Verb.EXPORT,
        by=user,
        object_type="orders.export",
        object_repr=_("Work orders (Excel)"),
        scope_code=scope.split(",")[0] if scope else "",
        after={k: v for k, v in request.GET.items() if k != "page"} or None,
    )
    return exports.orders_workbook(filterset.qs)


# --- departments -----------------------------------------------------------------------------------
# States of an order sent back to the department that resolved it.
REWORK_STATES = (State.CLAIMED, State.IN_PROGRESS)


@login_required
def department(request):
    user = request.user
    require_staff(user, actions.DEPARTMENT)
    status = request.GET.get("status") or "open"
    queryset = queries.department_whistles(user).order_by("-at", "-id")
    if status == "open":
        # A finished whistle whose order the community sent back for rework (返工) is the
        # department's work again: it stays on the list until the order is resolved anew.
        queryset = queryset.filter(
            ~Q(status=Whistle.Status.FINISHED)
            | Q(
                order__state__in=REWORK_STATES,
                order__claimant_kind=ClaimantKind.DEPARTMENT,
                order__claimant_name=F("department__name"),
            )
        )
    elif status in Whistle.Status.values:
        queryset = queryset.filter(status=status)
    return render(
        request,
        "orders/department.html",
        {
            "page": paginate(request, queryset),
            "status": status,
            "now": timezone.now(),
            "rework_states": REWORK_STATES,
            "rework_label": TRANSITIONS["send_back"].label,
        },
    )


WHISTLE_STEPS = {
    "acknowledge": (EmptyForm, lambda w, u, d: actions.acknowledge(w, by=u)),
    "finish": (ResultForm, lambda w, u, d: actions.department_resolve(w, by=u, result=d["result"])),
    "rate": (
        DepartmentRateForm,
        lambda w, u, d: actions.rate_department(w, by=u, rating=d["rating"], comment=d["comment"]),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def whistle_step(request, pk, name):
    user = acting_user(request)
    if name not in WHISTLE_STEPS:
        raise Http404
    visible_orders = Order.objects.visible_to(user).values("pk")
    item = get_object_or_404(
        Whistle.objects.filter(order__in=visible_orders).select_related("order", "department"),
        pk=pk,
    )
    form_class, run = WHISTLE_STEPS[name]
    form = form_class(request.POST if request.method == "POST" else None)
    back_to_order = name == "rate" or request.POST.get("next") == "detail"
    if request.method == "POST":
        if run_form(form, lambda data: run(item, user, data)):
            messages.success(request, _("Saved."))
            if back_to_order:
                return redirect("orders:detail", pk=item.order_id)
            return redirect("orders:department")
        if form_class is EmptyForm:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect(
                "orders:detail" if back_to_order else "orders:department",
                **({"pk": item.order_id} if back_to_order else {}),
            )
    return render(
        request,
        "orders/whistle_step.html",
        {"item": item, "order": item.order, "form": form, "name": name},
        status=400 if form.errors else 200,
    )


# --- evaluation --------------------------------------------------------------------------------------
RATE_NAMES = [
    ("response", gettext_lazy("Response rate")),
    ("resolution", gettext_lazy("Resolution rate")),
    ("satisfaction", gettext_lazy("Satisfaction rate")),
    ("on_time_closure", gettext_lazy("On-time closure rate")),
    ("rework", gettext_lazy("Rework rate")),
    ("overdue", gettext_lazy("Overdue rate")),
]


def _number(value):
    return None if value is None else float(value)


def rate_period(request) -> tuple[dt.date, dt.date]:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, by default from the first of the year to today."""
    today = timezone.localdate()
    start, end = dt.date(today.year, 1, 1), today
    for key in ("from", "to"):
        raw = (request.GET.get(key) or "").strip()[:10]
        if not raw:
            continue
        try:
            value = queries.clamp_day(dt.date.fromisoformat(raw))
        except ValueError:
            continue
        if key == "from":
            start = value
        else:
            end = value
    if end < start:
        start, end = end, start
    return start, end


def rate_scope(user, code: str) -> Region | None:
    regions = Region.objects.visible_to(user, actions.VIEW).select_related("parent")
    if code:
        return get_object_or_404(regions, code=code[:40])
    prefixes = user.scope_prefixes(actions.VIEW)
    if user.is_superuser:
        return Region.objects.filter(level=Level.STREET).order_by("code").first()
    return regions.filter(code__in=prefixes).order_by("code").first()


def _months(end: dt.date, count: int = 6) -> list[tuple[dt.date, dt.date]]:
    months = []
    year, month = end.year, end.month
    for _i in range(count):
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        months.append((first, min(end, following - dt.timedelta(days=1))))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


@login_required
def rates(request):
    """三率 and the other rates of a scope and period, its communities compared, departments."""
    user = request.user
    require_staff(user)
    region = rate_scope(user, (request.GET.get("region") or "").strip())
    if region is None:
        raise Http404
    start, end = rate_period(request)
    figures = rate_figures.rates_for(region.code, start, end)
    children = {}
    names = {}
    if len(region.code) < queries.COMMUNITY:
        children = rate_figures.rates_by_child(region.code, start, end, queries.COMMUNITY)
    elif len(region.code) == queries.COMMUNITY:
        children = rate_figures.rates_by_child(region.code, start, end, 16)
    if children:
        names = dict(Region.objects.filter(code__in=list(children)).values_list("code", "name"))
    # Orders filed at the scope's own node (a hotline transfer or Open311 request placed on
    # the community, not a grid) form a row of their own: it must not read as the whole scope.
    own = _("%(name)s (filed at this level)") % {"name": region.name}
    comparison = [
        {
            "code": code,
            "name": own if code == region.code else names.get(code, code),
            "rates": value,
        }
        for code, value in children.items()
    ]
    departments = rate_figures.department_rates(start, end, region.code)
    trend = [
        (first, rate_figures.rates_for(region.code, first, last)) for first, last in _months(end)
    ]
    chart = {
        "overview": {
            "labels": [str(label) for _key, label in RATE_NAMES],
            "series": [
                {
                    "name": region.name,
                    "values": [_number(getattr(figures, key)) for key, _label in RATE_NAMES],
                }
            ],
        },
        "comparison": {
            "labels": [row["name"] for row in comparison],
            "series": [
                {
                    "name": str(label),
                    "values": [_number(getattr(row["rates"], key)) for row in comparison],
                }
                for key, label in RATE_NAMES[:4]
            ],
        },
        "trend": {
            "labels": [first.strftime("%Y-%m") for first, _value in trend],
            "series": [
                {"name": str(label), "values": [_number(getattr(v, key)) for _f, v in trend]}
                for key, label in RATE_NAMES[:3]
            ],
        },
    }
    return render(
        request,
        "orders/rates.html",
        {
            "region": region,
            "start": start,
            "end": end,
            "figures": figures,
            "rate_rows": [(key, label, getattr(figures, key)) for key, label in RATE_NAMES],
            "comparison": [
                {**row, "values": [getattr(row["rates"], key) for key, _l in RATE_NAMES]}
                for row in comparison
            ],
            "rate_names": RATE_NAMES,
            "departments": departments,
            "chart": chart,
            "scopes": queries.communities(user)[:200],
        },
    )


# --- the public board (晒单) ---------------------------------------------------------------------------
def board_index(request):
    rows = (
        Region.objects.of_level(Level.COMMUNITY, Level.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    board_counts = dict(
        Order.objects.on_board()
        .filter(public=True)
        .order_by()
        .values_list("code")
        .annotate(n=Count("pk"))
        .values_list("code", "n")
    )
    totals: dict[str, int] = {}
    for code, n in board_counts.items():
        totals[code[: queries.COMMUNITY]] = totals.get(code[: queries.COMMUNITY], 0) + n
    communities = list(rows.values("code", "name", "parent__name"))
    for row in communities:
        row["count"] = totals.get(row["code"], 0)
    return render(request, "orders/board_index.html", {"communities": communities})


def _board_community(code):
    return get_object_or_404(
        Region.objects.of_level(Level.COMMUNITY, Level.VILLAGE).select_related("parent"),
        code=code,
    )


def _board_rows(orders):
    orders = list(orders)
    stars = queries.star_counts([o.claimant for o in orders if o.claimant_id])
    for order in orders:
        order.stars = stars.get(order.claimant_id) if order.claimant_id else None
        order.stars_range = range(order.stars or 0)
    return orders


def board(request, code):
    community = _board_community(code)
    page = paginate(request, queries.board(community.code), size=20)
    rows = _board_rows(page.object_list)
    return render(
        request,
        "orders/board.html",
        {"community": community, "page": page, "rows": rows},
    )


def notice(request, code):
    """The weekly notice for the notice board (A4, print CSS): orders published that week."""
    community = _board_community(code)
    raw = (request.GET.get("week") or "").strip()
    day = timezone.localdate()
    if raw:
        try:
            day = dt.date.fromisoformat(raw[:10])
        except ValueError:
            day = timezone.localdate()
    start, end = queries.week_bounds(day)
    rows = _board_rows(
        queries.board(community.code).filter(published_at__gte=start, published_at__lt=end)[:200]
    )
    return render(
        request,
        "orders/notice.html",
        {
            "community": community,
            "rows": rows,
            "start": start.date(),
            "end": (end - dt.timedelta(days=1)).date(),
            "previous": (start - dt.timedelta(days=7)).date().isoformat(),
            "next": end.date().isoformat(),
        },
    )
