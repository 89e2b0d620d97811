"""Pages of community services (S12, S13, S15, S21): the coverage audit of the service network,
the registers of points, venues, notices and service types, and the public e-pages of
communities, compounds (grids) and buildings (社区e网 / 小区e站 / 楼宇e格).

The registers follow the house rules: rows come only from `visible_to(user, "services.view")`, a
single object is fetched with `get_object_or_404` on that queryset ("missing" and "not yours" are
the same 404), an object in scope the user may not change answers 403, and every change is an
action in `services.actions` whose field errors go back on the form.

The e-pages are public, like the boards: anyone may read a node's published notices, points and
venues. The people on them are shown by name to staff of that community and to its residents,
masked (张**) to everyone else; their phones are masked except for staff, whose plaintext view is
logged.
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sixfold.core import events, pii
from sixfold.core.forms import apply_errors
from sixfold.core.models import AuditEvent, Building, Level, Region
from sixfold.core.models.region import CODE_LENGTH
from sixfold.core.views import edit_page, list_context, styled_filterset
from sixfold.party.models import CHAIN_ROLES, ResponsibilityLink, chain_level_of

from . import actions, exports
from .actions import CONFIGURE, MANAGE, VIEW
from .coverage import MAX_LIMIT, coverage_report, node_label, uncovered_nodes
from .filters import NoticeFilter, PointFilter, VenueFilter
from .forms import (
    NoticeCreateForm,
    NoticeForm,
    PointCreateForm,
    PointForm,
    ServiceTypeForm,
    StaffForm,
    VenueCreateForm,
    VenueForm,
)
from .models import (
    KIND_BY_LEVEL,
    Notice,
    ServicePoint,
    ServiceStaff,
    ServiceType,
    Venue,
)

PAGE_SIZE = 50
COMMUNITY_LENGTH = CODE_LENGTH[Level.COMMUNITY]
GRID_LENGTH = CODE_LENGTH[Level.GRID]
BUILDING_LENGTH = CODE_LENGTH[Level.BUILDING]
EPAGE_LEVELS = (Level.COMMUNITY, Level.VILLAGE, Level.GRID, Level.BUILDING)
EPAGE_TITLES = {
    Level.COMMUNITY: gettext_lazy("Community e-net"),
    Level.VILLAGE: gettext_lazy("Community e-net"),
    Level.GRID: gettext_lazy("Compound e-station"),
    Level.BUILDING: gettext_lazy("Building e-cell"),
}
# The level below each e-page level whose points and e-pages the page lists.
CHILD_LEVEL = {
    Level.COMMUNITY: Level.GRID,
    Level.VILLAGE: Level.GRID,
    Level.GRID: Level.BUILDING,
    Level.BUILDING: Level.UNIT,
}
NOTICES_ON_EPAGE = 20
CHILDREN_ON_EPAGE = 60


# --- helpers -------------------------------------------------------------------------------------
def require(user, perm: str, code: str) -> None:
    if not user.has_scoped_perm(perm, code):
        raise PermissionDenied


def require_view(user) -> None:
    if not user.holds_perm(VIEW):
        raise PermissionDenied


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


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


def roots(user):
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True).order_by("code")
    return Region.objects.filter(code__in=user.scope_prefixes(VIEW)).order_by("code")


def region_code(value) -> str:
    """A node code as typed, stripped; refused (404) when it can never be one: too long, or with
    a NUL character, which PostgreSQL refuses in any string."""
    code = (value or "").strip()
    if len(code) > 40 or "\x00" in code:
        raise Http404
    return code


def chosen_region(request):
    """The node named by `?region=CODE` among those the user sees, else the user's only root."""
    code = region_code(request.GET.get("region"))
    regions = Region.objects.visible_to(request.user, VIEW)
    if code:
        return get_object_or_404(regions.select_related("parent"), code=code)
    found = list(roots(request.user)[:2])
    return found[0] if len(found) == 1 else None


def managed_region(user, code: str) -> Region:
    """The node of a new row, among those the user may manage; a field error otherwise."""
    region = (
        Region.objects.visible_to(user, MANAGE).filter(code=(code or "").strip()).first()
        if code
        else None
    )
    if region is None:
        raise ValidationError({"region": [_("No node with this code in your area.")]})
    return region


