"""Pages of dual reporting (双报到, S22) under /party/dual-report/.

For the community (party.view to read, dualreport.manage to act): registrations of members and
units, posts, claims, hours to confirm, quarterly letters and the lists of who is missing. For
the member (her own login): report, browse and claim posts of her community, log hours, read her
letters — pages that work on a phone.

The house rules: rows come from `visible_to(user)` (or, for a member, from her own
registration), a single object is fetched with `get_object_or_404` on that queryset so "missing"
and "not yours" are the same 404, and every change is a call to an action whose field errors go
back on the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sixfold.core.forms import apply_errors
from sixfold.core.models import Region
from sixfold.core.views import edit_page, list_context, styled_filterset
from sixfold.party.models import PartyMember, PartyOrganization

from . import actions, exports, letters
from .actions import COMMUNITY_LEVELS, MANAGE, VIEW, is_self
from .filters import PostFilter, RecordFilter, RegistrationFilter, UnitFilter
from .forms import (
    AssessmentForm,
    PostForm,
    ReasonForm,
    RecordForm,
    RegistrationForm,
    UnitForm,
)
from .models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServicePost,
    ServiceRecord,
    Status,
    UnitRegistration,
    quarter_bounds,
)

PAGE_SIZE = 50
Rec = ServiceRecord.RecordStatus


# --- helpers ---------------------------------------------------------------------------------------
def require_view(user) -> None:
    if not user.holds_perm(VIEW):
        raise PermissionDenied


def require(user, perm: str, code: str) -> None:
    if not user.has_scoped_perm(perm, code):
        raise PermissionDenied


def row_id(value) -> int | None:
    """A row id from a query string or form: a whole number that fits the key column (a longer
    one would overflow the database driver instead of matching nothing)."""
    value = str(value or "")
    if value.isascii() and value.isdigit() and 0 < len(value) <= 18:
        return int(value)
    return None


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def run_action(form, action):
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


def scope_code(user) -> str:
    prefixes = user.scope_prefixes(VIEW)
    return prefixes[0] if len(prefixes) == 1 else ""


def managed_communities(user):
    return (
        Region.objects.visible_to(user, MANAGE)
        .filter(level__in=COMMUNITY_LEVELS)
        .select_related("parent")
        .order_by("code")
    )


def registration_queryset():
    return MemberRegistration.objects.select_related(
        "member__resident", "member__organization", "community", "unit"
    )


def reachable_registrations(user):
    """Registrations in the user's scope, and her own."""
    return registration_queryset().filter(
        Q(pk__in=MemberRegistration.objects.visible_to(user).values("pk")) | Q(member__user=user)
    )


def reachable_records(user):
    return ServiceRecord.objects.filter(
        Q(pk__in=ServiceRecord.objects.visible_to(user).values("pk"))
        | Q(registration__member__user=user)
    )


def own_member(user) -> PartyMember | None:
    return PartyMember.objects.own(user).select_related("resident", "organization").first()


def own_registration(member: PartyMember | None) -> MemberRegistration | None:
    if member is None:
        return None
    return (
        registration_queryset()
        .filter(member=member, status=Status.ACTIVE)
        .prefetch_related("categories")
        .first()
    )


def chosen_quarter(request) -> tuple[int, int]:
    """The quarter named by `?quarter=2026-Q1`; the current one when absent, 404 when bad."""
    value = request.GET.get("quarter")
    if not value:
        return letters.current_quarter()
    parsed = letters.parse_quarter(value)
    if parsed is None:
        raise Http404
    return parsed


def chosen_area(request) -> str:
    """`?region=CODE` narrows a quarter's lists to one community (a prefix of the user's
    scope only ever narrows what she sees)."""
    return (request.GET.get("region") or "").strip()[:40]


