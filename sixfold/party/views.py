"""Pages of community party building (S1, S2, S26): organisations, members, transfers, the
responsibility chain with its coverage audit, grid posts, and a member's own records.

The same three rules as the registers' pages:
* rows come only from `visible_to(request.user, "party.view")` (a member's own record from
  `PartyMember.objects.own(user)`), and a single object is fetched with `get_object_or_404` on
  that queryset, so "missing" and "not yours" are the same 404;
* an object in scope that the user may not change answers 403, and its buttons are not shown;
* every change is a call to an action in `party.actions`; its `ValidationError` goes back on the
  form, field by field, and nothing is saved.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sixfold.core.forms import apply_errors
from sixfold.core.models import AuditEvent, Level, Region, Resident
from sixfold.core.models.region import CODE_LENGTH
from sixfold.core.views import edit_page, list_context, styled_filterset

from . import actions, exports
from .actions import ASSIGN, CONFIGURE, MANAGE, VIEW, community_code
from .coverage import MAX_LIMIT, coverage_report
from .filters import MemberFilter, OrganizationFilter
from .forms import (
    AssignForm,
    BulkAssignForm,
    GridPostForm,
    MemberCreateForm,
    MemberEditForm,
    MemberLoginForm,
    OrganizationForm,
    PartyPostForm,
    PostKindForm,
    TransferForm,
    UnassignForm,
    member_choices,
)
from .models import (
    CHAIN_ROLES,
    KINDS_BY_LEVEL,
    ChainLevel,
    GridPost,
    GridPostKind,
    MemberTransfer,
    OrgKind,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
    chain_level_of,
)

PAGE_SIZE = 50
SEARCH_RESULTS = 20


# --- helpers -------------------------------------------------------------------------------------
def require(user, perm: str, code: str) -> None:
    if not user.has_scoped_perm(perm, code):
        raise PermissionDenied


def require_view(user) -> None:
    """Party pages for staff: 403 for a logged-in user who holds `party.view` nowhere."""
    if not user.holds_perm(VIEW):
        raise PermissionDenied


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def party_roots(user):
    """The top nodes of the user's party scopes."""
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True).order_by("code")
    return Region.objects.filter(code__in=user.scope_prefixes(VIEW)).order_by("code")


def chosen_region(request):
    """The node named by `?region=CODE` among those the user sees, else the user's only root.
    None when the user has several roots and named none."""
    code = (request.GET.get("region") or "").strip()
    regions = Region.objects.visible_to(request.user, VIEW)
    if code:
        return get_object_or_404(regions.select_related("parent"), code=code)
    roots = list(party_roots(request.user)[:2])
    return roots[0] if len(roots) == 1 else None


def history(user, obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.visible_to(user, VIEW).for_object(obj)[:100])


def run_action(form, action):
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def ancestors_of(user, region: Region) -> list[Region]:
    return list(region.ancestors().visible_to(user, VIEW))


def managed_organizations(user):
    """Organisations a member can belong to, where the user may manage members."""
    return (
        PartyOrganization.objects.visible_to(user, MANAGE)
        .exclude(kind=OrgKind.BUILDING_GROUP)
        .order_by("code")
    )


def visible_groups(user):
    return PartyOrganization.objects.visible_to(user, VIEW).filter(kind=OrgKind.BUILDING_GROUP)


def candidates_for(user, region: Region):
    """Members who may answer for a node: active, of the node's community, seen by the user."""
    return member_choices(
        PartyMember.objects.visible_to(user, VIEW).within(community_code(region.code))
    )


