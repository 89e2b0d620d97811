"""Pages of the party-spirit check-up (S7) under /party/checkup/.

Staff pages (cycles, progress, sheets, summary, rectification list) read only what
`visible_to(user, "party.view")` gives; a single object is fetched with `get_object_or_404` on
that queryset, so "missing" and "not yours" are the same 404. A member's own page and a
resident's rating page are reached through the login: the member's record, the resident's
household. Every change is a call to an action in `checkup.actions`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sixfold.core.forms import apply_errors
from sixfold.core.models import Region
from sixfold.core.views import list_context, styled_filterset
from sixfold.party.actions import MANAGE, VIEW, community_code
from sixfold.party.models import PartyMember

from . import actions, exports, grading
from .filters import CycleFilter, RectificationFilter
from .forms import (
    AssessmentForm,
    CompleteForm,
    CycleCreateForm,
    IndicatorForm,
    RecheckForm,
    RectificationForm,
    RulesForm,
)
from .models import (
    Assessment,
    Category,
    CheckupCycle,
    CheckupResult,
    Grade,
    Indicator,
    Party,
    RectificationItem,
)
from .progress import branch_progress

PAGE_SIZE = 50


# --- helpers ---------------------------------------------------------------------------------------
def require(user, perm: str, code: str) -> None:
    if not user.has_scoped_perm(perm, code):
        raise PermissionDenied


def paginate(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def run_action(form, action):
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


def visible_cycles(user):
    return CheckupCycle.objects.visible_to(user, VIEW).select_related("region")


def get_cycle(request, pk) -> CheckupCycle:
    return get_object_or_404(visible_cycles(request.user), pk=pk)


def scoped_members(user, cycle):
    """The cycle's members the user sees."""
    return (
        PartyMember.objects.visible_to(user, VIEW)
        .active()
        .within(cycle.code)
        .select_related("resident", "organization")
    )