def initial_region(request) -> dict:
    """The node a new row starts on: the one a link names, else the only area the user
    manages (a community worker should not have to look up her own community's code)."""
    code = request.GET.get("region", "").strip()[:64]
    if not code:
        prefixes = request.user.scope_prefixes(MANAGE)
        if len(prefixes) == 1:
            code = prefixes[0]
    return {"region": code}


def order_entry_base() -> str:
    """The work-order entry page of the orders engine; "" while it has none."""
    try:
        return reverse("orders:submit")
    except NoReverseMatch:
        return ""


def order_entry_url(region_code: str, category: str = "", title: str = "") -> str:
    """The work-order entry preset to a place, a category and a title
    (`?region=…&category=…&title=…`): a request for a venue's service says which one."""
    base = order_entry_base()
    if not base:
        return ""
    params = {"region": region_code}
    if category:
        params["category"] = category
    if title:
        params["title"] = title
    return f"{base}?{urlencode(params)}"


def order_category_names(codes) -> dict[str, str]:
    """The names of work-order categories by code, when the orders engine is installed."""
    try:
        category = apps.get_model("orders", "Category")
    except LookupError:
        return {}
    return dict(category.objects.filter(slug__in=codes).values_list("slug", "name"))


def service_title(service_type, venue) -> str:
    return f"{service_type.name} · {venue.name}"


def resident_codes(user) -> list[str]:
    """The households of a logged-in resident."""
    if not user.is_authenticated:
        return []
    return [a.scope_code for a in user.active_assignments() if a.role == "resident"]


def place_for_order(user, region: Region) -> str:
    """Where a request made from a page about `region` is filed: the resident's own household
    when it lies under the node, else the node itself."""
    for code in resident_codes(user):
        if code.startswith(region.code):
            return code
    return region.code


# --- home ------------------------------------------------------------------------------------------
def home(request):
    user = request.user
    if user.is_authenticated and user.holds_perm(VIEW):
        found = list(roots(user))
        region = found[0] if len(found) == 1 else None
        report = coverage_report(region, limit=0) if region else None
        return render(
            request,
            "services/home.html",
            {
                "roots": found,
                "region": region,
                "report": report,
                "points": ServicePoint.objects.visible_to(user).count(),
                "venues": Venue.objects.visible_to(user).count(),
                "notices": Notice.objects.visible_to(user).current().count(),
                "can_configure": user.is_superuser or user.holds_perm(CONFIGURE),
                "epage_code": epage_code_for(region) if region else "",
            },
        )
    own = own_pages(user)
    if len({node.code[:COMMUNITY_LENGTH] for node in own}) == 1:
        # One home: the resident lands on her building's page, with her other pages above it.
        return render_epage(request, own[-1], own=own)
    communities = list(
        Region.objects.filter(level__in=(Level.COMMUNITY, Level.VILLAGE)).order_by("code")
    )
    return render(
        request,
        "services/public_home.html",
        {
            "own": [(node, EPAGE_TITLES[node.level]) for node in own],
            "communities": communities,
        },
    )


def own_pages(user) -> list[Region]:
    """The e-pages of a resident's community, grid and building, top down."""
    codes = []
    for code in resident_codes(user):
        codes += [code[:length] for length in (COMMUNITY_LENGTH, GRID_LENGTH, BUILDING_LENGTH)]
    if not codes:
        return []
    return list(
        Region.objects.filter(code__in=codes, level__in=EPAGE_LEVELS)
        .select_related("parent")
        .order_by("code")
    )


# --- coverage audit (S12) --------------------------------------------------------------------------
@login_required
def coverage(request):
    user = request.user
    require_view(user)
    region = chosen_region(request)
    if region is None:
        return render(request, "services/choose_region.html", {"roots": roots(user)})
    try:
        limit = int(request.GET.get("limit") or 50)
    except ValueError:
        limit = 50
    report = coverage_report(region, limit=max(1, min(limit, MAX_LIMIT)))
    return render(
        request,
        "services/coverage.html",
        {
            "region": region,
            "report": report,
            "ancestors": list(region.ancestors().visible_to(user, VIEW)),
            "can_manage": user.has_scoped_perm(MANAGE, region.code),
        },
    )