def area_options(user) -> list[tuple[str, str]]:
    """The communities a quarter's lists may be narrowed to (none when the user sees one)."""
    nodes = list(
        Region.objects.visible_to(user, VIEW)
        .filter(level__in=COMMUNITY_LEVELS)
        .order_by("code")
        .values_list("code", "name")
    )
    return nodes if len(nodes) > 1 else []


def quarter_context(year: int, quarter: int, request=None) -> dict:
    start, end = quarter_bounds(year, quarter)
    area = {}
    if request is not None:
        area = {"area": chosen_area(request), "area_options": area_options(request.user)}
    return {
        **area,
        "quarter": letters.quarter_label(year, quarter),
        "quarter_year": year,
        "quarter_number": quarter,
        "quarter_start": start,
        "quarter_end": end,
        "quarter_options": letters.recent_quarters(),
    }


# --- overview ----------------------------------------------------------------------------------
@login_required
def home(request):
    user = request.user
    if not user.holds_perm(VIEW):
        if own_member(user) is not None:
            return redirect("dualreport:me")
        raise PermissionDenied
    year, quarter = letters.current_quarter()
    start, end = quarter_bounds(year, quarter)
    registrations = MemberRegistration.objects.visible_to(user)
    counts = registrations.aggregate(
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
    )
    records = ServiceRecord.objects.visible_to(user)
    counts["pending"] = records.filter(status=Rec.PENDING).count()
    counts["quarter_hours"] = (
        records.filter(status=Rec.CONFIRMED, served_on__gte=start, served_on__lte=end).aggregate(
            total=Sum("hours")
        )["total"]
        or 0
    )
    counts["unregistered"] = letters.unregistered(PartyMember.objects.visible_to(user)).count()
    counts["idle"] = letters.idle(registrations, year, quarter).count()
    counts["units"] = UnitRegistration.objects.visible_to(user).filter(status=Status.ACTIVE).count()
    counts["posts"] = (
        ServicePost.objects.visible_to(user).filter(status=ServicePost.PostStatus.OPEN).count()
    )
    return render(
        request,
        "dualreport/home.html",
        {
            "counts": counts,
            "can_manage": user.holds_perm(MANAGE),
            "own": own_member(user),
            **quarter_context(year, quarter),
        },
    )


# --- member registrations ---------------------------------------------------------------------
@login_required
def registration_list(request):
    user = request.user
    require_view(user)
    queryset = (
        registration_queryset()
        .filter(pk__in=MemberRegistration.objects.visible_to(user).values("pk"))
        .prefetch_related("categories")
        .order_by("code", "id")
    )
    filterset = styled_filterset(RegistrationFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "dualreport/registration_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
def registration_export(request):
    user = request.user
    require_view(user)
    queryset = (
        registration_queryset()
        .filter(pk__in=MemberRegistration.objects.visible_to(user).values("pk"))
        .prefetch_related("categories")
        .order_by("code", "id")
    )
    filterset = RegistrationFilter(request.GET or None, queryset=queryset)
    actions.record_export(
        _("Dual-report registrations (Excel)"),
        scope_code=scope_code(user),
        filters=dict(request.GET.items()),
        by=user,
    )
    return exports.registrations_workbook(filterset.qs)


@login_required
@require_http_methods(["GET", "POST"])
def registration_create(request):
    user = request.user
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    candidates = (
        letters.unregistered(PartyMember.objects.visible_to(user, MANAGE))
        .select_related("resident", "organization")
        .order_by("code", "resident__name", "name", "id")
    )
    initial = {}
    chosen = row_id(request.GET.get("member"))
    if chosen is not None:
        initial["member"] = candidates.filter(pk=chosen).first()
    units = UnitRegistration.objects.visible_to(user, MANAGE).filter(status=Status.ACTIVE)
    form = RegistrationForm(
        request.POST or None,
        members=candidates,
        units=units,
        communities=managed_communities(user),
        initial=initial,
    )
    if request.method == "POST":
        registration = run_action(
            form,
            lambda data: actions.register_member(
                data["member"],
                {k: v for k, v in data.items() if k not in ("member", "community")},
                community=data.get("community"),
                by=user,
            ),
        )
        if registration:
            messages.success(request, _("The member has reported to the community."))
            return redirect("dualreport:registration_detail", pk=registration.pk)
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Register an in-service member"),
            "intro": _(
                "The member reports to the community she lives in; only in-service members who "
                "have not reported yet are listed."
            ),
            "cancel_url": reverse("dualreport:registration_list"),
        },
    )