def confirm(request, *, title, text, button, cancel_url, errors=()):
    return render(
        request,
        "party/confirm.html",
        {
            "title": title,
            "text": text,
            "button": button,
            "cancel_url": cancel_url,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def form_page(request, form, title, cancel_url, intro=""):
    return render(
        request,
        "party/form.html",
        {"form": form, "title": title, "cancel_url": cancel_url, "intro": intro},
    )


# --- cycles ----------------------------------------------------------------------------------------
@login_required
def cycle_list(request):
    user = request.user
    if not user.holds_perm(VIEW):
        if actions.own_member(user) is not None:
            return redirect("checkup:me")
        if actions.resident_communities(user):
            return redirect("checkup:rate")
        raise PermissionDenied
    queryset = visible_cycles(user).annotate(indicator_count=Count("indicators"))
    filterset = styled_filterset(CycleFilter(request.GET or None, queryset=queryset), user)
    page = paginate(request, filterset.qs.order_by("-year", "code"))
    return render(
        request,
        "checkup/cycle_list.html",
        list_context(request, filterset, page, can_add=user.holds_perm(MANAGE)),
    )


def manageable_regions(user):
    return (
        Region.objects.visible_to(user, MANAGE)
        .filter(level__in=actions.CYCLE_LEVELS)
        .select_related("parent")
        .order_by("code")
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request):
    user = request.user
    if not user.holds_perm(MANAGE):
        raise PermissionDenied
    form = CycleCreateForm(
        request.POST or None,
        regions=manageable_regions(user),
        cycles=visible_cycles(user).order_by("-year", "code"),
        initial={"year": timezone.localdate().year},
    )
    if request.method == "POST":
        cycle = run_action(
            form, lambda data: actions.create_cycle(data["region"], dict(data), by=user)
        )
        if cycle:
            messages.success(request, _("Created “%(name)s”.") % {"name": cycle.name})
            return redirect("checkup:cycle_detail", pk=cycle.pk)
    return form_page(request, form, _("New check-up"), reverse("checkup:cycle_list"))


@login_required
def cycle_detail(request, pk):
    user = request.user
    cycle = get_cycle(request, pk)
    indicators = list(cycle.indicators.order_by("category", "order", "id"))
    sets = [
        (label, [i for i in indicators if i.category == category])
        for category, label in Category.choices
    ]
    return render(
        request,
        "checkup/cycle_detail.html",
        {
            "cycle": cycle,
            "sets": [(label, rows) for label, rows in sets if rows],
            "can_manage": user.has_scoped_perm(MANAGE, cycle.code),
            "weights": cycle.weights(),
            "party_labels": dict(Party.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request, pk):
    user = request.user
    cycle = get_cycle(request, pk)
    require(user, MANAGE, cycle.code)
    if cycle.is_closed:
        raise PermissionDenied
    form = RulesForm(request.POST or None, initial=RulesForm.initial_for(cycle))
    if request.method == "POST" and run_action(
        form, lambda data: actions.change_cycle(cycle, data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("checkup:cycle_detail", pk=cycle.pk)
    return form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": cycle.name},
        reverse("checkup:cycle_detail", args=[cycle.pk]),
    )


def _state_change(request, pk, action, *, title, text, button, done):
    user = request.user
    cycle = get_cycle(request, pk)
    require(user, MANAGE, cycle.code)
    errors = []
    if request.method == "POST":
        try:
            action(cycle, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, done)
            return redirect("checkup:cycle_detail", pk=cycle.pk)
    return confirm(
        request,
        title=title % {"name": cycle.name},
        text=text,
        button=button,
        cancel_url=reverse("checkup:cycle_detail", args=[cycle.pk]),
        errors=errors,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_open(request, pk):
    return _state_change(
        request,
        pk,
        actions.open_cycle,
        title=_("Open %(name)s?"),
        text=_(
            "Members, residents and secretaries can assess from now on; the indicators can no "
            "longer change."
        ),
        button=_("Open the check-up"),
        done=_("The check-up is open."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_close(request, pk):
    return _state_change(
        request,
        pk,
        actions.close_cycle,
        title=_("Close %(name)s?"),
        text=_(
            "Every member's scores and grade are frozen and no more assessments are taken. "
            "Rectification and re-checks follow on the results. This cannot be undone."
        ),
        button=_("Close and grade"),
        done=_("The check-up is closed and graded."),
    )


# --- indicators ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def indicator_add(request, pk):
    user = request.user
    cycle = get_cycle(request, pk)
    require(user, MANAGE, cycle.code)
    if cycle.status != CheckupCycle.Status.DRAFT:
        raise PermissionDenied
    form = IndicatorForm(request.POST or None, initial={"category": request.GET.get("category")})
    if request.method == "POST" and run_action(
        form, lambda data: actions.add_indicator(cycle, data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("checkup:cycle_detail", pk=cycle.pk)
    return form_page(
        request, form, _("New indicator"), reverse("checkup:cycle_detail", args=[cycle.pk])
    )


def get_indicator(request, pk) -> Indicator:
    return get_object_or_404(
        Indicator.objects.filter(cycle__in=visible_cycles(request.user)).select_related("cycle"),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk):
    user = request.user
    indicator = get_indicator(request, pk)
    cycle = indicator.cycle
    require(user, MANAGE, cycle.code)
    if cycle.status != CheckupCycle.Status.DRAFT:
        raise PermissionDenied
    initial = {
        f: getattr(indicator, f)
        for f in ("category", "name", "description", "weight", "max_score", "order")
    }
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and run_action(
        form, lambda data: actions.change_indicator(indicator, data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("checkup:cycle_detail", pk=cycle.pk)
    return form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": indicator.name},
        reverse("checkup:cycle_detail", args=[cycle.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_delete(request, pk):
    user = request.user
    indicator = get_indicator(request, pk)
    cycle = indicator.cycle
    require(user, MANAGE, cycle.code)
    errors = []
    if request.method == "POST":
        try:
            actions.remove_indicator(indicator, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The indicator is removed."))
            return redirect("checkup:cycle_detail", pk=cycle.pk)
    return confirm(
        request,
        title=_("Remove the indicator “%(name)s”?") % {"name": indicator.name},
        text=_("It is taken out of the check-up's indicator set."),
        button=_("Remove"),
        cancel_url=reverse("checkup:cycle_detail", args=[cycle.pk]),
        errors=errors,
    )


# --- progress, sheets and summary ------------------------------------------------------------------
@login_required
def progress(request, pk):
    """Per organisation: who has been assessed by whom, what is missing, and whether enough
    residents took part."""
    user = request.user
    cycle = get_cycle(request, pk)
    rows = branch_progress(cycle, scoped_members(user, cycle))
    below = sum(row.short for row in rows)
    return render(
        request,
        "checkup/progress.html",
        {
            "cycle": cycle,
            "rows": rows,
            "below": below,
            "parties": Party.choices,
        },
    )


@login_required
def sheet_members(request, cycle):
    """The cycle's members the user sees, narrowed by the list's filters: organisation, name,
    and a party that has not assessed them yet."""
    members = scoped_members(request.user, cycle).order_by("code", "id")
    org = request.GET.get("organization", "")
    if org.isdigit() and len(org) < 19:
        members = members.filter(organization_id=int(org))
    search = (request.GET.get("search") or "").strip()[:50]
    if search:
        members = members.filter(Q(resident__name__contains=search) | Q(name__contains=search))
    missing = request.GET.get("missing", "")
    if missing in Party.values:
        given = Assessment.objects.filter(cycle=cycle, member=OuterRef("pk"), party=missing)
        members = members.filter(~Exists(given))
    return members, search, missing


def sheet_rows(cycle, members) -> list[tuple]:
    """(member, live sheet or None, frozen result or None) for a page of members."""
    members = list(members)
    if cycle.is_closed:
        results = {
            r.member_id: r for r in CheckupResult.objects.filter(cycle=cycle, member__in=members)
        }
        return [(member, None, results.get(member.pk)) for member in members]
    return [(sheet.member, sheet, None) for sheet in grading.sheets_for(cycle, members)]


@login_required
def sheet_list(request, pk):
    """The cycle's members with their party scores, total and grade (frozen once closed)."""
    cycle = get_cycle(request, pk)
    members, search, missing = sheet_members(request, cycle)
    page = paginate(request, members)
    return render(
        request,
        "checkup/sheet_list.html",
        {
            "cycle": cycle,
            "page": page,
            "rows": sheet_rows(cycle, page.object_list),
            "search": search,
            "missing": missing,
            "parties": Party.choices,
        },
    )


@login_required
def sheet_export(request, pk):
    """The list's members with their scores and grades as a spreadsheet (a register)."""
    user = request.user
    cycle = get_cycle(request, pk)
    members, _search, _missing = sheet_members(request, cycle)
    actions.record_export(
        _("Check-up sheets of %(name)s (Excel)") % {"name": cycle.name},
        scope_code=cycle.code,
        filters=dict(request.GET.items()),
        by=user,
    )
    return exports.sheets_workbook(cycle, members, sheet_rows)


@login_required
def sheet(request, pk, member_pk):
    user = request.user
    cycle = get_cycle(request, pk)
    member = get_object_or_404(
        PartyMember.objects.visible_to(user, VIEW)
        .within(cycle.code)
        .select_related("resident", "organization"),
        pk=member_pk,
    )
    current = grading.sheets_for(cycle, [member])[0]
    result = (
        CheckupResult.objects.filter(cycle=cycle, member=member)
        .prefetch_related("rechecks", "rectifications")
        .first()
    )
    assessments = list(
        Assessment.objects.filter(cycle=cycle, member=member).order_by("party", "created_at")
    )
    history = (
        CheckupResult.objects.visible_to(user, VIEW)
        .filter(member=member)
        .select_related("cycle")
        .prefetch_related("rechecks")
        .order_by("-cycle__year")
    )
    can_manage = user.has_scoped_perm(MANAGE, member.code)
    rows = current.rows()
    if result is not None:  # the frozen scores, whatever happened to the rows since
        frozen = {
            Party.SELF: result.self_score,
            Party.PEER: result.peer_score,
            Party.RESIDENT: result.resident_score,
            Party.ORGANIZATION: result.organization_score,
        }
        rows = [(p, label, frozen[p], count, weight) for p, label, _live, count, weight in rows]
    return render(
        request,
        "checkup/sheet.html",
        {
            "cycle": cycle,
            "member": member,
            "sheet": current,
            "rows": rows,
            "result": result,
            "assessments": assessments,
            "history": history,
            "can_manage": can_manage,
            "can_assess": cycle.status == CheckupCycle.Status.OPEN
            and actions.may_assess(user, cycle, member, Party.ORGANIZATION),
            "indicators": actions.indicators_for(cycle, member),
            "today": timezone.localdate(),
        },
    )


@login_required
def summary(request, pk):
    """Grades per community: counts of healthy, sub-healthy, unhealthy and not graded."""
    user = request.user
    cycle = get_cycle(request, pk)
    members = scoped_members(user, cycle)
    tallies: dict[str, dict[str, int]] = {}

    def count(code, grade):
        row = tallies.setdefault(community_code(code), dict.fromkeys([*Grade.values, ""], 0))
        row[grade or ""] += 1

    if cycle.is_closed:
        for code, grade in (
            CheckupResult.objects.filter(cycle=cycle, member__in=members.values("pk"))
            .values_list("code", "grade")
            .order_by()
        ):
            count(code, grade)
    else:
        for item in grading.sheets_for(
            cycle, members.select_related(None).only("pk", "code").order_by()
        ):
            count(item.member.code, item.grade)
    names = dict(Region.objects.filter(code__in=list(tallies)).values_list("code", "name"))
    order = [*Grade.values, ""]
    rows = [
        {
            "code": code,
            "name": names.get(code, code),
            "cells": [(g, tallies[code][g]) for g in order],
        }
        for code in sorted(tallies)
    ]
    totals = [(g, sum(tallies[code][g] for code in tallies)) for g in order]
    labels = {**dict(Grade.choices), "": _("not graded")}
    chart = {
        "labels": [row["name"] for row in rows],
        "series": [
            {"name": str(labels[g]), "values": [tallies[row["code"]][g] for row in rows]}
            for g in order
        ],
    }
    return render(
        request,
        "checkup/summary.html",
        {"cycle": cycle, "rows": rows, "totals": totals, "grades": Grade.choices, "chart": chart},
    )


# --- assessing -------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def assess(request, pk, member_pk, party):
    """One assessment form, for whoever may give it: the member herself, a peer, a resident of
    her community, her organisation. Anyone else gets the same 404 as for a missing member."""
    user = request.user
    if party not in Party.values:
        raise Http404
    cycle = get_object_or_404(
        CheckupCycle.objects.select_related("region"), pk=pk, status=CheckupCycle.Status.OPEN
    )
    member = get_object_or_404(
        PartyMember.objects.active().select_related("resident", "organization"), pk=member_pk
    )
    if not actions.may_assess(user, cycle, member, party):
        raise Http404
    indicators = actions.indicators_for(cycle, member)
    existing = Assessment.objects.filter(
        cycle=cycle, member=member, party=party, assessor=user
    ).first()
    initial = {}
    if existing is not None:
        initial = {f"score_{k}": v for k, v in existing.scores.items()}
        initial["comment"] = existing.comment
    form = AssessmentForm(request.POST or None, indicators=indicators, initial=initial)
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.submit_assessment(
            cycle, member, party, form.scores(), comment=data["comment"], by=user
        ),
    ):
        messages.success(request, _("Thank you, the assessment is saved."))
        return redirect(_after_assessing(user, cycle, member, party))
    return render(
        request,
        "checkup/assess.html",
        {
            "cycle": cycle,
            "member": member,
            "party": Party(party),
            "form": form,
            "existing": existing,
            "cancel_url": _after_assessing(user, cycle, member, party),
        },
    )


def _after_assessing(user, cycle, member, party) -> str:
    if party in (Party.SELF, Party.PEER):
        return reverse("checkup:me")
    if party == Party.RESIDENT:
        return reverse("checkup:rate")
    return reverse("checkup:sheet", args=[cycle.pk, member.pk])


@login_required
def me(request):
    """A member's own check-up: her self-assessment, the peers she may assess, her results over
    the years and her rectification items."""
    user = request.user
    member = actions.own_member(user)
    if member is None:
        raise Http404
    open_cycles = list(
        CheckupCycle.objects.covering(member.code)
        .filter(status=CheckupCycle.Status.OPEN)
        .order_by("-year")
    )
    mine = {
        (a.cycle_id, a.member_id, a.party)
        for a in Assessment.objects.filter(assessor=user, cycle__in=open_cycles)
    }
    search = (request.GET.get("search") or "").strip()[:40]
    peers = PartyMember.objects.active().filter(organization_id=member.organization_id)
    if search:
        peers = peers.filter(Q(resident__name__contains=search) | Q(name__contains=search))
    peers = list(
        peers.exclude(pk=member.pk)
        .select_related("resident")
        .order_by("resident__name", "name", "id")[:200]
    )
    # The members of her own party group first: those she knows best.
    peers.sort(key=lambda peer: not (member.group_id and peer.group_id == member.group_id))
    blocks = [
        {
            "cycle": cycle,
            "self_done": (cycle.pk, member.pk, Party.SELF) in mine,
            "peers": [(peer, (cycle.pk, peer.pk, Party.PEER) in mine) for peer in peers],
        }
        for cycle in open_cycles
    ]
    results = (
        CheckupResult.objects.filter(member=member)
        .select_related("cycle")
        .prefetch_related("rechecks")
        .order_by("-cycle__year")
    )
    items = RectificationItem.objects.filter(member=member).select_related("result__cycle")
    return render(
        request,
        "checkup/me.html",
        {
            "member": member,
            "blocks": blocks,
            "search": search,
            "results": results,
            "items": items.order_by("status", "due_on"),
            "today": timezone.localdate(),
        },
    )


@login_required
def rate(request):
    """A resident rates the members of her community (full names: they are her neighbours)."""
    user = request.user
    communities = actions.resident_communities(user)
    if not communities:
        raise Http404
    cycles = list(
        CheckupCycle.objects.filter(status=CheckupCycle.Status.OPEN)
        .filter(Q(code__in=communities) | Q(code__in={code[:9] for code in communities}))
        .order_by("-year", "code")
    )
    grids = {
        a.scope_code[:16] for a in user.active_assignments() if a.role == actions.RESIDENT_ROLE
    }
    search = (request.GET.get("search") or "").strip()[:40]
    blocks = []
    for cycle in cycles:
        members = PartyMember.objects.active().filter(
            Q(*[Q(code__startswith=c) for c in communities], _connector=Q.OR)
        )
        if search:
            members = members.filter(Q(resident__name__contains=search) | Q(name__contains=search))
        members = (
            members.within(cycle.code)
            .exclude(user=user)
            .select_related("resident", "organization")
            .order_by("code", "resident__name", "name", "id")[:300]
        )
        done = set(
            Assessment.objects.filter(cycle=cycle, assessor=user, party=Party.RESIDENT).values_list(
                "member_id", flat=True
            )
        )
        rows = [(m, m.pk in done, m.code[:16] in grids) for m in members]
        rows.sort(key=lambda row: not row[2])  # her grid's members first
        blocks.append({"cycle": cycle, "rows": rows, "done": len(done)})
    return render(request, "checkup/rate.html", {"blocks": blocks, "search": search})


# --- rectification and re-check --------------------------------------------------------------------
def rectification_queryset(user):
    return (
        RectificationItem.objects.visible_to(user, VIEW)
        .select_related("member__resident", "result__cycle")
        # Open items first ("open" sorts after "done"), the most urgent on top.
        .order_by("-status", "due_on", "id")
    )


@login_required
def rectification_list(request):
    user = request.user
    if not user.holds_perm(VIEW):
        raise PermissionDenied
    filterset = styled_filterset(
        RectificationFilter(request.GET or None, queryset=rectification_queryset(user)), user
    )
    # Reached from a cycle's page; a row id is nothing to type in.
    filterset.form.fields["cycle"].widget = forms.HiddenInput()
    page = paginate(request, filterset.qs)
    return render(
        request,
        "checkup/rectification_list.html",
        list_context(request, filterset, page, today=timezone.localdate()),
    )


@login_required
def rectification_export(request):
    user = request.user
    if not user.holds_perm(VIEW):
        raise PermissionDenied
    filterset = RectificationFilter(request.GET or None, queryset=rectification_queryset(user))
    prefixes = user.scope_prefixes(VIEW)
    actions.record_export(
        _("Rectification list (Excel)"),
        scope_code=prefixes[0] if len(prefixes) == 1 else "",
        filters=dict(request.GET.items()),
        by=user,
    )
    return exports.rectifications_workbook(filterset.qs)


def get_result(request, pk) -> CheckupResult:
    return get_object_or_404(
        CheckupResult.objects.visible_to(request.user, VIEW).select_related(
            "cycle", "member__resident"
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rectification_add(request, pk):
    user = request.user
    result = get_result(request, pk)
    require(user, MANAGE, result.code)
    back = reverse("checkup:sheet", args=[result.cycle_id, result.member_id])
    form = RectificationForm(request.POST or None)
    if request.method == "POST" and run_action(
        form, lambda data: actions.add_rectification(result, data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect(back)
    return form_page(
        request,
        form,
        _("Rectification item for %(name)s") % {"name": result.member.display_name},
        back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rectification_done(request, pk):
    user = request.user
    item = get_object_or_404(rectification_queryset(user), pk=pk)
    require(user, MANAGE, item.code)
    form = CompleteForm(request.POST or None)
    back = reverse("checkup:sheet", args=[item.result.cycle_id, item.member_id])
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.complete_rectification(
            item, outcome=data["outcome"], on=data["on"], by=user
        ),
    ):
        messages.success(request, _("The item is done."))
        return redirect(back)
    return form_page(request, form, _("Mark done: %(problem)s") % {"problem": item.problem}, back)


@login_required
@require_http_methods(["GET", "POST"])
def recheck(request, pk):
    user = request.user
    result = get_result(request, pk)
    require(user, MANAGE, result.code)
    back = reverse("checkup:sheet", args=[result.cycle_id, result.member_id])
    form = RecheckForm(request.POST or None)
    if request.method == "POST" and run_action(
        form,
        lambda data: actions.record_recheck(
            result, data["grade"], note=data["note"], on=data["on"], by=user
        ),
    ):
        messages.success(request, _("The re-check is recorded."))
        return redirect(back)
    return form_page(
        request,
        form,
        _("Re-check of %(name)s") % {"name": result.member.display_name},
        back,
        intro=_(
            "The new grade becomes the member's current grade; the check-up's grade stays on record."
        ),
    )