@login_required
def coverage_export(request):
    user = request.user
    require_view(user)
    region = chosen_region(request)
    if region is None:
        return redirect("services:coverage")
    events.record(
        AuditEvent.Verb.EXPORT, by=user, obj=region, purpose=_("Service network coverage gaps")
    )
    return exports.gaps_workbook(region)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_bulk(request):
    """Set up a point with the usual name at every gap of one level under a node (confirmed)."""
    user = request.user
    require_view(user)
    region = chosen_region(request)
    if region is None:
        return redirect("services:coverage")
    require(user, MANAGE, region.code)
    level = request.GET.get("level") or ""
    if level not in KIND_BY_LEVEL or CODE_LENGTH[Level(level)] < len(region.code):
        raise Http404
    levels = (Level.COMMUNITY, Level.VILLAGE) if level == Level.COMMUNITY else (level,)
    gaps = uncovered_nodes(region.code, levels).count()
    done = f"{reverse('services:coverage')}?{urlencode({'region': region.code})}"
    if request.method == "POST":
        count = actions.create_points_in_bulk(region, level, by=user)
        messages.success(request, _("%(count)s service points set up.") % {"count": count})
        return redirect(done)
    kind = KIND_BY_LEVEL[level]
    return render(
        request,
        "services/confirm.html",
        {
            "title": _("Set up every missing %(kind)s") % {"kind": kind.label},
            "text": _(
                "%(count)s nodes under %(name)s get a %(kind)s with the usual name (at most "
                "%(limit)s at a time). Opening hours, phones and staff are added afterwards."
            )
            % {"count": gaps, "name": region.name, "kind": kind.label, "limit": actions.BULK_LIMIT},
            "button": _("Set up"),
            "errors": [],
            "cancel_url": done,
        },
    )


# --- service points ----------------------------------------------------------------------------
def _points(user):
    return ServicePoint.objects.visible_to(user).select_related("region__parent")


def _export(request, filter_class, model, label, workbook):
    """The filtered rows of a list the user sees, as a workbook; the export is logged."""
    user = request.user
    require_view(user)
    filterset = filter_class(request.GET, queryset=model.objects.visible_to(user))
    queryset = filterset.qs if filterset.is_valid() else model.objects.none()
    events.record(
        AuditEvent.Verb.EXPORT,
        by=user,
        scope_code=user.home_scope(),
        object_type=model._meta.label_lower,
        object_repr=label,
    )
    return workbook(queryset)