# --- home and own records ------------------------------------------------------------------------
def home(request):
    user = request.user
    if not user.is_authenticated or not user.holds_perm(VIEW):
        # The pillar's tab leads everyone here: members to their own record, residents and
        # visitors to the public airing board rather than to a "forbidden" page.
        if user.is_authenticated and PartyMember.objects.own(user).exists():
            return redirect("party:me")
        return redirect("party:airing_index")
    roots = list(party_roots(user))
    region = roots[0] if len(roots) == 1 else None
    report = coverage_report(region, limit=0) if region else None
    members = PartyMember.objects.visible_to(user)
    counts = members.aggregate(
        active=Count("pk", filter=Q(status=PartyMember.Status.ACTIVE)),
        probationary=Count(
            "pk",
            filter=Q(status=PartyMember.Status.ACTIVE, standing=PartyMember.Standing.PROBATIONARY),
        ),
        in_service=Count("pk", filter=Q(status=PartyMember.Status.ACTIVE, in_service=True)),
    )
    organisations = PartyOrganization.objects.visible_to(user).count()
    return render(
        request,
        "party/home.html",
        {
            "roots": roots,
            "region": region,
            "report": report,
            "counts": counts,
            "organisations": organisations,
            "own": PartyMember.objects.own(user).first(),
            "can_configure": user.is_superuser or user.holds_perm(CONFIGURE),
        },
    )


@login_required
def me(request):
    member = get_object_or_404(
        PartyMember.objects.own(request.user).select_related(
            "resident__household", "organization", "group"
        )
    )
    links = list(ResponsibilityLink.objects.filter(member=member).select_related("region__parent"))
    return render(
        request,
        "party/me.html",
        {
            "member": member,
            "posts": member.posts.select_related("organization"),
            "links": links,
            "households": [link for link in links if link.level == ChainLevel.HOUSEHOLD],
            "others": [link for link in links if link.level != ChainLevel.HOUSEHOLD],
            "grid_posts": member.grid_posts.select_related("kind", "grid__parent"),
            "transfers": member.transfers.all(),
        },
    )


