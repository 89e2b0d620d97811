"""Pages of members' points and stars (S6) and the public airing board (晾晒, S8).

* Ledger pages (`points.view` over the member): every entry of the community or grid, one
  member's ledger with totals, a manual adjustment (entered by one person, approved by another),
  a reversal with its reason, a disqualifying event.
* A member's own points and stars (`PartyMember.objects.own`), reached from her "me" page.
* Ratings: the periods, computing and publishing one (`points.configure`), the results of a
  period with search and filters, one member's stars with the entries behind each, the
  democratic-evaluation scores, the star items, the Excel export.
* The airing board: public, per community, only published periods; names masked unless the
  visitor is logged in and lives or works in that community (or has the ledger in scope).

Rows come only from `visible_to(user, "points.view")` querysets; "missing" and "not yours" are
the same 404; every change is an action of `sixfold.points`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sixfold.accounts.models import RoleAssignment
from sixfold.accounts.roles import ROLES
from sixfold.core import pii
from sixfold.core.forms import apply_errors
from sixfold.core.models import Level, Region
from sixfold.core.models.region import CODE_LENGTH
from sixfold.core.views import list_context, styled_filterset
from sixfold.points import actions as point_actions
from sixfold.points import ledger, stars
from sixfold.points.filters import LedgerEntryFilter, RatingResultFilter
from sixfold.points.models import (
    BoardOptOut,
    Disqualification,
    EvaluationScore,
    LedgerEntry,
    RatingPeriod,
    RatingResult,
    Source,
    StarItem,
)

from . import exports_ratings
from .models import PartyMember
from .ratings import SUBJECT_TYPE, airing_thresholds

VIEW = ledger.VIEW
ADJUST = ledger.ADJUST
APPROVE = ledger.APPROVE
CONFIGURE = point_actions.CONFIGURE
PAGE_SIZE = 50
COMMUNITY_LEVELS = (Level.COMMUNITY, Level.VILLAGE)


# --- helpers -----------------------------------------------------------------------------------
def require_points(user) -> None:
    if not user.holds_perm(VIEW):
        raise PermissionDenied


def paginate(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def visible_member(user, pk) -> PartyMember:
    return get_object_or_404(
        PartyMember.objects.visible_to(user, VIEW).select_related("resident", "organization"),
        pk=pk,
    )


def entries_with_state(queryset):
    reversed_ = LedgerEntry.objects.filter(reverses=OuterRef("pk"))
    return queryset.annotate(is_reversed=Exists(reversed_)).select_related(
        "approved_by", "created_by"
    )


def periods():
    return RatingPeriod.objects.filter(subject_type=SUBJECT_TYPE)


def period_or_404(code: str, *, published_only: bool = False) -> RatingPeriod:
    queryset = periods()
    if published_only:
        queryset = queryset.filter(status=RatingPeriod.Status.PUBLISHED)
    return get_object_or_404(queryset, code=(code or "").strip().upper()[:8])


def run_form(form, action):
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


def approvers_for(code: str, *, exclude):
    """Users who may approve an adjustment of a subject with region `code`."""
    roles = [role.code for role in ROLES.values() if APPROVE in role.perms]
    prefixes = [code[:n] for n in range(1, len(code) + 1)]
    users = get_user_model().objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role__in=roles, scope_code__in=prefixes).values(
            "user_id"
        ),
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.order_by("username")


def style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


# --- forms ---------------------------------------------------------------------------------------
class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class AdjustmentForm(forms.Form):
    points = forms.DecimalField(
        label=gettext_lazy("Points (negative to deduct)"), max_digits=9, decimal_places=2
    )
    occurred_on = forms.DateField(
        label=gettext_lazy("Date that counts"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    approved_by = UserChoiceField(label=gettext_lazy("Approved by"), queryset=None)

    def __init__(self, *args, approvers, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = approvers
        self.earliest = earliest
        style(self)

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future")
        if self.earliest is not None and day < self.earliest:
            raise ValidationError(
                _("The date cannot be before the member joined the party (%(day)s).")
                % {"day": self.earliest.isoformat()},
                code="before_joining",
            )
        return day


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class DisqualifyForm(ReasonForm):
    occurred_on = forms.DateField(
        label=gettext_lazy("Date of the event"), widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["occurred_on", "reason"]

    def __init__(self, *args, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = earliest

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if self.earliest is not None and day < self.earliest:
            raise ValidationError(
                _("The date cannot be before the member joined the party (%(day)s).")
                % {"day": self.earliest.isoformat()},
                code="before_joining",
            )
        return day


class StarItemForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=40)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    counts = forms.CharField(
        label=gettext_lazy("Ledger entries that count"),
        required=False,
        help_text=gettext_lazy(
            "Sources or kind prefixes separated by commas, e.g. activity.study, order."
        ),
    )
    threshold = forms.DecimalField(
        label=gettext_lazy("Points needed in the period"),
        min_value=0,
        max_value=10000,
        decimal_places=2,
    )
    evaluation_min = forms.DecimalField(
        label=gettext_lazy("Democratic evaluation score needed"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


def evaluation_form(items, scores, data=None):
    fields = {
        item.code: forms.DecimalField(
            label=item.name,
            required=False,
            min_value=0,
            max_value=100,
            decimal_places=2,
            help_text=_("at least %(score)s") % {"score": item.evaluation_min},
        )
        for item in items
    }
    form_class = type("EvaluationForm", (forms.Form,), fields)
    return style(form_class(data, initial=scores, prefix="score"))


# --- the ledger ----------------------------------------------------------------------------------
@login_required
def ledger_list(request):
    user = request.user
    require_points(user)
    queryset = entries_with_state(
        LedgerEntry.objects.visible_to(user).filter(subject_type=SUBJECT_TYPE)
    ).order_by("-occurred_on", "-id")
    filterset = styled_filterset(LedgerEntryFilter(request.GET or None, queryset=queryset), user)
    totals = filterset.qs.order_by().aggregate(total=Sum("points"), count=Count("id"))
    page = paginate(request, filterset.qs)
    return render(
        request,
        "party/stars/ledger_list.html",
        list_context(request, filterset, page, totals=totals),
    )


@login_required
def ledger_member(request, pk):
    user = request.user
    member = visible_member(user, pk)
    base = LedgerEntry.objects.of(SUBJECT_TYPE, member.pk)
    queryset = entries_with_state(base).order_by("-occurred_on", "-id")
    filterset = LedgerEntryFilter(request.GET or None, queryset=queryset)
    for name in ("search", "region"):  # one member's page: her name and place are given
        filterset.filters.pop(name)
    filterset = styled_filterset(filterset, user)
    year_start = timezone.localdate().replace(month=1, day=1)
    totals = base.order_by().aggregate(
        total=Sum("points"), year=Sum("points", filter=Q(occurred_on__gte=year_start))
    )
    by_source = dict(
        base.order_by().values_list("source").annotate(total=Sum("points")).order_by("source")
    )
    return render(
        request,
        "party/stars/ledger_member.html",
        list_context(
            request,
            filterset,
            paginate(request, filterset.qs),
            member=member,
            totals=totals,
            filtered_total=filterset.qs.order_by().aggregate(total=Sum("points"))["total"],
            by_source=[(label, by_source.get(value)) for value, label in Source.choices],
            results=list(stars.results_of(member)[:8]),
            disqualifications=list(
                Disqualification.objects.filter(
                    subject_type=SUBJECT_TYPE, subject_id=member.pk
                ).select_related("created_by")
            ),
            can_adjust=user.has_scoped_perm(ADJUST, member.code),
            can_approve=user.has_scoped_perm(APPROVE, member.code),
            hidden_from_boards=bool(point_actions.hidden_from_boards(SUBJECT_TYPE, [member.pk])),
        ),
    )


@login_required
@require_http_methods(["POST"])
def ledger_board_choice(request, pk):
    """Record a member's request to be left out of (or shown again on) the public boards."""
    user = request.user
    member = visible_member(user, pk)
    if not user.has_scoped_perm(ADJUST, member.code):
        raise PermissionDenied
    hidden = request.POST.get("hidden") == "1"
    point_actions.set_board_opt_out(member, hidden=hidden, by=user)
    message = (
        _("%(name)s is no longer shown on the public airing board.")
        if hidden
        else _("%(name)s is shown on the public airing board again.")
    )
    messages.success(request, message % {"name": member.display_name})
    return redirect("party:points_person", pk=member.pk)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_adjust(request, pk):
    user = request.user
    member = visible_member(user, pk)
    if not user.has_scoped_perm(ADJUST, member.code):
        raise PermissionDenied
    form = AdjustmentForm(
        request.POST or None,
        approvers=approvers_for(member.code, exclude=user),
        earliest=member.joined_on,
        initial={"occurred_on": timezone.localdate()},
    )
    if request.method == "POST":
        entry = run_form(
            form,
            lambda data: ledger.adjust(
                member,
                points=data["points"],
                reason=data["reason"],
                by=user,
                approved_by=data["approved_by"],
                on=data["occurred_on"],
            ),
        )
        if entry is not None:
            messages.success(request, _("The adjustment is entered."))
            return redirect("party:points_person", pk=member.pk)
    return render(
        request,
        "party/stars/form.html",
        {
            "form": form,
            "member": member,
            "title": _("Adjust the points of %(name)s") % {"name": member.display_name},
            "intro": _(
                "A manual adjustment is entered by you and approved by someone else who may "
                "approve adjustments here. It can be corrected only by a reversal."
            ),
            "button": _("Enter the adjustment"),
            "cancel_url": reverse("party:points_person", args=[member.pk]),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_reverse(request, pk):
    user = request.user
    entry = get_object_or_404(
        entries_with_state(LedgerEntry.objects.visible_to(user).filter(subject_type=SUBJECT_TYPE)),
        pk=pk,
    )
    if not user.has_scoped_perm(ADJUST, entry.code):
        raise PermissionDenied
    done = reverse("party:points_person", args=[entry.subject_id])
    if entry.is_reversal or entry.is_reversed:
        messages.info(
            request,
            _("A reversal cannot itself be reversed.")
            if entry.is_reversal
            else _("This entry has already been reversed."),
        )
        return redirect(done)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and run_form(
        form, lambda data: ledger.reverse(entry, by=user, reason=data["reason"])
    ):
        messages.success(request, _("The entry is reversed."))
        return redirect(done)
    return render(
        request,
        "party/stars/form.html",
        {
            "form": form,
            "entry": entry,
            "danger": True,
            "title": _("Reverse this entry?"),
            "intro": _(
                "A reversal adds an entry of %(points)s points that cancels this one; both stay "
                "in the ledger. Ratings change when their period is computed again."
            )
            % {"points": -entry.points},
            "button": _("Reverse the entry"),
            "cancel_url": done,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_disqualify(request, pk):
    user = request.user
    member = visible_member(user, pk)
    if not user.has_scoped_perm(APPROVE, member.code):
        raise PermissionDenied
    done = reverse("party:points_person", args=[member.pk])
    form = DisqualifyForm(
        request.POST or None,
        earliest=member.joined_on,
        initial={"occurred_on": timezone.localdate()},
    )
    if request.method == "POST" and run_form(
        form,
        lambda data: point_actions.disqualify(
            member, occurred_on=data["occurred_on"], reason=data["reason"], by=user
        ),
    ):
        messages.success(request, _("The disqualifying event is recorded."))
        return redirect(done)
    return render(
        request,
        "party/stars/form.html",
        {
            "form": form,
            "member": member,
            "danger": True,
            "title": _("Record a disqualifying event for %(name)s") % {"name": member.display_name},
            "intro": _(
                "A disqualifying event (such as party discipline) gives no stars in every "
                "rating period containing its date, once the period is computed."
            ),
            "button": _("Record the event"),
            "cancel_url": done,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_withdraw_disqualification(request, pk):
    user = request.user
    record = get_object_or_404(
        Disqualification.objects.visible_to(user).filter(
            subject_type=SUBJECT_TYPE, withdrawn_at__isnull=True
        ),
        pk=pk,
    )
    if not user.has_scoped_perm(APPROVE, record.code):
        raise PermissionDenied
    done = reverse("party:points_person", args=[record.subject_id])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and run_form(
        form,
        lambda data: point_actions.withdraw_disqualification(
            record, reason=data["reason"], by=user
        ),
    ):
        messages.success(request, _("The disqualifying event is withdrawn."))
        return redirect(done)
    return render(
        request,
        "party/stars/form.html",
        {
            "form": form,
            "danger": True,
            "title": _("Withdraw the disqualifying event of %(name)s (%(date)s)?")
            % {"name": record.subject_name, "date": record.occurred_on.isoformat()},
            "intro": _(
                "Withdraw it only if it was entered wrongly; it stays on record as withdrawn. "
                "Ratings change when their period is computed again."
            ),
            "button": _("Withdraw"),
            "cancel_url": done,
        },
        status=400 if form.errors else 200,
    )


@login_required
def my_points(request):
    member = get_object_or_404(
        PartyMember.objects.own(request.user).select_related("resident", "organization")
    )
    results = list(stars.results_of(member))
    chosen = None
    wanted = (request.GET.get("period") or "").strip().upper()
    for result in results:
        if result.period.code == wanted:
            chosen = result
    if chosen is None and results:
        chosen = results[0]
    base = LedgerEntry.objects.of(SUBJECT_TYPE, member.pk)
    year_start = timezone.localdate().replace(month=1, day=1)
    totals = base.order_by().aggregate(
        total=Sum("points"), year=Sum("points", filter=Q(occurred_on__gte=year_start))
    )
    page = paginate(request, entries_with_state(base).order_by("-occurred_on", "-id"), 20)
    return render(
        request,
        "party/stars/mine.html",
        {
            "hidden_from_boards": bool(point_actions.hidden_from_boards(SUBJECT_TYPE, [member.pk])),
            "member": member,
            "results": results,
            "chosen": chosen,
            "explanation": stars.explain(chosen) if chosen else [],
            "totals": totals,
            "page": page,
        },
    )


@login_required
@require_http_methods(["POST"])
def my_board_choice(request):
    """The member's own choice to be left out of (or shown again on) the public airing board."""
    member = get_object_or_404(PartyMember.objects.own(request.user))
    hidden = request.POST.get("hidden") == "1"
    point_actions.set_board_opt_out(member, hidden=hidden, by=request.user, own=True)
    messages.success(
        request,
        _("You are no longer shown on the public airing board.")
        if hidden
        else _("You are shown on the public airing board again."),
    )
    return redirect("party:points_mine")


# --- ratings -------------------------------------------------------------------------------------
@login_required
def rating_list(request):
    user = request.user
    require_points(user)
    return render(
        request,
        "party/stars/rating_list.html",
        {
            "periods": periods().select_related("computed_by", "published_by"),
            "can_configure": user.holds_perm(CONFIGURE),
            "suggested": stars.last_full_quarter(timezone.localdate()),
            "items": StarItem.objects.filter(subject_type=SUBJECT_TYPE).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_compute(request):
    user = request.user
    require_points(user)
    if not user.holds_perm(CONFIGURE):
        raise PermissionDenied
    code = (request.POST.get("period") or request.GET.get("period") or "").strip().upper()[:8]
    errors = []
    existing = None
    try:
        stars.parse_period(code)
    except ValidationError as exc:
        errors = exc.messages
    else:
        existing = periods().filter(code=code).first()
    if request.method == "POST" and not errors:
        try:
            period = point_actions.compute_period(code, by=user, subject_type=SUBJECT_TYPE)
        except (ValidationError, PermissionDenied) as exc:
            errors = (
                exc.messages
                if isinstance(exc, ValidationError)
                else [_("You do not have permission to do this here.")]
            )
        else:
            messages.success(
                request,
                _("%(period)s computed: %(count)s members rated.")
                % {"period": period.code, "count": period.subject_count},
            )
            return redirect("party:rating_detail", code=period.code)
    return render(
        request,
        "party/stars/confirm_compute.html",
        {"code": code, "existing": existing, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_publish(request, code):
    user = request.user
    require_points(user)
    period = period_or_404(code)
    if not user.holds_perm(CONFIGURE):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        try:
            point_actions.publish_period(period, by=user)
        except ValidationError as exc:
            errors = exc.messages
        except PermissionDenied:
            errors = [_("You do not have permission to do this here.")]
        else:
            messages.success(request, _("%(period)s is published.") % {"period": period.code})
            return redirect("party:rating_detail", code=period.code)
    return render(
        request,
        "party/confirm.html",
        {
            "title": _("Publish %(period)s?") % {"period": period.code},
            "text": _(
                "Once published, the results are shown on the public airing boards and can no "
                "longer be recomputed."
            ),
            "button": _("Publish"),
            "errors": errors,
            "cancel_url": reverse("party:rating_detail", args=[period.code]),
        },
        status=400 if errors else 200,
    )


def _results(request, period):
    queryset = (
        RatingResult.objects.visible_to(request.user)
        .filter(period=period)
        .order_by("rank", "subject_name", "id")
    )
    return styled_filterset(
        RatingResultFilter(request.GET or None, queryset=queryset), request.user
    )


@login_required
def rating_detail(request, code):
    user = request.user
    require_points(user)
    period = period_or_404(code)
    filterset = _results(request, period)
    items = list(StarItem.objects.filter(subject_type=SUBJECT_TYPE, active=True))
    page = paginate(request, filterset.qs)
    for result in page:
        result.earned = [
            item for item in items if (result.items or {}).get(item.code, {}).get("earned")
        ]
    summary = filterset.qs.order_by().aggregate(
        people=Count("id"), stars=Sum("stars"), points=Sum("points")
    )
    groups = node_summary(filterset.qs, (request.GET.get("region") or "").strip())
    return render(
        request,
        "party/stars/rating_detail.html",
        list_context(
            request,
            filterset,
            page,
            period=period,
            summary=summary,
            groups=groups,
            can_configure=user.holds_perm(CONFIGURE),
        ),
    )


def node_summary(results, region_code: str) -> list[dict]:
    """The results by community (or, within a community, by grid): members, average stars and
    how many are on the red and yellow lists. Members filed above that level are left out."""
    if len(region_code) >= CODE_LENGTH[Level.GRID]:
        return []
    level = Level.GRID if len(region_code) >= CODE_LENGTH[Level.COMMUNITY] else Level.COMMUNITY
    length = CODE_LENGTH[level]
    red, yellow = airing_thresholds()
    rows = list(
        results.order_by()
        .annotate(node=Substr("code", 1, length))
        .values("node")
        .annotate(
            people=Count("id"),
            star_total=Sum("stars"),
            red=Count("id", filter=Q(stars__gte=red, disqualified=False)),
            yellow=Count("id", filter=Q(stars__lte=yellow) | Q(disqualified=True)),
        )
        .order_by("node")
    )
    names = dict(
        Region.objects.filter(code__in=[r["node"] for r in rows if len(r["node"]) == length])
        .select_related("parent")
        .values_list("code", "name")
    )
    return [
        {**row, "name": names[row["node"]], "average": round(row["star_total"] / row["people"], 1)}
        for row in rows
        if row["node"] in names
    ]


@login_required
def rating_export(request, code):
    user = request.user
    require_points(user)
    period = period_or_404(code)
    filterset = _results(request, period)
    return exports_ratings.ratings_workbook(period, filterset.qs, by=user)


@login_required
@require_http_methods(["GET", "POST"])
def rating_result(request, code, pk):
    user = request.user
    require_points(user)
    period = period_or_404(code)
    member = visible_member(user, pk)
    result = RatingResult.objects.filter(
        period=period, subject_type=SUBJECT_TYPE, subject_id=member.pk
    ).first()
    evaluation_items = list(
        StarItem.objects.filter(
            subject_type=SUBJECT_TYPE, active=True, evaluation_min__isnull=False
        )
    )
    scores = {
        score.item.code: score.score
        for score in EvaluationScore.objects.filter(
            period=period, subject_type=SUBJECT_TYPE, subject_id=member.pk
        ).select_related("item")
    }
    can_score = (
        user.has_scoped_perm(ADJUST, member.code)
        and not period.is_published
        and bool(evaluation_items)
    )
    form = evaluation_form(evaluation_items, scores, request.POST or None) if can_score else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                for item in evaluation_items:
                    value = form.cleaned_data.get(item.code)
                    if value is not None and value != scores.get(item.code):
                        point_actions.record_evaluation(period, item, member, score=value, by=user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Scores saved. They count once the period is computed again."),
                )
                return redirect("party:rating_result", code=period.code, pk=member.pk)
    return render(
        request,
        "party/stars/rating_result.html",
        {
            "period": period,
            "member": member,
            "result": result,
            "explanation": stars.explain(result) if result else [],
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def star_items(request):
    user = request.user
    require_points(user)
    return render(
        request,
        "party/stars/items.html",
        {
            "items": StarItem.objects.filter(subject_type=SUBJECT_TYPE),
            "can_configure": user.holds_perm(CONFIGURE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def star_item_edit(request, pk):
    user = request.user
    require_points(user)
    item = get_object_or_404(StarItem.objects.filter(subject_type=SUBJECT_TYPE), pk=pk)
    if not user.holds_perm(CONFIGURE):
        raise PermissionDenied
    initial = {
        "name": item.name,
        "description": item.description,
        "counts": ", ".join(item.counts or []),
        "threshold": item.threshold,
        "evaluation_min": item.evaluation_min,
        "active": item.active,
    }
    form = StarItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and run_form(
        form, lambda data: point_actions.change_star_item(item, data, by=user)
    ):
        messages.success(request, _("Saved."))
        return redirect("party:star_items")
    return render(
        request,
        "party/stars/form.html",
        {
            "form": form,
            "title": _("Edit the star “%(name)s”") % {"name": item.name},
            "intro": _("Changed rules count when a period is computed again."),
            "button": _("Save"),
            "cancel_url": reverse("party:star_items"),
        },
        status=400 if form.errors else 200,
    )


# --- the public airing board (S8) -----------------------------------------------------------------
def communities():
    return Region.objects.filter(level__in=COMMUNITY_LEVELS).order_by("code")


def sees_full_names(user, code: str) -> bool:
    """Logged-in people who live or work in the community, and staff with the ledger in scope."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.has_scoped_perm(VIEW, code):
        return True
    return any(a.scope_code.startswith(code) for a in user.active_assignments())


def board(period: RatingPeriod, community: Region, *, full_names: bool) -> dict:
    """The ranked rows of one community in one period, with their list (red / yellow)."""
    red, yellow = airing_thresholds()
    opted_out = BoardOptOut.objects.filter(
        subject_type=OuterRef("subject_type"), subject_id=OuterRef("subject_id")
    )
    everyone = list(
        RatingResult.objects.filter(period=period)
        .within(community.code)
        .annotate(hidden=Exists(opted_out))
        .order_by("disqualified", "-stars", "-points", "subject_name", "id")
        .values("subject_name", "stars", "points", "disqualified", "hidden")
    )
    rows = [row for row in everyone if not row["hidden"]]  # left out at their own request
    ranked = []
    previous, number = None, 0
    for position, row in enumerate(rows, start=1):
        key = (row["disqualified"], row["stars"], row["points"])
        if key != previous:
            number, previous = position, key
        if row["stars"] >= red and not row["disqualified"]:
            listing = "red"
        elif row["stars"] <= yellow or row["disqualified"]:
            listing = "yellow"
        else:
            listing = ""
        ranked.append(
            {
                "rank": number,
                "name": row["subject_name"] if full_names else pii.mask_name(row["subject_name"]),
                "stars": row["stars"],
                "points": row["points"],
                "list": listing,
                "disqualified": row["disqualified"],
            }
        )
    return {
        "rows": ranked,
        "red": [row for row in ranked if row["list"] == "red"],
        "yellow": [row for row in ranked if row["list"] == "yellow"],
        "red_min": red,
        "yellow_max": yellow,
        "full_names": full_names,
        "hidden_count": len(everyone) - len(rows),
    }


def airing_index(request):
    published = list(periods().filter(status=RatingPeriod.Status.PUBLISHED)[:1])
    latest = published[0] if published else None
    rows = list(communities().select_related("parent"))
    if latest is not None:
        # Communities and villages have codes of one length: group the results by that prefix.
        counts: dict[str, list[int]] = {}
        for length in sorted({len(c.code) for c in rows}):
            grouped = (
                RatingResult.objects.filter(period=latest)
                .annotate(community=Substr("code", 1, length))
                .values("community")
                .annotate(people=Count("id"), total=Sum("stars"))
                .order_by()
            )
            for row in grouped:
                counts.setdefault(row["community"], [row["people"], row["total"] or 0])
        for community in rows:
            people, total = counts.get(community.code, [0, 0])
            community.rated = people
            community.average = round(total / people, 1) if people else None
    return render(request, "party/airing/index.html", {"communities": rows, "latest": latest})


def airing_board(request, code):
    community = get_object_or_404(communities().select_related("parent"), code=code)
    published = list(periods().filter(status=RatingPeriod.Status.PUBLISHED))
    wanted = (request.GET.get("period") or "").strip().upper()
    period = next((p for p in published if p.code == wanted), None)
    if wanted and period is None:
        raise Http404
    if period is None and published:
        period = published[0]
    full_names = sees_full_names(request.user, community.code)
    context = {
        "community": community,
        "period": period,
        "periods": published,
        "printing": request.GET.get("print") == "1",
        "today": timezone.localdate(),
    }
    if period is not None:
        context.update(board(period, community, full_names=full_names))
    return render(request, "party/airing/board.html", context)


class AiringBoardAPI(APIView):
    """The airing board as JSON, masked exactly like the page (public)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="2026Q3; default the latest")],
        responses={200: OpenApiTypes.OBJECT},
        summary=gettext_lazy("A community's airing board"),
    )
    def get(self, request, code):
        community = communities().filter(code=code).first()
        if community is None:
            raise NotFound()
        published = list(periods().filter(status=RatingPeriod.Status.PUBLISHED))
        wanted = (request.query_params.get("period") or "").strip().upper()
        period = next((p for p in published if p.code == wanted), None)
        if wanted and period is None:
            raise NotFound()
        if period is None and published:
            period = published[0]
        body = {
            "community": {"code": community.code, "name": community.name},
            "periods": [p.code for p in published],
            "period": None,
            "rows": [],
        }
        if period is not None:
            data = board(period, community, full_names=sees_full_names(request.user, code))
            body.update(
                period={"code": period.code, "start": period.start, "end": period.end},
                full_names=data["full_names"],
                hidden_count=data["hidden_count"],
                red_min=data["red_min"],
                yellow_max=data["yellow_max"],
                rows=[{**row, "points": str(row["points"])} for row in data["rows"]],
            )
        return Response(body)
