"""Server-rendered pages of the foundation: home, region browser (S26, S27), registers, audit log.

Every page follows the same three rules:
* rows come only from `Model.objects.visible_to(request.user, perm)`, and a single object is
  fetched with `get_object_or_404` on that queryset, so "missing" and "not yours" are the same 404;
* an object in scope that the user may not change (or delete, or reveal) answers 403 — the
  buttons for it are not shown in the first place;
* every change is a call to an action in `core.actions`; its `ValidationError` goes back on the
  form, field by field, and nothing is saved.
"""

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, ProtectedError, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sixfold.accounts.roles import ROLES

from . import actions
from .context_processors import PILLAR_HOMES, PILLARS
from .counts import extra_counts, household_counts, resident_counts
from .filters import BuildingFilter, HouseholdFilter, ResidentFilter, UnitFilter
from .forms import (
    AuditSearchForm,
    BuildingCreateForm,
    BuildingForm,
    HouseholdCreateForm,
    HouseholdForm,
    RegionCreateForm,
    RegionForm,
    ResidentForm,
    RevealForm,
    UnitCreateForm,
    UnitForm,
    apply_errors,
    style_fields,
)
from .models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from .models.region import CHILD_LEVELS, CODE_LENGTH
from .models.resident import elderly_cutoff

PAGE_SIZE = 50
# Levels whose nodes are plain regions; below them the register pages own creation and editing.
TREE_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.VILLAGE, Level.GRID)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 — any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


# --- helpers -----------------------------------------------------------------------------------
def require(user, perm: str, code: str) -> None:
    """403 unless the user holds `perm` over the node `code` (the object is already in scope)."""
    if not user.has_scoped_perm(perm, code):
        raise PermissionDenied


def abilities(user, code: str) -> dict[str, bool]:
    """Which buttons to show on an object's page."""
    return {
        "add": user.has_scoped_perm("registry.add", code),
        "change": user.has_scoped_perm("registry.change", code),
        "delete": user.has_scoped_perm("registry.delete", code),
        "reveal": user.has_scoped_perm("pii.reveal", code),
    }


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def history(user, obj) -> list[AuditEvent]:
    # Whoever may see an object may see what happened to it; the log search needs audit.view.
    return list(AuditEvent.objects.visible_to(user, "registry.view").for_object(obj)[:100])


def run_action(form, action, aliases=None):
    """Call `action(cleaned_data)` when the form is valid; on ValidationError mark the form."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc, aliases)
        return None


def visible_roots(user):
    """The top nodes of the user's scopes (several when roles are scoped to disjoint nodes)."""
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True)
    return Region.objects.filter(code__in=user.scope_prefixes("registry.view"))


def region_options(user, levels=(Level.COMMUNITY, Level.VILLAGE, Level.GRID)):
    """(code, label) of the nodes a list may be narrowed to, for the region filter."""
    nodes = (
        Region.objects.visible_to(user).of_level(*levels).select_related("parent").order_by("code")
    )
    return [
        (node.code, f"{node.parent.name} · {node.name}" if node.level == Level.GRID else node.name)
        for node in nodes
    ]


def styled_filterset(filterset, user):
    """Bootstrap classes on the filter form, and the region filter as a choice of visible nodes."""
    form = filterset.form
    if "region" in form.fields:
        options = region_options(user)
        form.fields["region"].label = _("region")
        if options:
            form.fields["region"].widget = forms.Select(choices=[("", _("All")), *options])
        else:
            # Nothing to choose from (a resident's scope is one household); a code in the URL
            # still narrows the list, so keep the field, unseen.
            form.fields["region"].widget = forms.HiddenInput()
    if "household" in form.fields:
        # Reached from a household's page; a row id is nothing to type in.
        form.fields["household"].widget = forms.HiddenInput()
    for field in form.fields.values():
        if isinstance(field.widget, forms.SelectMultiple):
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
    style_fields(form)
    return filterset