# --- organisations (S1) ------------------------------------------------------------------------------
@login_required
def organization_list(request):
    user = request.user
    require_view(user)
    queryset = (
        PartyOrganization.objects.visible_to(user)
        .select_related("region")
        .annotate(
            member_count=Count("members", filter=Q(members__status=PartyMember.Status.ACTIVE))
        )
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=PartyPost.objects.filter(
                    post__in=[PartyPost.Post.SECRETARY, PartyPost.Post.GROUP_LEADER]
                ).select_related("member__resident"),
                to_attr="heads",
            )
        )
        .order_by("code")
    )
    filterset = styled_filterset(OrganizationFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(request, "party/organization_list.html", list_context(request, filterset, page))


@login_required
def organization_detail(request, pk):
    user = request.user
    org = get_object_or_404(
        PartyOrganization.objects.visible_to(user).select_related("region__parent"), pk=pk
    )
    posts = list(org.posts.select_related("member__resident").order_by("post", "id"))
    field = "group" if org.kind == OrgKind.BUILDING_GROUP else "organization"
    members = (
        PartyMember.objects.visible_to(user)
        .active()
        .filter(**{field: org})
        .select_related("resident", "organization")
        .order_by("resident__name", "name", "id")
    )
    page = paginate(request, members)
    children = (
        PartyOrganization.objects.visible_to(user)
        .within(org.code)
        .exclude(pk=org.pk)
        .filter(level__in=_child_levels(org.region.level))
        .order_by("code")[:200]
    )
    return render(
        request,
        "party/organization_detail.html",
        {
            "org": org,
            "posts": posts,
            "page": page,
            "children": children,
            "ancestors": ancestors_of(user, org.region),
            "can_manage": user.has_scoped_perm(MANAGE, org.code),
            "events": history(user, org),
        },
    )


def _child_levels(level: str) -> tuple[str, ...]:
    return {
        Level.STREET: (Level.COMMUNITY, Level.VILLAGE),
        Level.COMMUNITY: (Level.GRID,),
        Level.VILLAGE: (Level.GRID,),
        Level.GRID: (Level.BUILDING,),
    }.get(level, ())


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    user = request.user
    code = (request.GET.get("region") or "").strip()
    if not code:
        raise Http404
    region = get_object_or_404(
        Region.objects.visible_to(user, VIEW).select_related("parent"), code=code
    )
    require(user, MANAGE, region.code)
    if region.level not in KINDS_BY_LEVEL:
        raise Http404
    existing = PartyOrganization.objects.filter(region=region).first()
    if existing is not None:
        messages.info(request, _("This node already has a party organisation."))
        return redirect("party:organization_detail", pk=existing.pk)
    form = OrganizationForm(request.POST or None, level=region.level)
    if request.method == "POST":
        org = run_action(form, lambda data: actions.create_organization(region, data, by=user))
        if org:
            messages.success(request, _("Created “%(name)s”.") % {"name": org.name})
            return redirect(safe_next(request, reverse("party:organization_detail", args=[org.pk])))
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("New party organisation for %(name)s") % {"name": region.name},
            "cancel_url": safe_next(request, reverse("party:coverage") + f"?region={region.code}"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk):
    user = request.user
    org = get_object_or_404(
        PartyOrganization.objects.visible_to(user).select_related("region"), pk=pk
    )
    require(user, MANAGE, org.code)
    form = OrganizationForm(
        request.POST or None, level=org.level, initial=OrganizationForm.initial_for(org)
    )
    return edit_page(
        request,
        org,
        form,
        lambda data: actions.change_organization(org, data, by=user),
        done=reverse("party:organization_detail", args=[org.pk]),
        title=_("Edit %(name)s") % {"name": org.name},
        template="party/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_dissolve(request, pk):
    user = request.user
    org = get_object_or_404(PartyOrganization.objects.visible_to(user), pk=pk)
    require(user, MANAGE, org.code)
    errors = []
    if request.method == "POST":
        name = org.name
        try:
            actions.dissolve_organization(org, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Dissolved “%(name)s”.") % {"name": name})
            return redirect("party:organization_list")
    return render(
        request,
        "party/confirm.html",
        {
            "title": _("Dissolve %(name)s?") % {"name": org.name},
            "text": _("The organisation is removed from the tree; its history stays in the log."),
            "errors": errors,
            "button": _("Dissolve"),
            "cancel_url": reverse("party:organization_detail", args=[org.pk]),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_add(request, pk):
    user = request.user
    org = get_object_or_404(PartyOrganization.objects.visible_to(user), pk=pk)
    require(user, MANAGE, org.code)
    reach = org.code if len(org.code) < CODE_LENGTH[Level.COMMUNITY] else community_code(org.code)
    posts = (
        [PartyPost.Post.GROUP_LEADER]
        if org.kind == OrgKind.BUILDING_GROUP
        else [p for p in PartyPost.Post.values if p != PartyPost.Post.GROUP_LEADER]
    )
    form = PartyPostForm(
        request.POST or None,
        members=member_choices(PartyMember.objects.visible_to(user).within(reach)),
        posts=posts,
    )
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.add_party_post(
            org, data["member"], data["post"], since=data["since"], by=user
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("party:organization_detail", pk=org.pk)
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("New post in %(name)s") % {"name": org.name},
            "cancel_url": reverse("party:organization_detail", args=[org.pk]),
        },
    )


@login_required
@require_POST
def post_end(request, pk):
    user = request.user
    post = get_object_or_404(
        PartyPost.objects.visible_to(user, VIEW).select_related("member__resident"), pk=pk
    )
    require(user, MANAGE, post.code)
    actions.end_party_post(post, by=user)
    messages.success(request, _("The post has ended."))
    return redirect("party:organization_detail", pk=post.organization_id)


# --- members -------------------------------------------------------------------------------------
def member_queryset(user):
    return (
        PartyMember.objects.visible_to(user)
        .select_related("resident__household", "organization", "group")
        .order_by("code", "id")
    )


@login_required
def member_list(request):
    user = request.user
    require_view(user)
    filterset = styled_filterset(
        MemberFilter(request.GET or None, queryset=member_queryset(user)), user
    )
    # Reached from an organisation's page; a row id is nothing to type in.
    filterset.form.fields["organization"].widget = forms.HiddenInput()
    page = paginate(request, filterset.qs)
    return render(
        request,
        "party/member_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
def member_export(request):
    user = request.user
    require_view(user)
    # The list's own filters; a value that does not parse is ignored, as on the list.
    filterset = MemberFilter(request.GET or None, queryset=PartyMember.objects.visible_to(user))
    roots = party_roots(user)
    actions.record_export(
        _("Party members (Excel)"),
        scope_code=roots[0].code if len(roots) == 1 else "",
        filters=dict(request.GET.items()),
        by=user,
    )
    return exports.members_workbook(filterset.qs)


@login_required
def member_detail(request, pk):
    user = request.user
    member = get_object_or_404(
        PartyMember.objects.visible_to(user).select_related(
            "resident__household", "organization", "group", "user"
        ),
        pk=pk,
    )
    links = ResponsibilityLink.objects.filter(member=member).select_related("region__parent")
    level_counts = dict(links.order_by().values_list("level").annotate(n=Count("pk")))
    return render(
        request,
        "party/member_detail.html",
        {
            "member": member,
            "posts": member.posts.select_related("organization"),
            "links": links[:100],
            "link_count": sum(level_counts.values()),
            "level_counts": [
                (ChainLevel(level).label, level_counts[level])
                for level in ChainLevel.values
                if level in level_counts
            ],
            "grid_posts": member.grid_posts.select_related("kind", "grid__parent"),
            "transfers": member.transfers.all(),
            "can_manage": user.has_scoped_perm(MANAGE, member.code)
            and member.status == PartyMember.Status.ACTIVE,
            "events": history(user, member),
            "ancestors": ancestors_of(user, member.organization.region)
            if member.organization_id
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request):
    user = request.user
    organizations = managed_organizations(user)
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    residents = Resident.objects.visible_to(user).living()
    initial = {}
    chosen_resident = None
    if request.GET.get("resident", "").isdigit():
        chosen_resident = residents.filter(pk=int(request.GET["resident"])).first()
        if chosen_resident:
            initial["resident"] = chosen_resident.pk
    if request.GET.get("organization", "").isdigit():
        initial["organization"] = organizations.filter(pk=int(request.GET["organization"])).first()
    form = MemberCreateForm(
        request.POST or None,
        organizations=organizations,
        groups=visible_groups(user),
        residents=residents,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            chosen_resident = form.cleaned_data.get("resident")
        member = run_action(
            form,
            lambda data: actions.create_member(data["organization"], form.action_data(), by=user),
        )
        if member:
            messages.success(request, _("Created “%(name)s”.") % {"name": member.display_name})
            return redirect("party:member_detail", pk=member.pk)
    return render(
        request,
        "party/member_form.html",
        {
            "form": form,
            "title": _("New party member"),
            "chosen_resident": chosen_resident,
            "cancel_url": reverse("party:member_list"),
        },
    )


@login_required
def resident_search(request):
    """Residents matching a name, for choosing the person a member record belongs to (HTMX)."""
    user = request.user
    if not user.holds_perm(MANAGE) and not user.holds_perm(ASSIGN):
        raise PermissionDenied
    query = (request.GET.get("q") or "").strip()[:50]
    results = []
    if query:
        # Only adults can join the party (actions check it again): children are no candidates.
        today = timezone.localdate()
        try:
            adult_born_by = today.replace(year=today.year - actions.ADULT_AGE)
        except ValueError:  # 29 February
            adult_born_by = today.replace(year=today.year - actions.ADULT_AGE, day=28)
        results = list(
            Resident.objects.visible_to(user)
            .living()
            .filter(name__contains=query, birth_date__lte=adult_born_by)
            .select_related("household", "party_member")
            .order_by("name", "code")[:SEARCH_RESULTS]
        )
    return render(
        request,
        "party/includes/resident_results.html",
        {"results": results, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    user = request.user
    member = get_object_or_404(member_queryset(user), pk=pk)
    require(user, MANAGE, member.code)
    form = MemberEditForm(
        request.POST or None,
        member=member,
        groups=visible_groups(user).within(member.code),
        initial=MemberEditForm.initial_for(member),
    )
    return edit_page(
        request,
        member,
        form,
        lambda data: actions.change_member(member, data, by=user),
        done=reverse("party:member_detail", args=[member.pk]),
        title=_("Edit %(name)s") % {"name": member.display_name},
        template="party/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request, pk):
    user = request.user
    member = get_object_or_404(member_queryset(user), pk=pk)
    require(user, MANAGE, member.code)
    form = TransferForm(
        request.POST or None,
        organizations=managed_organizations(user).exclude(pk=member.organization_id),
    )
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.transfer_member(
            member,
            to_organization=data["to_organization"],
            to_name=data["to_name"],
            on=data["on"],
            reason=data["reason"],
            by=user,
        ),
    ):
        messages.success(request, _("The transfer is recorded."))
        if PartyMember.objects.visible_to(user).filter(pk=member.pk).exists():
            return redirect("party:member_detail", pk=member.pk)
        return redirect("party:transfer_list")
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Transfer %(name)s") % {"name": member.display_name},
            "intro": _(
                "Posts and responsibilities outside the new organisation's community end with "
                "the transfer; a transfer out of the street ends all of them."
            ),
            "cancel_url": reverse("party:member_detail", args=[member.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_login(request, pk):
    user = request.user
    member = get_object_or_404(member_queryset(user), pk=pk)
    require(user, MANAGE, member.code)
    form = MemberLoginForm(request.POST or None)
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.create_member_login(
            member, data["username"], data["password"], by=user
        ),
    ):
        messages.success(request, _("The member can now log in."))
        return redirect("party:member_detail", pk=member.pk)
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": _("Login for %(name)s") % {"name": member.display_name},
            "intro": _("The member sees their own party records with this login."),
            "cancel_url": reverse("party:member_detail", args=[member.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_death(request, pk):
    user = request.user
    member = get_object_or_404(member_queryset(user), pk=pk)
    require(user, MANAGE, member.code)
    errors = []
    if request.method == "POST":
        try:
            actions.record_member_death(member, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Saved."))
            return redirect("party:member_detail", pk=member.pk)
    return render(
        request,
        "party/confirm.html",
        {
            "title": _("Record the death of %(name)s?") % {"name": member.display_name},
            "text": _("The member's posts and responsibilities end; the record is kept."),
            "errors": errors,
            "button": _("Record"),
            "cancel_url": reverse("party:member_detail", args=[member.pk]),
        },
        status=400 if errors else 200,
    )


@login_required
def transfer_list(request):
    user = request.user
    require_view(user)
    transfers = (
        MemberTransfer.objects.visible_to(user)
        .select_related("member__resident")
        .order_by("-on", "-id")
    )
    return render(request, "party/transfer_list.html", {"page": paginate(request, transfers)})


# --- the coverage audit and the chain (S2) ---------------------------------------------------------
@login_required
def coverage(request):
    user = request.user
    require_view(user)
    region = chosen_region(request)
    if region is None:
        return render(request, "party/choose_region.html", {"roots": party_roots(user)})
    report = coverage_report(region)
    return render(
        request,
        "party/coverage.html",
        {
            "region": region,
            "report": report,
            "ancestors": ancestors_of(user, region),
            "can_manage": user.has_scoped_perm(MANAGE, region.code),
            "can_assign": user.has_scoped_perm(ASSIGN, region.code),
            "here": request.get_full_path(),
        },
    )


def _nodes_by_code(codes: list[str], chunk: int = 500):
    for start in range(0, len(codes), chunk):
        yield from (
            Region.objects.filter(code__in=codes[start : start + chunk])
            .select_related("parent")
            .order_by("code")
        )


def gap_lists(report):
    """Every gap of a report, as `(section, level, nodes)` with `nodes` iterated lazily (the
    export lists them all, not only the page's first ones)."""
    region = report.region
    sections = []
    for row in report.organisations:
        if row.level == ChainLevel.BUILDING:
            continue  # listed from the report's own set below
        levels = (
            (Level.COMMUNITY, Level.VILLAGE) if row.level == ChainLevel.COMMUNITY else (row.level,)
        )
        sections.append(
            (
                _("Party organisations"),
                row.label,
                Region.objects.within(region.code)
                .filter(level__in=levels)
                .filter(~Exists(PartyOrganization.objects.filter(region_id=OuterRef("pk"))))
                .select_related("parent")
                .order_by("code")
                .iterator(chunk_size=2000),
            )
        )
    for row in report.organisations:
        if row.level == ChainLevel.BUILDING and row.gap_codes:
            sections.append(
                (_("Party organisations"), row.label, _nodes_by_code(sorted(row.gap_codes)))
            )
    for row in report.chain:
        if row.uncovered:
            sections.append(
                (
                    _("Responsibility chain"),
                    f"{row.label} · {row.role}",
                    actions.uncovered_nodes(region.code, row.level)
                    .select_related("parent")
                    .iterator(chunk_size=2000),
                )
            )
    return sections


@login_required
def coverage_export(request):
    user = request.user
    require_view(user)
    region = chosen_region(request)
    if region is None:
        raise Http404
    report = coverage_report(region, limit=MAX_LIMIT, children=False)
    actions.record_export(
        _("Coverage gaps of %(name)s (Excel)") % {"name": region.name},
        scope_code=region.code,
        by=user,
    )
    return exports.gaps_workbook(report, gap_lists(report))


@login_required
def chain_export(request, code):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user, VIEW), code=code)
    actions.record_export(
        _("Responsibility chain of %(name)s (Excel)") % {"name": region.name},
        scope_code=region.code,
        by=user,
    )
    return exports.chain_workbook(region)


def _chain_children(user, region: Region, request):
    """The node's children with who answers for each, a page at a time."""
    children = (
        Region.objects.visible_to(user, VIEW)
        .filter(parent=region)
        .select_related("responsibility__member__resident", "responsibility__member__organization")
        .order_by("code")
    )
    return paginate(request, children)


@login_required
def chain_node(request, code):
    user = request.user
    region = get_object_or_404(
        Region.objects.visible_to(user, VIEW).select_related("parent"), code=code
    )
    level = chain_level_of(region.level)
    link = (
        ResponsibilityLink.objects.select_related("member__resident", "member__organization")
        .filter(region=region)
        .first()
    )
    can_assign = user.has_scoped_perm(ASSIGN, region.code)
    candidates = candidates_for(user, region) if can_assign and level else None
    assign_form = None
    if candidates is not None:
        assign_form = AssignForm(
            members=candidates,
            initial={
                "replace": link is not None,
                "expected": link.member_id if link else None,
                "next": request.GET.get("next", ""),
            },
        )
    bulk_levels = actions.BULK_LEVELS.get(region.level, ())
    bulk_form = None
    if can_assign and bulk_levels:
        bulk_form = BulkAssignForm(members=candidates_for(user, region), levels=bulk_levels)
    report = coverage_report(region, limit=0, children=False)
    page = _chain_children(user, region, request)
    return render(
        request,
        "party/chain_node.html",
        {
            "region": region,
            "level": level,
            "role": CHAIN_ROLES.get(level) if level else None,
            "link": link,
            "assign_form": assign_form,
            "bulk_form": bulk_form,
            "can_assign": can_assign,
            "report": report,
            "page": page,
            "ancestors": ancestors_of(user, region),
            "next": safe_next(request, ""),
            "events": list(
                AuditEvent.objects.visible_to(user, VIEW).filter(
                    object_type=ResponsibilityLink._meta.label_lower, scope_code=region.code
                )[:50]
            ),
        },
    )


@login_required
@require_POST
def chain_assign(request, code):
    user = request.user
    region = get_object_or_404(
        Region.objects.visible_to(user, VIEW).select_related("parent"), code=code
    )
    require(user, ASSIGN, region.code)
    if chain_level_of(region.level) is None:
        raise Http404
    form = AssignForm(request.POST, members=candidates_for(user, region))
    link = run_action(
        form,
        lambda data: actions.assign_responsibility(
            region,
            data["member"],
            replace=bool(data["replace"]),
            expected_member_id=data["expected"],
            by=user,
        ),
    )
    if link:
        messages.success(
            request,
            _("%(member)s now answers for %(node)s.")
            % {"member": link.member.display_name, "node": region.address or region.name},
        )
        return redirect(safe_next(request, reverse("party:chain_node", args=[region.code])))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    target = reverse("party:chain_node", args=[region.code])
    back = safe_next(request, "")
    return redirect(f"{target}?{urlencode({'next': back})}" if back else target)


@login_required
@require_POST
def chain_unassign(request, code):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user, VIEW), code=code)
    require(user, ASSIGN, region.code)
    link = get_object_or_404(ResponsibilityLink.objects.select_related("member"), region=region)
    form = UnassignForm(request.POST)
    expected = form.cleaned_data["expected"] if form.is_valid() else None
    try:
        actions.unassign_responsibility(link, expected_member_id=expected, by=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Nobody answers for this node now."))
    return redirect("party:chain_node", code=region.code)


@login_required
@require_POST
def chain_bulk(request, code):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user, VIEW), code=code)
    require(user, ASSIGN, region.code)
    levels = actions.BULK_LEVELS.get(region.level, ())
    if not levels:
        raise Http404
    form = BulkAssignForm(request.POST, members=candidates_for(user, region), levels=levels)
    count = run_action(
        form,
        lambda data: actions.assign_in_bulk(region, data["level"], list(data["members"]), by=user),
    )
    if count is not None:
        messages.success(request, _("%(count)s nodes assigned.") % {"count": count})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("party:chain_node", code=region.code)


# --- grid posts (S26) ----------------------------------------------------------------------------
@login_required
def grid_posts(request):
    user = request.user
    require_view(user)
    region = chosen_region(request)
    if region is None:
        return render(request, "party/choose_region.html", {"roots": party_roots(user)})
    kinds = list(GridPostKind.objects.filter(active=True))
    grids = (
        Region.objects.visible_to(user, VIEW)
        .within(region.code)
        .filter(level=Level.GRID)
        .select_related("parent")
        .order_by("code")
    )
    page = paginate(request, grids)
    holders = {
        (post.grid_id, post.kind_id): post
        for post in GridPost.objects.filter(grid__in=list(page)).select_related(
            "member__resident", "resident"
        )
    }
    rows = [(grid, [(kind, holders.get((grid.pk, kind.pk))) for kind in kinds]) for grid in page]
    return render(
        request,
        "party/grid_posts.html",
        {
            "region": region,
            "kinds": kinds,
            "rows": rows,
            "page": page,
            "ancestors": ancestors_of(user, region),
            "can_configure": user.is_superuser or user.holds_perm(CONFIGURE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def grid_post_edit(request, code):
    user = request.user
    grid = get_object_or_404(
        Region.objects.visible_to(user, VIEW).filter(level=Level.GRID).select_related("parent"),
        code=code,
    )
    can_assign = user.has_scoped_perm(ASSIGN, grid.code)
    kinds = list(GridPostKind.objects.filter(active=True))
    holders = {
        post.kind_id: post
        for post in GridPost.objects.filter(grid=grid).select_related(
            "member__resident", "resident"
        )
    }
    members = candidates_for(user, grid)
    residents = Resident.objects.visible_to(user).living()
    bound = None
    if request.method == "POST":
        require(user, ASSIGN, grid.code)
        if request.POST.get("vacate", "").isdigit():
            post = holders.get(int(request.POST["vacate"]))
            if post is not None:
                actions.vacate_grid_post(post, by=user)
                messages.success(request, _("The post is vacant now."))
            return redirect("party:grid_post_edit", code=grid.code)
        bound = GridPostForm(request.POST, members=members, residents=residents)
        kind = None
        if bound.is_valid():
            kind = next((k for k in kinds if k.pk == bound.cleaned_data["kind"]), None)
            if kind is None:
                bound.add_error(None, _("This post is no longer in use."))
        if kind is not None and run_action(
            bound,
            lambda data: actions.fill_grid_post(
                grid,
                kind,
                member=data["member"],
                resident=data["resident"],
                name=data["name"],
                since=data["since"],
                by=user,
            ),
        ):
            messages.success(request, _("Saved."))
            return redirect("party:grid_post_edit", code=grid.code)
    if (
        bound is not None
        and bound.errors
        and not any(
            str(bound.data.get("kind")) == str(kind.pk) and kind.pk not in holders for kind in kinds
        )
    ):
        # The form for a post someone holds is not on the page: say why here.
        for errors in bound.errors.values():
            for error in errors:
                messages.error(request, error)
    rows = []
    for kind in kinds:
        form = None
        if can_assign and kind.pk not in holders:
            if bound is not None and str(bound.data.get("kind")) == str(kind.pk):
                form = bound
            else:
                form = GridPostForm(
                    members=members,
                    residents=residents,
                    initial={"kind": kind.pk},
                    prefix=None,
                )
            form.auto_id = f"id_{kind.pk}_%s"
        rows.append((kind, holders.get(kind.pk), form))
    return render(
        request,
        "party/grid_post_edit.html",
        {
            "grid": grid,
            "rows": rows,
            "can_assign": can_assign,
            "ancestors": ancestors_of(user, grid),
            "events": list(
                AuditEvent.objects.visible_to(user, VIEW).filter(
                    object_type=GridPost._meta.label_lower, scope_code=grid.code
                )[:50]
            ),
        },
        status=400 if bound is not None and bound.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_kinds(request):
    user = request.user
    require_view(user)
    can_configure = user.is_superuser or user.holds_perm(CONFIGURE)
    form = PostKindForm(request.POST or None) if can_configure else None
    if request.method == "POST":
        if not can_configure:
            raise PermissionDenied
        kind = run_action(form, lambda data: actions.create_post_kind(data, by=user))
        if kind:
            messages.success(request, _("Created “%(name)s”.") % {"name": kind.name})
            return redirect("party:post_kinds")
    return render(
        request,
        "party/post_kinds.html",
        {
            "kinds": GridPostKind.objects.annotate(holders=Count("posts")),
            "form": form,
            "can_configure": can_configure,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_kind_edit(request, pk):
    user = request.user
    if not (user.is_superuser or user.holds_perm(CONFIGURE)):
        raise PermissionDenied
    kind = get_object_or_404(GridPostKind, pk=pk)
    form = PostKindForm(
        request.POST or None,
        initial={
            "name": kind.name,
            "required": kind.required,
            "active": kind.active,
            "order": kind.order,
        },
    )
    return edit_page(
        request,
        kind,
        form,
        lambda data: actions.change_post_kind(kind, data, by=user),
        done=reverse("party:post_kinds"),
        title=_("Edit %(name)s") % {"name": kind.name},
        template="party/form.html",
    )