@login_required
def point_list(request):
    user = request.user
    require_view(user)
    queryset = _points(user).annotate(staff_count=Count("staff")).order_by("code")
    filterset = styled_filterset(PointFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "services/point_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
def point_export(request):
    return _export(request, PointFilter, ServicePoint, _("Service points"), exports.points_workbook)


@login_required
@require_http_methods(["GET", "POST"])
def point_create(request):
    user = request.user
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    form = PointCreateForm(request.POST or None, initial=initial_region(request))
    if request.method == "POST":
        point = run_action(
            form,
            lambda data: actions.create_point(
                managed_region(user, data["region"]),
                {k: v for k, v in data.items() if k != "region"},
                by=user,
            ),
        )
        if point:
            messages.success(request, _("Created %(name)s.") % {"name": point})
            return redirect("services:point_detail", pk=point.pk)
    return render(
        request,
        "services/form.html",
        {"form": form, "title": _("New service point"), "cancel_url": reverse("services:coverage")},
    )


@login_required
def point_detail(request, pk):
    user = request.user
    point = get_object_or_404(_points(user), pk=pk)
    return render(
        request,
        "services/point_detail.html",
        {
            "point": point,
            "staff": list(point.staff.order_by("id")),
            "can_manage": user.has_scoped_perm(MANAGE, point.code),
            "staff_form": StaffForm(),
            "events": history(user, point),
            "epage_code": epage_code_for(point.region),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def point_edit(request, pk):
    user = request.user
    point = get_object_or_404(_points(user), pk=pk)
    require(user, MANAGE, point.code)
    form = PointForm(request.POST or None, initial=PointForm.initial_for(point))
    return edit_page(
        request,
        point,
        form,
        lambda data: actions.change_point(point, data, by=user),
        done=reverse("services:point_detail", args=[point.pk]),
        template="services/form.html",
    )


def confirm(request, obj, perform, *, title, text, button, done, cancel):
    """A confirmation page on GET; on POST the action, or its refusal shown on the page."""
    errors = []
    if request.method == "POST":
        try:
            perform()
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Done: %(what)s.") % {"what": title})
            return redirect(done)
    return render(
        request,
        "services/confirm.html",
        {
            "object": obj,
            "title": title,
            "text": text,
            "button": button,
            "errors": errors,
            "cancel_url": cancel,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def point_delete(request, pk):
    user = request.user
    point = get_object_or_404(_points(user), pk=pk)
    require(user, MANAGE, point.code)
    return confirm(
        request,
        point,
        lambda: actions.delete_point(point, by=user),
        title=_("Delete %(name)s") % {"name": point},
        text=_("The point and its staff list are deleted; the node shows as a gap in the audit."),
        button=_("Delete"),
        done=reverse("services:point_list"),
        cancel=reverse("services:point_detail", args=[point.pk]),
    )


@login_required
@require_POST
def staff_add(request, pk):
    user = request.user
    point = get_object_or_404(_points(user), pk=pk)
    require(user, MANAGE, point.code)
    form = StaffForm(request.POST)
    if run_action(form, lambda data: actions.add_staff(point, data, by=user)):
        messages.success(request, _("Saved."))
        return redirect("services:point_detail", pk=point.pk)
    return render(
        request,
        "services/form.html",
        {
            "form": form,
            "title": _("Add staff to %(name)s") % {"name": point},
            "cancel_url": reverse("services:point_detail", args=[point.pk]),
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk):
    user = request.user
    member = get_object_or_404(ServiceStaff.objects.visible_to(user).select_related("point"), pk=pk)
    require(user, MANAGE, member.code)
    # The phone is never shown in plaintext here: left empty, it stays as it is.
    form = StaffForm(request.POST or None, initial={"name": member.name, "role": member.role})
    form.fields["phone"].help_text = _("Now %(mask)s. Leave empty to keep it.") % {
        "mask": member.phone_masked or "—"
    }

    def save(data):
        if not data.get("phone"):
            data = {k: v for k, v in data.items() if k != "phone"}
        return actions.change_staff(member, data, by=user)

    return edit_page(
        request,
        member,
        form,
        save,
        done=reverse("services:point_detail", args=[member.point_id]),
        template="services/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_remove(request, pk):
    user = request.user
    member = get_object_or_404(ServiceStaff.objects.visible_to(user).select_related("point"), pk=pk)
    require(user, MANAGE, member.code)
    return confirm(
        request,
        member,
        lambda: actions.remove_staff(member, by=user),
        title=_("Remove %(name)s") % {"name": member},
        text=_("%(name)s is removed from the staff of %(point)s.")
        % {"name": member, "point": member.point},
        button=_("Remove"),
        done=reverse("services:point_detail", args=[member.point_id]),
        cancel=reverse("services:point_detail", args=[member.point_id]),
    )


# --- venues (S15) ------------------------------------------------------------------------------------
def _venues(user):
    return (
        Venue.objects.visible_to(user)
        .select_related("region__parent")
        .prefetch_related("service_types")
    )


@login_required
def venue_list(request):
    user = request.user
    require_view(user)
    filterset = styled_filterset(
        VenueFilter(request.GET or None, queryset=_venues(user).order_by("code", "id")), user
    )
    page = paginate(request, filterset.qs)
    return render(
        request,
        "services/venue_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
def venue_export(request):
    return _export(request, VenueFilter, Venue, _("Service venues"), exports.venues_workbook)


def venue_requests(user, venue) -> list[tuple[ServiceType, str]]:
    place = place_for_order(user, venue.region)
    return [
        (t, order_entry_url(place, t.order_category, service_title(t, venue)))
        for t in venue.service_types.all()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request):
    user = request.user
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    form = VenueCreateForm(request.POST or None, initial=initial_region(request))
    if request.method == "POST":
        venue = run_action(
            form,
            lambda data: actions.create_venue(
                managed_region(user, data["region"]),
                {k: v for k, v in data.items() if k != "region"},
                by=user,
            ),
        )
        if venue:
            messages.success(request, _("Created %(name)s.") % {"name": venue})
            return redirect("services:venue_detail", pk=venue.pk)
    return render(
        request,
        "services/form.html",
        {
            "form": form,
            "title": _("New service venue"),
            "cancel_url": reverse("services:venue_list"),
        },
    )


@login_required
def venue_detail(request, pk):
    user = request.user
    venue = get_object_or_404(_venues(user), pk=pk)
    return render(
        request,
        "services/venue_detail.html",
        {
            "venue": venue,
            "requests": venue_requests(user, venue),
            "can_manage": user.has_scoped_perm(MANAGE, venue.code),
            "events": history(user, venue),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request, pk):
    user = request.user
    venue = get_object_or_404(_venues(user), pk=pk)
    require(user, MANAGE, venue.code)
    form = VenueForm(request.POST or None, initial=VenueForm.initial_for(venue))
    return edit_page(
        request,
        venue,
        form,
        lambda data: actions.change_venue(venue, data, by=user),
        done=reverse("services:venue_detail", args=[venue.pk]),
        template="services/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_delete(request, pk):
    user = request.user
    venue = get_object_or_404(_venues(user), pk=pk)
    require(user, MANAGE, venue.code)
    return confirm(
        request,
        venue,
        lambda: actions.delete_venue(venue, by=user),
        title=_("Delete %(name)s") % {"name": venue},
        text=_("The venue leaves the e-pages and the registers. This cannot be undone."),
        button=_("Delete"),
        done=reverse("services:venue_list"),
        cancel=reverse("services:venue_detail", args=[venue.pk]),
    )


# --- notices (S13) ----------------------------------------------------------------------------------
def _notices(user):
    return Notice.objects.visible_to(user).select_related("region__parent", "author")


@login_required
def notice_list(request):
    user = request.user
    require_view(user)
    filterset = styled_filterset(NoticeFilter(request.GET or None, queryset=_notices(user)), user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "services/notice_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


@login_required
def notice_export(request):
    return _export(request, NoticeFilter, Notice, _("Notices"), exports.notices_workbook)


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request):
    user = request.user
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    form = NoticeCreateForm(request.POST or None, initial=initial_region(request))
    if request.method == "POST":
        notice = run_action(
            form,
            lambda data: actions.create_notice(
                managed_region(user, data["region"]),
                {k: v for k, v in data.items() if k not in ("region", "publish")},
                by=user,
                publish=data.get("publish", False),
            ),
        )
        if notice:
            messages.success(request, _("Created %(name)s.") % {"name": notice})
            return redirect("services:notice_detail", pk=notice.pk)
    return render(
        request,
        "services/form.html",
        {"form": form, "title": _("New notice"), "cancel_url": reverse("services:notice_list")},
    )


@login_required
def notice_detail(request, pk):
    user = request.user
    notice = get_object_or_404(_notices(user), pk=pk)
    return render(
        request,
        "services/notice_detail.html",
        {
            "notice": notice,
            "can_manage": user.has_scoped_perm(MANAGE, notice.code),
            "events": history(user, notice),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, pk):
    user = request.user
    notice = get_object_or_404(_notices(user), pk=pk)
    require(user, MANAGE, notice.code)
    form = NoticeForm(request.POST or None, initial=NoticeForm.initial_for(notice))
    return edit_page(
        request,
        notice,
        form,
        lambda data: actions.change_notice(notice, data, by=user),
        done=reverse("services:notice_detail", args=[notice.pk]),
        template="services/form.html",
    )


@login_required
@require_POST
def notice_publish(request, pk):
    user = request.user
    notice = get_object_or_404(_notices(user), pk=pk)
    require(user, MANAGE, notice.code)
    publish = request.POST.get("publish") != "0"
    try:
        if publish:
            actions.publish_notice(notice, by=user)
        else:
            actions.unpublish_notice(notice, by=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Published.") if publish else _("Taken off the e-page."))
    return redirect("services:notice_detail", pk=notice.pk)


@login_required
@require_http_methods(["GET", "POST"])
def notice_delete(request, pk):
    user = request.user
    notice = get_object_or_404(_notices(user), pk=pk)
    require(user, MANAGE, notice.code)
    return confirm(
        request,
        notice,
        lambda: actions.delete_notice(notice, by=user),
        title=_("Delete %(name)s") % {"name": notice},
        text=_("The notice is deleted and leaves the e-page. This cannot be undone."),
        button=_("Delete"),
        done=reverse("services:notice_list"),
        cancel=reverse("services:notice_detail", args=[notice.pk]),
    )


# --- service types (S21) -----------------------------------------------------------------------------
def require_configure(user) -> None:
    if not (user.is_superuser or user.holds_perm(CONFIGURE)):
        raise PermissionDenied


@login_required
def type_list(request):
    user = request.user
    require_view(user)
    types = list(ServiceType.objects.annotate(venue_count=Count("venues")).order_by("order", "id"))
    names = order_category_names({t.order_category for t in types if t.order_category})
    for service_type in types:
        service_type.category_name = names.get(service_type.order_category, "")
    return render(
        request,
        "services/type_list.html",
        {
            "types": types,
            "can_configure": user.is_superuser or user.holds_perm(CONFIGURE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_create(request):
    user = request.user
    require_configure(user)
    form = ServiceTypeForm(request.POST or None)
    if request.method == "POST" and run_action(
        form, lambda data: actions.create_service_type(data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("services:type_list")
    return render(
        request,
        "services/form.html",
        {"form": form, "title": _("New service type"), "cancel_url": reverse("services:type_list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request, pk):
    user = request.user
    require_configure(user)
    service_type = get_object_or_404(ServiceType, pk=pk)
    form = ServiceTypeForm(request.POST or None, initial=ServiceTypeForm.initial_for(service_type))
    return edit_page(
        request,
        service_type,
        form,
        lambda data: actions.change_service_type(service_type, data, by=user),
        done=reverse("services:type_list"),
        template="services/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_delete(request, pk):
    user = request.user
    require_configure(user)
    service_type = get_object_or_404(ServiceType, pk=pk)
    return confirm(
        request,
        service_type,
        lambda: actions.delete_service_type(service_type, by=user),
        title=_("Delete %(name)s") % {"name": service_type},
        text=_("Only a service no venue offers can be deleted."),
        button=_("Delete"),
        done=reverse("services:type_list"),
        cancel=reverse("services:type_list"),
    )


# --- e-pages (S13) ------------------------------------------------------------------------------------
def epage_code_for(region: Region) -> str:
    """The e-page that shows a node: its own, or its building's (a stairwell) or community's."""
    if region.level in EPAGE_LEVELS:
        return region.code
    if region.level == Level.UNIT:
        return region.code[: CODE_LENGTH[Level.BUILDING]]
    if region.level == Level.STREET:
        return ""
    return region.code[:COMMUNITY_LENGTH]


def viewer(user, region: Region) -> dict:
    """What the visitor of an e-page may see of the people on it."""
    community = region.code[:COMMUNITY_LENGTH]
    staff = user.is_authenticated and (
        user.is_superuser
        or any(
            prefix.startswith(community) or community.startswith(prefix)
            for prefix in user.scope_prefixes(VIEW)
        )
    )
    resident = any(code.startswith(community) for code in resident_codes(user))
    return {"staff": staff, "full_names": staff or resident}


def epage_data(user, region: Region) -> dict:
    """Everything an e-page shows, in a constant number of queries."""
    chain_codes = [*region.ancestor_codes(), region.code]
    child_level = CHILD_LEVEL[region.level]
    near = Q(code__in=chain_codes) | (Q(code__startswith=region.code) & Q(level=child_level))
    points = list(
        ServicePoint.objects.filter(near)
        .prefetch_related(Prefetch("staff", queryset=ServiceStaff.objects.order_by("id")))
        .order_by("code")
    )
    community = region.code[:COMMUNITY_LENGTH]
    venues = list(
        Venue.objects.filter(active=True)
        .filter(Q(code__in=chain_codes) | Q(code__startswith=community))
        .prefetch_related("service_types")
        .order_by("code", "id")
    )
    notice_codes = [c for c in chain_codes if len(c) >= COMMUNITY_LENGTH]
    notices = list(
        Notice.objects.current()
        .filter(code__in=notice_codes)
        .order_by("-pinned", "-published_at", "-id")[:NOTICES_ON_EPAGE]
    )
    links = list(
        ResponsibilityLink.objects.filter(code__in=chain_codes)
        .select_related("member__resident", "region")
        .order_by("code")
    )
    children = list(
        Region.objects.filter(parent=region, level__in=EPAGE_LEVELS).order_by("code")[
            :CHILDREN_ON_EPAGE
        ]
    )
    compounds = []
    if region.level in (Level.GRID, Level.BUILDING):
        # A grid's page is its compounds' e-station: name them, as residents know them.
        compounds = list(
            Building.objects.within(region.code)
            .exclude(compound="")
            .order_by("compound")
            .values_list("compound", flat=True)
            .distinct()[:5]
        )
    return {
        "compounds": compounds,
        "points": points,
        "venues": venues,
        "notices": notices,
        "links": links,
        "children": children,
    }


def shown_person(name: str, masked_phone: str, plaintext, seen: dict) -> dict:
    """A person as this visitor sees them (`plaintext` is called only for staff)."""
    return {
        "name": name if seen["full_names"] else pii.mask_name(name),
        "phone": (plaintext() or masked_phone) if seen["staff"] else masked_phone,
    }


def epage_context(user, region: Region) -> dict:
    data = epage_data(user, region)
    seen = viewer(user, region)
    revealed = False
    points = []
    for point in data["points"]:
        staff = []
        for member in point.staff.all():
            person = shown_person(member.name, member.phone_masked, member.plaintext_phone, seen)
            staff.append({**person, "role": member.role})
            revealed = revealed or (seen["staff"] and bool(member.phone_enc))
        points.append({"point": point, "staff": staff})
    contacts = []
    for link in data["links"]:
        member = link.member
        source = member.resident if member.resident_id else member

        def plaintext(source=source):
            return pii.decrypt(source.phone_enc)

        person = shown_person(member.display_name, member.display_phone, plaintext, seen)
        revealed = revealed or (seen["staff"] and bool(source.phone_enc))
        level = chain_level_of(link.region.level) or link.level
        contacts.append({**person, "role": CHAIN_ROLES.get(level, ""), "node": link.region.name})
    place = place_for_order(user, region)
    venues = [
        {
            "venue": venue,
            "requests": [
                (t, order_entry_url(place, t.order_category, service_title(t, venue)))
                for t in venue.service_types.all()
            ],
        }
        for venue in data["venues"]
    ]
    return {
        "region": region,
        "title": EPAGE_TITLES[region.level],
        "points": points,
        "venues": venues,
        "notices": data["notices"],
        "contacts": contacts,
        "children": data["children"],
        "compounds": data["compounds"],
        "order_url": order_entry_url(place),
        "seen": seen,
        "revealed": revealed,
    }


def log_reveal(user, region: Region) -> None:
    """Staff saw contacts' phones in plaintext: one logged reveal per page view."""
    events.record(
        AuditEvent.Verb.REVEAL,
        by=user,
        obj=region,
        purpose=_("Contacts on the e-page"),
    )


def render_epage(request, region: Region, own: list | None = None):
    context = epage_context(request.user, region)
    if context["revealed"]:
        log_reveal(request.user, region)
    context["ancestors"] = [
        node
        for node in region.ancestors().filter(level__in=EPAGE_LEVELS)
        if node.code != region.code
    ]
    context["can_manage"] = request.user.is_authenticated and request.user.has_scoped_perm(
        MANAGE, region.code
    )
    context["node_label"] = node_label(region)
    context["own"] = [(node, EPAGE_TITLES[node.level]) for node in own or []]
    return render(request, "services/epage.html", context)


def epage(request, code):
    code = region_code(code)
    region = get_object_or_404(
        Region.objects.filter(level__in=EPAGE_LEVELS).select_related("parent"), code=code
    )
    return render_epage(request, region)