def edit_page(
    request, obj, form, save, *, done: str, title=None, template="core/form.html", cancel=None
):
    """The edit page of any object: on a valid POST call `save(cleaned_data)` (an action), then
    go to `done`; otherwise show the form with its field errors. Pillars pass their own form
    `template`; its Cancel leads to `cancel` (default `done`)."""
    if request.method == "POST" and run_action(form, save):
        messages.success(request, _("Saved."))
        return redirect(done)
    title = title or _("Edit %(name)s") % {"name": obj}
    context = {"form": form, "object": obj, "title": title, "cancel_url": cancel or done}
    return render(request, template, context)


def confirm_delete(request, obj, delete, *, done: str, cancel: str):
    """A confirmation page on GET; on POST the delete action, or its refusal shown on the page."""
    require(request.user, "registry.delete", obj.code)
    errors = []
    if request.method == "POST":
        name = str(obj)
        try:
            delete(obj, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        except ProtectedError:
            errors = [_("Other records still refer to this one, so it cannot be deleted.")]
        else:
            messages.success(request, _("Deleted %(name)s.") % {"name": name})
            return redirect(done)
    return render(
        request,
        "core/confirm_delete.html",
        {"object": obj, "errors": errors, "cancel_url": cancel},
        status=400 if errors else 200,
    )


def list_context(request, filterset, page, **extra) -> dict:
    """What every register list page needs; open the filter panel when a filter is in use."""
    active = any(
        value
        for key, values in request.GET.lists()
        if key not in ("search", "page")
        for value in values
    )
    return {"filter": filterset, "page": page, "filters_active": active, **extra}


def grid_norm_status(count: int) -> str:
    low, high = settings.SIXFOLD_GRID_HOUSEHOLDS
    if count < low:
        return "under"
    if count > high:
        return "over"
    return "within"


# --- home and pillars ------------------------------------------------------------------------------
@login_required
def home(request):
    user = request.user
    if not user.is_superuser and not user.holds_perm("registry.view"):
        # A role without the registers (a party member) starts on its own page.
        homes = [ROLES[r].home for r in sorted(user.role_codes()) if r in ROLES]
        landing = next((home for home in homes if home), "")
        if landing:
            return redirect(landing)
    tree = Region.objects.visible_to(user).aggregate(
        communities=Count("pk", filter=Q(level__in=[Level.COMMUNITY, Level.VILLAGE])),
        grids=Count("pk", filter=Q(level=Level.GRID)),
        buildings=Count("pk", filter=Q(level=Level.BUILDING)),
        households=Count("pk", filter=Q(level=Level.HOUSEHOLD)),
    )
    tag_filters = {
        tag: Q(birth_date__lte=elderly_cutoff())
        if tag == Resident.Tag.ELDERLY
        else Q(tags__contains=f",{tag},")
        for tag in Resident.Tag.values
    }
    people = (
        Resident.objects.visible_to(user)
        .living()
        .aggregate(
            residents=Count("pk"),
            **{tag: Count("pk", filter=condition) for tag, condition in tag_filters.items()},
        )
    )
    tags = [(tag, label, people[tag]) for tag, label in Resident.Tag.choices]

    roots = list(visible_roots(user).order_by("code"))
    breakdown = None
    if len(roots) == 1 and CHILD_LEVELS[Level(roots[0].level)]:
        children = list(
            Region.objects.visible_to(user).filter(parent=roots[0]).order_by("code")[:60]
        )
        if children:
            counts = household_counts([c.code for c in children])
            breakdown = {
                "title": _("Households in %(name)s") % {"name": roots[0].name},
                "labels": [c.name for c in children],
                "values": [counts.get(c.code, 0) for c in children],
            }
    # Only the levels below the user's scope are worth a number ("1 grid" tells a grid worker
    # nothing); households and residents always are.
    widest = min((len(root.code) for root in roots), default=CODE_LENGTH[Level.HOUSEHOLD])
    cards = [
        (key, label, value, url)
        for key, label, value, url, length in (
            (
                "communities",
                _("Communities and villages"),
                tree["communities"],
                reverse("core:region_index"),
                CODE_LENGTH[Level.COMMUNITY],
            ),
            (
                "grids",
                _("Grids"),
                tree["grids"],
                reverse("core:region_index"),
                CODE_LENGTH[Level.GRID],
            ),
            (
                "buildings",
                _("Buildings"),
                tree["buildings"],
                reverse("core:building_list"),
                CODE_LENGTH[Level.BUILDING],
            ),
        )
        if length > widest
    ] + [
        ("households", _("Households"), tree["households"], reverse("core:household_list")),
        ("residents", _("Residents"), people["residents"], reverse("core:resident_list")),
    ]
    chart = {
        "tags": {
            "title": _("Residents by tag"),
            "labels": [str(label) for _tag, label, _n in tags],
            "values": [n for _tag, _label, n in tags],
        },
        "breakdown": breakdown,
    }
    return render(
        request,
        "core/home.html",
        {
            "tree": tree,
            "cards": cards,
            "residents": people["residents"],
            "tags": tags,
            "roots": roots,
            "chart": chart,
        },
    )


@login_required
def pillar(request, slug):
    if slug in PILLAR_HOMES:
        return redirect(PILLAR_HOMES[slug])
    for key, label, native, icon in PILLARS:
        if key == slug:
            return render(
                request,
                "core/pillar.html",
                {"pillar": {"slug": key, "label": label, "native": native, "icon": icon}},
            )
    raise Http404


# --- region browser ------------------------------------------------------------------------------
@login_required
def region_index(request):
    roots = list(visible_roots(request.user).order_by("code"))
    if len(roots) == 1:
        return redirect("core:region_detail", code=roots[0].code)
    rows = node_rows(roots)
    return render(
        request,
        "core/region_index.html",
        {
            "rows": rows,
            "show_norm": any(row["norm"] for row in rows),
            "norm": settings.SIXFOLD_GRID_HOUSEHOLDS,
        },
    )


def node_rows(nodes) -> list[dict]:
    """Each node with its household and resident counts: one grouped query per level."""
    codes = [node.code for node in nodes]
    households = household_counts(codes) if codes else {}
    residents = resident_counts(codes) if codes else {}
    extras = extra_counts(codes) if codes else {}
    rows = []
    for node in nodes:
        count = households.get(node.code, 0)
        rows.append(
            {
                "node": node,
                "households": count,
                "residents": residents.get(node.code, 0),
                "norm": grid_norm_status(count) if node.level == Level.GRID else None,
                # Counts pillar apps registered (core.counts.NODE_COUNTERS), by key.
                "extra": {key: counts.get(node.code, 0) for key, counts in extras.items()},
            }
        )
    return rows


@login_required
def region_detail(request, code):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user), code=code)
    if region.level == Level.HOUSEHOLD:
        return redirect("core:household_detail", pk=region.pk)
    ancestors = list(region.ancestors().visible_to(user))
    own = node_rows([region])[0]
    context = {
        "region": region,
        "ancestors": ancestors,
        "own": own,
        "norm": settings.SIXFOLD_GRID_HOUSEHOLDS,
        "can": abilities(user, region.code),
        "child_levels": CHILD_LEVELS[Level(region.level)],
        "editable": region.level in TREE_LEVELS,
        # Buildings and units keep their history on their register pages.
        "events": history(user, region) if region.level in TREE_LEVELS else None,
    }
    if region.level == Level.UNIT:
        households = Household.objects.visible_to(user).filter(unit_id=region.pk).order_by("code")
        page = paginate(request, households)
        residents = resident_counts([h.code for h in page])
        context["page"] = page
        context["households"] = [(h, residents.get(h.code, 0)) for h in page]
    else:
        children = Region.objects.visible_to(user).filter(parent=region).order_by("code")
        page = paginate(request, children)
        context["page"] = page
        context["rows"] = node_rows(list(page))
        context["show_norm"] = any(row["norm"] for row in context["rows"])
    return render(request, "core/region_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def region_edit(request, code):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user), code=code)
    if region.level == Level.BUILDING:
        return redirect("core:building_edit", pk=region.pk)
    if region.level not in TREE_LEVELS:
        return redirect("core:region_detail", code=region.code)
    require(user, "registry.change", region.code)
    form = RegionForm(
        request.POST or None, initial={"name": region.name, "address": region.address}
    )
    return edit_page(
        request,
        region,
        form,
        lambda data: actions.change_region(region, data, by=user),
        done=reverse("core:region_detail", args=[region.code]),
        title=_("Edit %(name)s") % {"name": region.name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def region_create(request, code):
    user = request.user
    parent = get_object_or_404(Region.objects.visible_to(user), code=code)
    require(user, "registry.add", parent.code)
    if parent.level == Level.GRID:
        return redirect(f"{reverse('core:building_create')}?grid={parent.code}")
    if parent.level == Level.BUILDING:
        return redirect("core:unit_create", pk=parent.pk)
    if parent.level == Level.UNIT:
        return redirect("core:household_create", pk=parent.pk)
    levels = CHILD_LEVELS[Level(parent.level)]
    if not levels:
        raise Http404
    form = RegionCreateForm(request.POST or None, levels=levels)
    if request.method == "POST":
        region = run_action(
            form,
            lambda data: actions.create_region(
                parent, data["level"], data["name"], number=data.get("number"), by=user
            ),
        )
        if region:
            messages.success(request, _("Created %(name)s.") % {"name": region.name})
            return redirect("core:region_detail", code=region.code)
    return render(
        request,
        "core/form.html",
        {"form": form, "object": parent, "title": _("New node under %(name)s") % {"name": parent}},
    )


# --- buildings -------------------------------------------------------------------------------------
@login_required
def building_list(request):
    user = request.user
    queryset = (
        Building.objects.visible_to(user)
        .select_related("region__parent")
        .annotate(unit_count=Count("units"))
        .order_by("code")
    )
    filterset = styled_filterset(BuildingFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    counts = household_counts([b.code for b in page])
    return render(
        request,
        "core/building_list.html",
        list_context(
            request,
            filterset,
            page,
            rows=[(b, counts.get(b.code, 0)) for b in page],
            can_add=user.holds_perm("registry.add"),
        ),
    )


@login_required
def building_detail(request, pk):
    user = request.user
    building = get_object_or_404(
        Building.objects.visible_to(user).select_related("region__parent__parent"), pk=pk
    )
    units = list(Unit.objects.visible_to(user).filter(building=building).select_related("region"))
    counts = household_counts([u.code for u in units])
    return render(
        request,
        "core/building_detail.html",
        {
            "building": building,
            "units": [(u, counts.get(u.code, 0)) for u in units],
            "can": abilities(user, building.code),
            "events": history(user, building),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_create(request):
    user = request.user
    grids = (
        Region.objects.visible_to(user, "registry.add")
        .of_level(Level.GRID)
        .select_related("parent")
        .order_by("code")
    )
    if not user.holds_perm("registry.add"):
        raise PermissionDenied
    initial = {}
    if request.GET.get("grid"):
        initial["grid"] = grids.filter(code=request.GET["grid"]).first()
    form = BuildingCreateForm(request.POST or None, grids=grids, initial=initial)
    if request.method == "POST":
        building = run_action(
            form, lambda data: actions.create_building(data["grid"], data, by=user)
        )
        if building:
            messages.success(request, _("Created %(name)s.") % {"name": building})
            return redirect("core:building_detail", pk=building.pk)
    return render(request, "core/form.html", {"form": form, "title": _("New building")})


@login_required
@require_http_methods(["GET", "POST"])
def building_edit(request, pk):
    user = request.user
    building = get_object_or_404(Building.objects.visible_to(user).select_related("region"), pk=pk)
    require(user, "registry.change", building.code)
    form = BuildingForm(request.POST or None, initial=BuildingForm.initial_for(building))
    return edit_page(
        request,
        building,
        form,
        lambda data: actions.change_building(building, data, by=user),
        done=reverse("core:building_detail", args=[building.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_delete(request, pk):
    building = get_object_or_404(
        Building.objects.visible_to(request.user).select_related("region"), pk=pk
    )
    return confirm_delete(
        request,
        building,
        actions.delete_building,
        done=reverse("core:region_detail", args=[building.code[: CODE_LENGTH[Level.GRID]]]),
        cancel=reverse("core:building_detail", args=[building.pk]),
    )


# --- units -----------------------------------------------------------------------------------------
class UnitSearchFilter(UnitFilter):
    """The shared unit filter plus a name search, which only the web list needs."""

    search = django_filters.CharFilter(method="filter_search", label=gettext_lazy("search"))

    class Meta(UnitFilter.Meta):
        fields = ["region", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(building__region__name__contains=value)
            | Q(region__name__contains=value)
            | Q(building__compound__contains=value)
        )


@login_required
def unit_list(request):
    user = request.user
    queryset = (
        Unit.objects.visible_to(user)
        .select_related("region", "building__region__parent")
        .order_by("code")
    )
    filterset = styled_filterset(UnitSearchFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    counts = household_counts([u.code for u in page])
    return render(
        request,
        "core/unit_list.html",
        list_context(request, filterset, page, rows=[(u, counts.get(u.code, 0)) for u in page]),
    )


@login_required
def unit_detail(request, pk):
    user = request.user
    unit = get_object_or_404(
        Unit.objects.visible_to(user).select_related("region", "building__region__parent"), pk=pk
    )
    households = list(Household.objects.visible_to(user).filter(unit=unit).order_by("code"))
    counts = resident_counts([h.code for h in households])
    return render(
        request,
        "core/unit_detail.html",
        {
            "unit": unit,
            "households": [(h, counts.get(h.code, 0)) for h in households],
            "can": abilities(user, unit.code),
            "events": history(user, unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request, pk):
    user = request.user
    building = get_object_or_404(Building.objects.visible_to(user).select_related("region"), pk=pk)
    require(user, "registry.add", building.code)
    form = UnitCreateForm(request.POST or None)
    if request.method == "POST":
        unit = run_action(form, lambda data: actions.create_unit(building, data, by=user))
        if unit:
            messages.success(request, _("Created %(name)s.") % {"name": unit})
            return redirect("core:unit_detail", pk=unit.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "object": building, "title": _("New unit in %(name)s") % {"name": building}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    user = request.user
    unit = get_object_or_404(
        Unit.objects.visible_to(user).select_related("region", "building__region"), pk=pk
    )
    require(user, "registry.change", unit.code)
    form = UnitForm(request.POST or None, initial=UnitForm.initial_for(unit))
    return edit_page(
        request,
        unit,
        form,
        lambda data: actions.change_unit(unit, data, by=user),
        done=reverse("core:unit_detail", args=[unit.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_delete(request, pk):
    unit = get_object_or_404(
        Unit.objects.visible_to(request.user).select_related("region", "building__region"), pk=pk
    )
    return confirm_delete(
        request,
        unit,
        actions.delete_unit,
        done=reverse("core:building_detail", args=[unit.building_id]),
        cancel=reverse("core:unit_detail", args=[unit.pk]),
    )


# --- households ------------------------------------------------------------------------------------
@login_required
def household_list(request):
    user = request.user
    queryset = (
        Household.objects.visible_to(user)
        .select_related("unit__building__region__parent")
        .order_by("code")
    )
    filterset = styled_filterset(HouseholdFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    counts = resident_counts([h.code for h in page])
    return render(
        request,
        "core/household_list.html",
        list_context(request, filterset, page, rows=[(h, counts.get(h.code, 0)) for h in page]),
    )


@login_required
def household_detail(request, pk):
    user = request.user
    household = get_object_or_404(
        Household.objects.visible_to(user).select_related("unit__region", "unit__building__region"),
        pk=pk,
    )
    members = list(Resident.objects.visible_to(user).filter(household=household))
    return render(
        request,
        "core/household_detail.html",
        {
            "household": household,
            "members": members,
            "can": abilities(user, household.code),
            "events": history(user, household),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request, pk):
    user = request.user
    unit = get_object_or_404(
        Unit.objects.visible_to(user).select_related("region", "building__region"), pk=pk
    )
    require(user, "registry.add", unit.code)
    form = HouseholdCreateForm(request.POST or None)
    if request.method == "POST":
        household = run_action(
            form,
            lambda data: actions.create_household(unit, form.action_data(), by=user),
            aliases={"number": "room"},
        )
        if household:
            messages.success(request, _("Created %(name)s.") % {"name": household})
            return redirect("core:household_detail", pk=household.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "object": unit, "title": _("New household in %(name)s") % {"name": unit}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    user = request.user
    household = get_object_or_404(Household.objects.visible_to(user), pk=pk)
    require(user, "registry.change", household.code)
    form = HouseholdForm(request.POST or None, initial=HouseholdForm.initial_for(household))
    return edit_page(
        request,
        household,
        form,
        lambda data: actions.change_household(household, data, by=user),
        done=reverse("core:household_detail", args=[household.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_delete(request, pk):
    household = get_object_or_404(Household.objects.visible_to(request.user), pk=pk)
    return confirm_delete(
        request,
        household,
        actions.delete_household,
        done=reverse("core:unit_detail", args=[household.unit_id]),
        cancel=reverse("core:household_detail", args=[household.pk]),
    )


# --- residents -------------------------------------------------------------------------------------
@login_required
def resident_list(request):
    user = request.user
    queryset = Resident.objects.visible_to(user).select_related("household").order_by("code", "id")
    filterset = styled_filterset(ResidentFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs)
    return render(request, "core/resident_list.html", list_context(request, filterset, page))


@login_required
def resident_detail(request, pk):
    user = request.user
    resident = get_object_or_404(
        Resident.objects.visible_to(user).select_related("household"), pk=pk
    )
    return render(
        request,
        "core/resident_detail.html",
        {
            "resident": resident,
            "can": abilities(user, resident.code),
            "events": history(user, resident),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_create(request, pk):
    user = request.user
    household = get_object_or_404(Household.objects.visible_to(user), pk=pk)
    require(user, "registry.add", household.code)
    form = ResidentForm(request.POST or None)
    if request.method == "POST":
        resident = run_action(
            form, lambda data: actions.create_resident(household, form.action_data(), by=user)
        )
        if resident:
            messages.success(request, _("Created %(name)s.") % {"name": resident})
            return redirect("core:resident_detail", pk=resident.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "object": household,
            "title": _("New resident of %(name)s") % {"name": household},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request, pk):
    user = request.user
    resident = get_object_or_404(Resident.objects.visible_to(user), pk=pk)
    require(user, "registry.change", resident.code)
    form = ResidentForm(request.POST or None, instance=resident)
    return edit_page(
        request,
        resident,
        form,
        lambda data: actions.change_resident(resident, form.action_data(), by=user),
        done=reverse("core:resident_detail", args=[resident.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_delete(request, pk):
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    return confirm_delete(
        request,
        resident,
        actions.delete_resident,
        done=reverse("core:household_detail", args=[resident.household_id]),
        cancel=reverse("core:resident_detail", args=[resident.pk]),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resident_reveal(request, pk):
    """Plaintext ID number and phone for a stated purpose; answered as a fragment to HTMX."""
    user = request.user
    resident = get_object_or_404(Resident.objects.visible_to(user), pk=pk)
    require(user, "pii.reveal", resident.code)
    form = RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST":
        revealed = run_action(
            form, lambda data: actions.reveal_resident(resident, data["purpose"], by=user)
        )
    partial = request.headers.get("HX-Request") == "true"
    template = "core/includes/reveal.html" if partial else "core/resident_reveal.html"
    response = render(request, template, {"resident": resident, "form": form, "revealed": revealed})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- audit log -------------------------------------------------------------------------------------
AUDITED_TYPES = (Region, Building, Unit, Household, Resident)


def audited_types():
    return [
        (model._meta.label_lower, model._meta.verbose_name)
        for model in (*AUDITED_TYPES, get_user_model())
    ]


@login_required
def audit_log(request):
    user = request.user
    if not user.holds_perm("audit.view"):
        raise PermissionDenied
    events = AuditEvent.objects.visible_to(user)
    form = AuditSearchForm(request.GET or None, object_types=audited_types())
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_name__icontains=data["actor"].strip())
        if data["verb"]:
            events = events.filter(verb=data["verb"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["date_from"]:
            events = events.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(at__date__lte=data["date_to"])
        if data["region"]:
            events = events.filter(scope_code__prefix=data["region"].strip())
        if data["request_id"]:
            events = events.filter(request_id=data["request_id"].strip())
    page = paginate(request, events)
    return render(request, "core/audit_list.html", {"form": form, "page": page})