@login_required
def registration_detail(request, pk):
    user = request.user
    registration = get_object_or_404(
        reachable_registrations(user).prefetch_related("categories"), pk=pk
    )
    records = registration.records.select_related("post").order_by("-served_on", "-id")
    claims = registration.claims.select_related("post__category").order_by("-created_at")
    assessments = registration.assessments.order_by("-year", "-quarter")
    totals = registration.records.filter(status=Rec.CONFIRMED).aggregate(
        hours=Sum("hours"), points=Sum("points")
    )
    own = is_self(user, registration.member)
    return render(
        request,
        "dualreport/registration_detail.html",
        {
            "registration": registration,
            "records": records[:200],
            "claims": claims,
            "assessments": assessments,
            "totals": totals,
            "own": own,
            "can_manage": user.has_scoped_perm(MANAGE, registration.code),
            "quarter_options": letters.recent_quarters(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_edit(request, pk):
    user = request.user
    registration = get_object_or_404(
        reachable_registrations(user).prefetch_related("categories"), pk=pk
    )
    if not (is_self(user, registration.member) or user.has_scoped_perm(MANAGE, registration.code)):
        raise PermissionDenied
    if registration.status != Status.ACTIVE:
        raise Http404
    initial = {
        "employer": registration.employer,
        "employer_party_org": registration.employer_party_org,
        "unit": registration.unit,
        "skills": registration.skills,
        "categories": list(registration.categories.all()),
        "registered_on": registration.registered_on,
        "note": registration.note,
    }
    units = UnitRegistration.objects.filter(community=registration.community, status=Status.ACTIVE)
    form = RegistrationForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and run_action(
        form, lambda data: actions.change_registration(registration, data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("dualreport:registration_detail", pk=registration.pk)
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Edit the registration of %(name)s")
            % {"name": registration.member.display_name},
            "cancel_url": reverse("dualreport:registration_detail", args=[registration.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_withdraw(request, pk):
    user = request.user
    registration = get_object_or_404(reachable_registrations(user), pk=pk)
    if not (is_self(user, registration.member) or user.has_scoped_perm(MANAGE, registration.code)):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        try:
            actions.withdraw_registration(registration, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The registration has been withdrawn."))
            return redirect("dualreport:registration_detail", pk=registration.pk)
    return render(
        request,
        "party/confirm.html",
        {
            "title": _("Withdraw the registration of %(name)s?")
            % {"name": registration.member.display_name},
            "text": _(
                "The member's claimed posts are released. Her service records and their points "
                "stay."
            ),
            "errors": errors,
            "button": _("Withdraw"),
            "cancel_url": reverse("dualreport:registration_detail", args=[registration.pk]),
        },
        status=400 if errors else 200,
    )


def _claimed_posts(registration):
    return (
        ServicePost.objects.filter(claims__registration=registration).distinct().order_by("title")
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_log(request, pk):
    """Hours entered by the community (confirmed at once) or by the member (awaiting)."""
    user = request.user
    registration = get_object_or_404(reachable_registrations(user), pk=pk)
    own = is_self(user, registration.member)
    if not (own or user.has_scoped_perm(MANAGE, registration.code)):
        raise PermissionDenied
    if registration.status != Status.ACTIVE:
        raise Http404
    form = RecordForm(request.POST or None, posts=_claimed_posts(registration))
    if request.method == "POST" and run_action(
        form, lambda data: actions.log_service(registration, data, by=user)
    ):
        if own:
            messages.success(request, _("Recorded; the community will confirm the hours."))
            return redirect("dualreport:me")
        messages.success(request, _("Recorded and confirmed."))
        return redirect("dualreport:registration_detail", pk=registration.pk)
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Log service hours of %(name)s")
            % {"name": registration.member.display_name},
            "intro": _("Hours entered by the member await the community's confirmation.")
            if own
            else _("Hours entered by the community are confirmed at once."),
            "cancel_url": reverse("dualreport:me")
            if own
            else reverse("dualreport:registration_detail", args=[registration.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_assess(request, pk):
    user = request.user
    registration = get_object_or_404(
        MemberRegistration.objects.visible_to(user).select_related("member__resident"), pk=pk
    )
    require(user, MANAGE, registration.code)
    year, quarter = chosen_quarter(request)
    current = registration.assessments.filter(year=year, quarter=quarter).first()
    initial = {"grade": current.grade, "comment": current.comment} if current else {}
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.assess_quarter(
            registration, year, quarter, data["grade"], data["comment"], by=user
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect(
            reverse("dualreport:letter", args=[registration.pk])
            + f"?quarter={letters.quarter_label(year, quarter)}"
        )
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Assessment of %(name)s for %(quarter)s")
            % {
                "name": registration.member.display_name,
                "quarter": letters.quarter_label(year, quarter),
            },
            "cancel_url": reverse("dualreport:registration_detail", args=[registration.pk]),
        },
    )


# --- unit registrations -----------------------------------------------------------------------
@login_required
def unit_list(request):
    user = request.user
    require_view(user)
    queryset = (
        UnitRegistration.objects.visible_to(user)
        .select_related("community")
        .annotate(member_count=Count("members", filter=Q(members__status=Status.ACTIVE)))
        .order_by("code", "name", "id")
    )
    filterset = styled_filterset(UnitFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "dualreport/unit_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request):
    user = request.user
    communities = managed_communities(user)
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    form = UnitForm(request.POST or None, communities=communities)
    if request.method == "POST":
        unit = run_action(
            form,
            lambda data: actions.register_unit(
                data["community"], {k: v for k, v in data.items() if k != "community"}, by=user
            ),
        )
        if unit:
            messages.success(request, _("Registered “%(name)s”.") % {"name": unit.name})
            return redirect("dualreport:unit_list")
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Register a unit's party organisation"),
            "cancel_url": reverse("dualreport:unit_list"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    user = request.user
    unit = get_object_or_404(UnitRegistration.objects.visible_to(user), pk=pk)
    require(user, MANAGE, unit.code)
    if unit.status != Status.ACTIVE:
        raise Http404
    initial = {
        field: getattr(unit, field)
        for field in ("name", "unit", "contact_name", "registered_on", "note")
    }
    form = UnitForm(request.POST or None, initial=initial)
    form.fields["phone"].help_text = _("Leave empty to keep the stored number.")
    return edit_page(
        request,
        unit,
        form,
        lambda data: actions.change_unit(unit, data, by=user),
        done=reverse("dualreport:unit_list"),
        title=_("Edit %(name)s") % {"name": unit.name},
        template="party/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_withdraw(request, pk):
    user = request.user
    unit = get_object_or_404(UnitRegistration.objects.visible_to(user), pk=pk)
    require(user, MANAGE, unit.code)
    errors = []
    if request.method == "POST":
        try:
            actions.withdraw_unit(unit, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The registration has been withdrawn."))
            return redirect("dualreport:unit_list")
    return render(
        request,
        "party/confirm.html",
        {
            "title": _("Withdraw the registration of %(name)s?") % {"name": unit.name},
            "text": _("The organisation no longer counts as reported to the community."),
            "errors": errors,
            "button": _("Withdraw"),
            "cancel_url": reverse("dualreport:unit_list"),
        },
        status=400 if errors else 200,
    )


# --- posts and claims -------------------------------------------------------------------------
def post_queryset():
    return (
        ServicePost.objects.select_related("category", "community")
        .annotate(taken=Count("claims", filter=Q(claims__status=Status.ACTIVE)))
        .order_by("code", "category__order", "id")
    )


@login_required
def post_list(request):
    user = request.user
    require_view(user)
    queryset = post_queryset().filter(pk__in=ServicePost.objects.visible_to(user).values("pk"))
    filterset = styled_filterset(PostFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "dualreport/post_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request):
    user = request.user
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    form = PostForm(request.POST or None, communities=managed_communities(user))
    if request.method == "POST":
        post = run_action(
            form,
            lambda data: actions.publish_post(
                data["community"], {k: v for k, v in data.items() if k != "community"}, by=user
            ),
        )
        if post:
            messages.success(request, _("Published “%(name)s”.") % {"name": post.title})
            return redirect("dualreport:post_detail", pk=post.pk)
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Publish a post"),
            "cancel_url": reverse("dualreport:post_list"),
        },
    )


def reachable_posts(user):
    """Posts in the user's scope, and those of the community a member reported to."""
    condition = Q(pk__in=ServicePost.objects.visible_to(user).values("pk"))
    registration = own_registration(own_member(user))
    if registration is not None:
        condition |= Q(community_id=registration.community_id)
    return post_queryset().filter(condition), registration


@login_required
def post_detail(request, pk):
    user = request.user
    posts, registration = reachable_posts(user)
    post = get_object_or_404(posts, pk=pk)
    can_manage = user.has_scoped_perm(MANAGE, post.code)
    staff = user.has_scoped_perm(VIEW, post.code) or can_manage
    claims = (
        post.claims.filter(status=Status.ACTIVE)
        .select_related("registration__member__resident")
        .order_by("created_at")
    )
    mine = (
        post.claims.filter(registration=registration, status=Status.ACTIVE).first()
        if registration
        else None
    )
    candidates = []
    if can_manage and post.status == ServicePost.PostStatus.OPEN and post.taken < post.capacity:
        candidates = assign_candidates(user, post)
    return render(
        request,
        "dualreport/post_detail.html",
        {
            "post": post,
            "claims": list(claims) if staff else [],
            "staff": staff,
            "can_manage": can_manage,
            "registration": registration,
            "mine": mine,
            "candidates": candidates,
        },
    )


def assign_candidates(user, post: ServicePost) -> list[MemberRegistration]:
    """Members reported to the post's community who do not hold it, those who asked for its
    category first (the staff may claim a place on a member's behalf)."""
    holding = PostClaim.objects.filter(post=post, status=Status.ACTIVE).values("registration")
    rows = (
        registration_queryset()
        .filter(
            pk__in=MemberRegistration.objects.visible_to(user, MANAGE).values("pk"),
            community_id=post.community_id,
            status=Status.ACTIVE,
        )
        .exclude(pk__in=holding)
        .annotate(
            prefers=Count("categories", filter=Q(categories=post.category_id), distinct=True),
            holds=Count("claims", filter=Q(claims__status=Status.ACTIVE), distinct=True),
        )
        .order_by("-prefers", "holds", "code", "id")[:200]
    )
    return list(rows)


@login_required
@require_POST
def post_assign(request, pk):
    """The community's staff claim a place on the post for a member (the same action, with the
    same capacity check, as the member's own claim)."""
    user = request.user
    post = get_object_or_404(ServicePost.objects.visible_to(user), pk=pk)
    require(user, MANAGE, post.code)
    chosen = row_id(request.POST.get("registration"))
    registration = (
        MemberRegistration.objects.visible_to(user, MANAGE)
        .filter(pk=chosen)
        .select_related("member__resident")
        .first()
        if chosen is not None
        else None
    )
    if registration is None:
        messages.error(request, _("Choose a member reported to this community."))
        return redirect("dualreport:post_detail", pk=post.pk)
    try:
        actions.claim_post(post, registration, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s now holds “%(post)s”.")
            % {"name": registration.member.display_name, "post": post.title},
        )
    return redirect("dualreport:post_detail", pk=post.pk)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk):
    user = request.user
    post = get_object_or_404(ServicePost.objects.visible_to(user).select_related("category"), pk=pk)
    require(user, MANAGE, post.code)
    initial = {
        field: getattr(post, field)
        for field in (
            "category",
            "title",
            "description",
            "place",
            "schedule",
            "starts_on",
            "ends_on",
            "capacity",
        )
    }
    form = PostForm(request.POST or None, initial=initial, current_category=post.category)
    return edit_page(
        request,
        post,
        form,
        lambda data: actions.change_post(post, data, by=user),
        done=reverse("dualreport:post_detail", args=[post.pk]),
        title=_("Edit %(name)s") % {"name": post.title},
        template="party/form.html",
    )


@login_required
@require_POST
def post_status(request, pk):
    user = request.user
    post = get_object_or_404(ServicePost.objects.visible_to(user), pk=pk)
    require(user, MANAGE, post.code)
    status = request.POST.get("status", "")
    try:
        actions.set_post_status(post, status, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("dualreport:post_detail", pk=post.pk)


@login_required
@require_POST
def post_claim(request, pk):
    """A member claims a place on a post of her community."""
    user = request.user
    posts, registration = reachable_posts(user)
    post = get_object_or_404(posts, pk=pk)
    if registration is None:
        messages.error(request, _("Report to your community before claiming posts."))
        return redirect("dualreport:me")
    try:
        actions.claim_post(post, registration, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You have claimed “%(name)s”.") % {"name": post.title})
    return redirect("dualreport:post_detail", pk=post.pk)


@login_required
@require_POST
def claim_release(request, pk):
    user = request.user
    claim = get_object_or_404(
        PostClaim.objects.filter(
            Q(pk__in=PostClaim.objects.visible_to(user).values("pk"))
            | Q(registration__member__user=user)
        ).select_related("registration__member", "post"),
        pk=pk,
    )
    if not (is_self(user, claim.registration.member) or user.has_scoped_perm(MANAGE, claim.code)):
        raise PermissionDenied
    try:
        actions.release_claim(claim, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The post has been released."))
    return redirect("dualreport:post_detail", pk=claim.post_id)


# --- service records ----------------------------------------------------------------------------
@login_required
def record_list(request):
    user = request.user
    require_view(user)
    queryset = (
        ServiceRecord.objects.visible_to(user)
        .select_related("registration__member__resident", "post")
        .order_by("-served_on", "-id")
    )
    filterset = styled_filterset(RecordFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "dualreport/record_list.html",
        list_context(
            request,
            filterset,
            page,
            can_manage=user.holds_perm(MANAGE),
            pending=Rec.PENDING,
        ),
    )


@login_required
def record_detail(request, pk):
    user = request.user
    record = get_object_or_404(
        reachable_records(user).select_related(
            "registration__member__resident", "post", "entered_by", "decided_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "dualreport/record_detail.html",
        {
            "record": record,
            "can_manage": user.has_scoped_perm(MANAGE, record.code),
            "own": is_self(user, record.registration.member),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def record_confirm(request, pk):
    user = request.user
    record = get_object_or_404(ServiceRecord.objects.visible_to(user), pk=pk)
    require(user, MANAGE, record.code)
    try:
        actions.confirm_record(record, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Confirmed; the points are credited."))
    target = request.POST.get("next") == "list"
    return redirect(
        reverse("dualreport:record_list") + f"?status={Rec.PENDING}"
        if target
        else reverse("dualreport:record_detail", args=[record.pk])
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_decide(request, pk, verb):
    """Reject a record awaiting confirmation, or withdraw one (a confirmed one's points are
    reversed); both ask for the reason on a confirmation page."""
    user = request.user
    record = get_object_or_404(
        reachable_records(user).select_related("registration__member__resident"), pk=pk
    )
    own = is_self(user, record.registration.member)
    if verb == "reject" or record.status == Rec.CONFIRMED:
        require(user, MANAGE, record.code)
    elif not (own or user.has_scoped_perm(MANAGE, record.code)):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if record.status == Rec.PENDING and verb == "withdraw":
        form.fields["reason"].required = False
    action = actions.reject_record if verb == "reject" else actions.withdraw_record
    if request.method == "POST" and run_action(
        form, lambda data: action(record, data.get("reason", ""), by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("dualreport:record_detail", pk=record.pk)
    title = (
        _("Reject the hours of %(name)s?")
        if verb == "reject"
        else _("Withdraw the hours of %(name)s?")
    ) % {"name": record.registration.member.display_name}
    return render(
        request,
        "dualreport/record_decide.html",
        {
            "record": record,
            "form": form,
            "title": title,
            "verb": verb,
            "reverses": verb == "withdraw" and record.status == Rec.CONFIRMED,
        },
        status=400 if form.errors else 200,
    )


# --- letters and lists -----------------------------------------------------------------------
def quarter_rows(user, year: int, quarter: int, area: str = ""):
    registrations = letters.reported_by(
        registration_queryset().filter(
            pk__in=MemberRegistration.objects.visible_to(user).within(area).values("pk")
        ),
        year,
        quarter,
    )
    return letters.with_quarter(registrations, year, quarter).order_by("code", "id")


@login_required
def letter_list(request):
    user = request.user
    require_view(user)
    year, quarter = chosen_quarter(request)
    page = paginate(request, quarter_rows(user, year, quarter, chosen_area(request)))
    return render(
        request,
        "dualreport/letter_list.html",
        {
            "page": page,
            "grades": QuarterlyAssessment.Grade.choices,
            **quarter_context(year, quarter, request),
        },
    )


@login_required
def letter_export(request):
    user = request.user
    require_view(user)
    year, quarter = chosen_quarter(request)
    label = letters.quarter_label(year, quarter)
    actions.record_export(
        _("Dual-report quarter %(quarter)s (Excel)") % {"quarter": label},
        scope_code=scope_code(user),
        filters={"quarter": label, "region": chosen_area(request)},
        by=user,
    )
    return exports.quarter_workbook(quarter_rows(user, year, quarter, chosen_area(request)), label)


@login_required
def letter(request, pk):
    """The printable feedback letter (A4) for one member and quarter."""
    user = request.user
    registration = get_object_or_404(
        reachable_registrations(user).prefetch_related("categories"), pk=pk
    )
    year, quarter = chosen_quarter(request)
    committee = PartyOrganization.objects.filter(region=registration.community).only("name").first()
    registration.committee_name = committee.name if committee else ""
    return render(
        request,
        "dualreport/letter.html",
        {
            "registration": registration,
            "letter": letters.letter(registration, year, quarter),
            "can_manage": user.has_scoped_perm(MANAGE, registration.code),
            **quarter_context(year, quarter),
        },
    )


@login_required
def letter_batch(request):
    """Every letter of a page of the quarter's list, one A4 page each, to print in one go."""
    user = request.user
    require_view(user)
    year, quarter = chosen_quarter(request)
    page = paginate(
        request,
        quarter_rows(user, year, quarter, chosen_area(request)).values_list("pk", flat=True),
    )
    registrations = registration_queryset().filter(pk__in=list(page.object_list))
    items = letters.letters_for(registrations.order_by("code", "id"), year, quarter)
    names = dict(
        PartyOrganization.objects.filter(
            region_id__in={registration.community_id for registration, _letter in items}
        ).values_list("region_id", "name")
    )
    for registration, _letter in items:
        registration.committee_name = names.get(registration.community_id, "")
    return render(
        request,
        "dualreport/letter_batch.html",
        {"items": items, "page": page, **quarter_context(year, quarter, request)},
    )


def unregistered_queryset(user):
    return (
        letters.unregistered(PartyMember.objects.visible_to(user))
        .select_related("resident", "organization")
        .order_by("code", "id")
    )


@login_required
def unregistered_list(request):
    user = request.user
    require_view(user)
    page = paginate(request, unregistered_queryset(user))
    return render(
        request,
        "dualreport/unregistered_list.html",
        {"page": page, "can_manage": user.holds_perm(MANAGE)},
    )


@login_required
def unregistered_export(request):
    user = request.user
    require_view(user)
    actions.record_export(
        _("In-service members who have not reported (Excel)"), scope_code=scope_code(user), by=user
    )
    return exports.unregistered_workbook(unregistered_queryset(user))


def idle_queryset(user, year, quarter, area: str = ""):
    return letters.idle(
        registration_queryset().filter(
            pk__in=MemberRegistration.objects.visible_to(user).within(area).values("pk")
        ),
        year,
        quarter,
    ).order_by("code", "id")


@login_required
def idle_list(request):
    user = request.user
    require_view(user)
    year, quarter = chosen_quarter(request)
    page = paginate(request, idle_queryset(user, year, quarter, chosen_area(request)))
    return render(
        request,
        "dualreport/idle_list.html",
        {
            "page": page,
            "can_manage": user.holds_perm(MANAGE),
            **quarter_context(year, quarter, request),
        },
    )


@login_required
def idle_export(request):
    user = request.user
    require_view(user)
    year, quarter = chosen_quarter(request)
    label = letters.quarter_label(year, quarter)
    actions.record_export(
        _("Members with no service in %(quarter)s (Excel)") % {"quarter": label},
        scope_code=scope_code(user),
        filters={"quarter": label, "region": chosen_area(request)},
        by=user,
    )
    return exports.idle_workbook(idle_queryset(user, year, quarter, chosen_area(request)), label)


# --- the member's own pages -------------------------------------------------------------------
@login_required
def me(request):
    user = request.user
    member = own_member(user)
    if member is None:
        raise Http404
    registration = own_registration(member)
    context = {"member": member, "registration": registration}
    if registration is not None:
        year, quarter = letters.current_quarter()
        start, end = quarter_bounds(year, quarter)
        claims = list(
            registration.claims.filter(status=Status.ACTIVE)
            .select_related("post__category")
            .order_by("-created_at")
        )
        claimed = {claim.post_id for claim in claims}
        preferred = {category.pk for category in registration.categories.all()}
        posts = sorted(
            post_queryset()
            .filter(community_id=registration.community_id, status=ServicePost.PostStatus.OPEN)
            .exclude(pk__in=claimed)[:100],
            # the kinds of post she asked for first, then those with places left
            key=lambda post: (post.category_id not in preferred, post.taken >= post.capacity),
        )
        records = list(
            registration.records.select_related("post").order_by("-served_on", "-id")[:50]
        )
        context.update(
            {
                "claims": claims,
                "posts": posts,
                "records": records,
                "quarter_hours": registration.records.filter(
                    status=Rec.CONFIRMED, served_on__gte=start, served_on__lte=end
                ).aggregate(total=Sum("hours"))["total"]
                or 0,
                "quarter_options": letters.recent_quarters(4),
                **quarter_context(year, quarter),
            }
        )
    return render(request, "dualreport/me.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def me_register(request):
    user = request.user
    member = own_member(user)
    if member is None:
        raise Http404
    if own_registration(member) is not None:
        return redirect("dualreport:me")
    form = RegistrationForm(request.POST or None, initial={"employer": member.employer})
    if request.method == "POST":
        registration = run_action(form, lambda data: actions.register_member(member, data, by=user))
        if registration:
            messages.success(request, _("You have reported to your community."))
            return redirect("dualreport:me")
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Report to my residence community"),
            "intro": _(
                "Tell the community where you work, what you can do and which posts you would "
                "like; it then offers you posts to claim."
            ),
            "cancel_url": reverse("dualreport:me"),
        },
    )
