"""Every change to the party-spirit check-up goes through these functions (S7).

Each one is atomic, checks who may act (and the cycle's state), validates its input (raising
`ValidationError` with field messages and stable codes), and writes its audit event in the same
transaction. Pages, the API and the admin call these; the demo writes its history in bulk.

Who may do what (the party permissions of `sixfold.accounts.roles`, no new ones):
* set up, open and close a cycle, keep the rectification lists, record re-checks: `party.manage`
  over the cycle's or the member's node (street administrators, community secretaries);
* self-assessment: the member herself, through her login (`party.own`);
* peer assessment: another active member of the same organisation, through her login;
* resident assessment: a resident (role `resident`) whose household lies in the member's
  community; a member never rates herself this way;
* organisation assessment: `party.manage` over the member, or the member's own login holding the
  secretary's or deputy secretary's post of her organisation or her community's (branch and
  community secretaries assess through their party post).

A closed cycle is read-only: its rules, indicators, assessments and results stay as they were.
What follows a check-up — rectification items and re-checks — is recorded on the results after
the close.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events
from sixfold.core.actions import ensure_perm
from sixfold.core.models import AuditEvent, Level, Region
from sixfold.party.actions import MANAGE, community_code
from sixfold.party.models import PartyMember, PartyPost

from . import grading
from .models import (
    Assessment,
    Category,
    CheckupCycle,
    CheckupResult,
    Grade,
    Indicator,
    Party,
    Recheck,
    RectificationItem,
    categories_of,
)

RESIDENT_ROLE = "resident"
CYCLE_LEVELS = (Level.STREET, Level.COMMUNITY, Level.VILLAGE)
SECRETARY_POSTS = (PartyPost.Post.SECRETARY, PartyPost.Post.DEPUTY_SECRETARY)

# The common set a new cycle starts with; a street edits it before opening the cycle.
DEFAULT_INDICATORS = [
    (Category.COMMON, "政治理论学习", "学习党的创新理论，参加“三会一课”", 20, 10),
    (Category.COMMON, "遵守党章党纪", "按时交纳党费，遵守组织纪律", 20, 10),
    (Category.COMMON, "联系服务群众", "联系户走访，为群众办实事", 25, 10),
    (Category.COMMON, "参与社区治理", "参加志愿服务、议事协商", 20, 10),
    (Category.COMMON, "家庭邻里表率", "家风家教、邻里和睦", 15, 10),
    (Category.IN_SERVICE, "双报到服务", "到居住社区报到并认领岗位", 20, 10),
    (Category.ELDERLY, "发挥余热", "力所能及参加组织生活和宣传", 20, 10),
    (Category.IN_DIFFICULTY, "自强自立", "在组织帮扶下积极面对困难", 20, 10),
    (Category.MOBILE, "保持联系", "按时向党组织报告思想和工作", 20, 10),
    (Category.PROBATIONARY, "预备期表现", "按期汇报思想，接受培养考察", 20, 10),
]


def _error(field: str | None, message: str, code: str) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code)
    return ValidationError({field: ValidationError(message, code=code)})


def _text(data: dict, field: str, max_length: int, *, required_message: str | None = None) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required_message and not value:
        raise _error(field, required_message, "required")
    if len(value) > max_length:
        raise _error(
            field,
            _("Too long (at most %(max)s characters).") % {"max": max_length},
            "max_length",
        )
    return value


def _whole(data: dict, field: str, low: int, high: int, default: int | None = None) -> int:
    value = data.get(field)
    if value in (None, ""):
        if default is None:
            raise _error(field, _("Enter a whole number."), "required")
        return default
    if isinstance(value, bool):
        raise _error(field, _("Enter a whole number."), "invalid")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _error(field, _("Enter a whole number."), "invalid") from None
    if not low <= number <= high:
        raise _error(
            field,
            _("The number must be between %(min)s and %(max)s.") % {"min": low, "max": high},
            "out_of_range",
        )
    return number


def _decimal(value, field: str, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool) or value in (None, ""):
        raise _error(field, _("Enter a number."), "required")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _error(field, _("Enter a number."), "invalid") from None
    if not number.is_finite() or not low <= number <= high:
        raise _error(
            field,
            _("The number must be between %(min)s and %(max)s.") % {"min": low, "max": high},
            "out_of_range",
        )
    return number


def _date(data: dict, field: str, *, required: bool = False) -> dt.date | None:
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
    if not dt.date(2000, 1, 1) <= value <= timezone.localdate() + dt.timedelta(days=3660):
        raise _error(field, _("Enter a valid date."), "invalid")
    return value


def _locked(cycle: CheckupCycle) -> CheckupCycle:
    return CheckupCycle.objects.select_for_update().get(pk=cycle.pk)


def _ensure_state(cycle: CheckupCycle, *states: str) -> None:
    if cycle.status not in states:
        if cycle.status == CheckupCycle.Status.CLOSED:
            raise _error(None, _("This check-up is closed and can no longer change."), "closed")
        if cycle.status == CheckupCycle.Status.DRAFT:
            raise _error(None, _("This check-up has not been opened yet."), "not_open")
        raise _error(None, _("This check-up is already open."), "already_open")


def _ensure_draft(cycle: CheckupCycle) -> None:
    """Indicators change only while nobody has scored against them."""
    if cycle.status == CheckupCycle.Status.OPEN:
        raise _error(
            None, _("The indicators can only change before the check-up opens."), "already_open"
        )
    _ensure_state(cycle, CheckupCycle.Status.DRAFT)


# --- cycles ----------------------------------------------------------------------------------------
def _clean_rules(data: dict) -> dict:
    """Weights, thresholds and the residents' minimum, checked together."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict = {}
    for field in ("weight_self", "weight_peer", "weight_resident", "weight_organization"):
        try:
            cleaned[field] = _whole(data, field, 0, 100)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if not errors and sum(cleaned.values()) != 100:
        errors["weight_organization"] = [
            ValidationError(
                _("The four weights must add up to 100 (now %(sum)s).")
                % {"sum": sum(cleaned.values())},
                code="weights_sum",
            )
        ]
    for field in ("healthy_from", "subhealthy_from"):
        try:
            cleaned[field] = _decimal(data.get(field), field, Decimal(0), Decimal(100))
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if (
        "healthy_from" in cleaned
        and "subhealthy_from" in cleaned
        and cleaned["subhealthy_from"] >= cleaned["healthy_from"]
    ):
        errors["subhealthy_from"] = [
            ValidationError(
                _("The sub-healthy threshold must be below the healthy one."),
                code="threshold_order",
            )
        ]
    try:
        cleaned["min_residents"] = _whole(data, "min_residents", 0, 200)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        cleaned["note"] = _text(data, "note", 2000)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


RULE_DEFAULTS = {
    "weight_self": 10,
    "weight_peer": 30,
    "weight_resident": 30,
    "weight_organization": 30,
    "healthy_from": Decimal("85"),
    "subhealthy_from": Decimal("70"),
    "min_residents": 5,
    "note": "",
}


@transaction.atomic
def create_cycle(region: Region, data: dict, *, by, default_indicators: bool = True):
    """A draft cycle for a street or community; it starts with the default indicator sets (or,
    with `copy_from`, the indicators of an earlier cycle)."""
    ensure_perm(by, MANAGE, region.code)
    if region.level not in CYCLE_LEVELS:
        raise _error("region", _("A check-up covers a street or a community."), "bad_level")
    year = _whole(data, "year", 2000, 2100)
    rules = _clean_rules({**RULE_DEFAULTS, **{k: v for k, v in data.items() if v is not None}})
    name = _text(data, "name", 100) or f"{region.name}{year}年度党员党性体检"
    taken = _("This area already has a check-up for that year.")
    if CheckupCycle.objects.filter(code=region.code, year=year).exists():
        raise _error("year", taken, "taken")
    # One check-up a year per member: a street's and one of its communities' would overlap.
    above = [region.code[:length] for length in (9, 12) if length < len(region.code)]
    overlapping = CheckupCycle.objects.filter(year=year).filter(
        Q(code__in=above) | Q(code__startswith=region.code)
    )
    clash = overlapping.first()
    if clash is not None:
        raise _error(
            "year",
            _("“%(name)s” already covers members of this area that year.") % {"name": clash.name},
            "overlap",
        )
    cycle = CheckupCycle(region=region, code=region.code, year=year, name=name, **rules)
    try:
        with transaction.atomic():
            cycle.save()
    except IntegrityError:
        raise _error("year", taken, "taken") from None
    source = data.get("copy_from")
    if source is not None:
        rows = [
            Indicator(
                cycle=cycle,
                category=i.category,
                name=i.name,
                description=i.description,
                weight=i.weight,
                max_score=i.max_score,
                order=i.order,
            )
            for i in source.indicators.all()
        ]
    elif default_indicators:
        rows = default_indicators_for(cycle)
    else:
        rows = []
    Indicator.objects.bulk_create(rows)
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=cycle,
        after={**events.snapshot(cycle), "indicators": len(rows)},
    )
    return cycle


@transaction.atomic
def change_cycle(cycle: CheckupCycle, data: dict, *, by) -> CheckupCycle:
    """Rename the cycle or change its rules; before it closes (an open cycle's grades are
    provisional, so the rules may still be corrected)."""
    ensure_perm(by, MANAGE, cycle.code)
    cycle = _locked(cycle)
    _ensure_state(cycle, CheckupCycle.Status.DRAFT, CheckupCycle.Status.OPEN)
    current = {field: getattr(cycle, field) for field in RULE_DEFAULTS}
    rules = _clean_rules({**current, **{k: v for k, v in data.items() if k in RULE_DEFAULTS}})
    name = _text(
        {"name": data.get("name", cycle.name)},
        "name",
        100,
        required_message=_("Please enter the name."),
    )
    before = events.snapshot(cycle)
    for field, value in {**rules, "name": name}.items():
        setattr(cycle, field, value)
    after = events.snapshot(cycle)
    if after != before:
        cycle.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=cycle, before=before, after=after)
    return cycle


@transaction.atomic
def open_cycle(cycle: CheckupCycle, *, by) -> CheckupCycle:
    ensure_perm(by, MANAGE, cycle.code)
    cycle = _locked(cycle)
    _ensure_state(cycle, CheckupCycle.Status.DRAFT)
    if not cycle.indicators.filter(category=Category.COMMON).exists():
        raise _error(
            None, _("Add at least one indicator to the common set first."), "no_indicators"
        )
    before = events.snapshot(cycle)
    cycle.status = CheckupCycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE, by=by, obj=cycle, before=before, after=events.snapshot(cycle)
    )
    return cycle


def members_of(cycle: CheckupCycle):
    """The members a cycle checks: the active members of its area."""
    return PartyMember.objects.active().within(cycle.code)


@transaction.atomic
def close_cycle(cycle: CheckupCycle, *, by) -> int:
    """Freeze every member's scores, total and grade; returns how many results were written."""
    ensure_perm(by, MANAGE, cycle.code)
    cycle = _locked(cycle)
    _ensure_state(cycle, CheckupCycle.Status.OPEN)
    results = grade_members(cycle)
    before = events.snapshot(cycle)
    cycle.status = CheckupCycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at", "updated_at"])
    counts = dict.fromkeys(Grade.values, 0)
    for result in results:
        if result.grade:
            counts[result.grade] += 1
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=cycle,
        before=before,
        after={**events.snapshot(cycle), "results": len(results), "grades": counts},
    )
    return len(results)


def grade_members(cycle: CheckupCycle) -> list[CheckupResult]:
    """Write every member's result from her assessments (the closing step; the demo's history
    uses it too, so its grades are the real arithmetic)."""
    members = members_of(cycle).only("pk", "code").order_by("pk")
    results = [result_from_sheet(sheet) for sheet in grading.sheets_for(cycle, members)]
    CheckupResult.objects.bulk_create(results, batch_size=1000)
    return results


def default_indicators_for(cycle: CheckupCycle) -> list[Indicator]:
    return [
        Indicator(
            cycle=cycle,
            category=category,
            name=name,
            description=description,
            weight=weight,
            max_score=max_score,
            order=index,
        )
        for index, (category, name, description, weight, max_score) in enumerate(DEFAULT_INDICATORS)
    ]


def result_from_sheet(sheet: grading.Sheet) -> CheckupResult:
    scores = sheet.party_scores
    return CheckupResult(
        cycle=sheet.cycle,
        member=sheet.member,
        code=sheet.member.code,
        self_score=scores[Party.SELF],
        peer_score=scores[Party.PEER],
        resident_score=scores[Party.RESIDENT],
        organization_score=scores[Party.ORGANIZATION],
        total=sheet.total,
        initial_grade=sheet.grade,
        grade=sheet.grade,
        missing=",".join(sheet.missing),
    )


# --- indicators ------------------------------------------------------------------------------------
def _clean_indicator(data: dict) -> dict:
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict = {}
    category = data.get("category") or Category.COMMON
    if category not in Category.values:
        errors["category"] = [
            ValidationError(_("Please choose a valid option."), code="invalid_choice")
        ]
    cleaned["category"] = category
    for field, length, required in (("name", 100, True), ("description", 300, False)):
        try:
            cleaned[field] = _text(
                data,
                field,
                length,
                required_message=_("Please enter the name.") if required else None,
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    for field, low, high, default in (
        ("weight", 1, 100, None),
        ("max_score", 1, 100, None),
        ("order", 0, 999, 0),
    ):
        try:
            cleaned[field] = _whole(data, field, low, high, default)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def add_indicator(cycle: CheckupCycle, data: dict, *, by) -> Indicator:
    ensure_perm(by, MANAGE, cycle.code)
    cycle = _locked(cycle)
    _ensure_draft(cycle)
    indicator = Indicator.objects.create(cycle=cycle, **_clean_indicator(data))
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=indicator,
        scope_code=cycle.code,
        after=events.snapshot(indicator),
    )
    return indicator


@transaction.atomic
def change_indicator(indicator: Indicator, data: dict, *, by) -> Indicator:
    cycle = indicator.cycle
    ensure_perm(by, MANAGE, cycle.code)
    _ensure_draft(_locked(cycle))
    current = {
        f: getattr(indicator, f)
        for f in ("category", "name", "description", "weight", "max_score", "order")
    }
    cleaned = _clean_indicator({**current, **data})
    before = events.snapshot(indicator)
    for field, value in cleaned.items():
        setattr(indicator, field, value)
    after = events.snapshot(indicator)
    if after != before:
        indicator.save()
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=indicator,
            scope_code=cycle.code,
            before=before,
            after=after,
        )
    return indicator


@transaction.atomic
def remove_indicator(indicator: Indicator, *, by) -> None:
    cycle = indicator.cycle
    ensure_perm(by, MANAGE, cycle.code)
    _ensure_draft(_locked(cycle))
    events.record(
        AuditEvent.Verb.DELETE,
        by=by,
        obj=indicator,
        scope_code=cycle.code,
        before=events.snapshot(indicator),
    )
    indicator.delete()


# --- assessments -----------------------------------------------------------------------------------
def indicators_for(cycle: CheckupCycle, member: PartyMember) -> list[Indicator]:
    return list(
        cycle.indicators.filter(category__in=categories_of(member)).order_by(
            "category", "order", "id"
        )
    )


def own_member(user) -> PartyMember | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return PartyMember.objects.own(user).active().first()


def resident_communities(user) -> set[str]:
    """The communities where the user lives, by the households her `resident` roles name."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {
        community_code(a.scope_code)
        for a in user.active_assignments()
        if a.role == RESIDENT_ROLE and len(a.scope_code) >= len(community_code(a.scope_code))
    }


def is_secretary_for(user, member: PartyMember) -> bool:
    """Whether the user's own member record holds the secretary's (or deputy's) post of the
    member's organisation or of her community's organisation."""
    mine = own_member(user)
    if mine is None:
        return False
    return PartyPost.objects.filter(
        member=mine,
        post__in=SECRETARY_POSTS,
        organization__code__in={member.code, community_code(member.code)},
    ).exists()


def may_assess(user, cycle: CheckupCycle, member: PartyMember, party: str) -> bool:
    """Whether `user` may assess `member` in `party` (the cycle's state is checked apart)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if member.status != PartyMember.Status.ACTIVE or not member.code.startswith(cycle.code):
        return False
    if party == Party.SELF:
        return member.user_id == user.pk
    if party == Party.PEER:
        mine = own_member(user)
        return (
            mine is not None
            and mine.pk != member.pk
            and mine.organization_id == member.organization_id
        )
    if party == Party.RESIDENT:
        return member.user_id != user.pk and community_code(member.code) in resident_communities(
            user
        )
    if party == Party.ORGANIZATION:
        if member.user_id == user.pk:
            return False
        return user.has_scoped_perm(MANAGE, member.code) or is_secretary_for(user, member)
    return False


def _clean_scores(indicators: list[Indicator], scores) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise _error("scores", _("Score every indicator."), "invalid")
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, int] = {}
    known = {str(i.pk) for i in indicators}
    for key in scores:
        if str(key) not in known:
            errors[f"score_{key}"] = [
                ValidationError(_("This indicator does not apply here."), code="unknown")
            ]
    for indicator in indicators:
        key = str(indicator.pk)
        value = scores.get(indicator.pk, scores.get(key))
        try:
            cleaned[key] = _whole({key: value}, key, 0, indicator.max_score)
        except ValidationError as exc:
            errors[f"score_{key}"] = exc.error_dict[key]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def submit_assessment(
    cycle: CheckupCycle,
    member: PartyMember,
    party: str,
    scores: dict,
    *,
    by,
    comment: str = "",
) -> Assessment:
    """Record (or, while the cycle is open, replace) `by`'s assessment of `member` in `party`."""
    if party not in Party.values:
        raise _error("party", _("Please choose a valid option."), "invalid_choice")
    if not may_assess(by, cycle, member, party):
        raise PermissionDenied(_("You do not have permission to do this here."))
    cycle = CheckupCycle.objects.select_for_update().get(pk=cycle.pk)
    _ensure_state(cycle, CheckupCycle.Status.OPEN)
    indicators = indicators_for(cycle, member)
    cleaned = _clean_scores(indicators, scores)
    comment = _text({"comment": comment}, "comment", 500)
    score = grading.assessment_score(indicators, cleaned)
    existing = (
        Assessment.objects.select_for_update()
        .filter(cycle=cycle, member=member, party=party, assessor=by)
        .first()
    )
    name = (getattr(by, "display_name", "") or by.get_username())[:50]
    if existing is not None:
        before = events.snapshot(existing)
        existing.scores, existing.score, existing.comment = cleaned, score, comment
        existing.assessor_name = name
        existing.save()
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=existing,
            before=before,
            after=events.snapshot(existing),
        )
        return existing
    assessment = Assessment(
        cycle=cycle,
        member=member,
        code=member.code,
        party=party,
        assessor=by,
        assessor_name=name,
        scores=cleaned,
        score=score,
        comment=comment,
    )
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        raise _error(None, _("This assessment was submitted meanwhile."), "changed") from None
    events.record(AuditEvent.Verb.CREATE, by=by, obj=assessment, after=events.snapshot(assessment))
    return assessment


# --- follow-up: rectification and re-check ---------------------------------------------------------
def _ensure_follow_up(result: CheckupResult) -> None:
    if not result.needs_rectification:
        raise _error(
            None,
            _("Only a sub-healthy or unhealthy result has a rectification list."),
            "no_rectification",
        )


@transaction.atomic
def add_rectification(result: CheckupResult, data: dict, *, by) -> RectificationItem:
    ensure_perm(by, MANAGE, result.code)
    _ensure_follow_up(result)
    errors: dict = {}
    cleaned: dict = {}
    for field, length, message in (
        ("problem", 300, _("Describe the problem found.")),
        ("measure", 300, None),
        ("owner", 50, None),
    ):
        try:
            cleaned[field] = _text(data, field, length, required_message=message)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    try:
        cleaned["due_on"] = _date(data, "due_on", required=True)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    cleaned["owner"] = cleaned["owner"] or result.member.display_name[:50]
    item = RectificationItem.objects.create(
        result=result, member_id=result.member_id, code=result.code, **cleaned
    )
    events.record(AuditEvent.Verb.CREATE, by=by, obj=item, after=events.snapshot(item))
    return item


@transaction.atomic
def complete_rectification(
    item: RectificationItem, *, by, outcome: str = "", on=None
) -> RectificationItem:
    ensure_perm(by, MANAGE, item.code)
    item = RectificationItem.objects.select_for_update().get(pk=item.pk)
    if item.status != RectificationItem.Status.OPEN:
        raise _error(None, _("This item is already done."), "already_done")
    outcome = _text({"outcome": outcome}, "outcome", 300)
    on = _date({"on": on}, "on") or timezone.localdate()
    if on > timezone.localdate():
        raise _error("on", _("The date cannot be in the future."), "future")
    before = events.snapshot(item)
    item.status = RectificationItem.Status.DONE
    item.done_on = on
    item.outcome = outcome
    item.save(update_fields=["status", "done_on", "outcome", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE, by=by, obj=item, before=before, after=events.snapshot(item)
    )
    return item


@transaction.atomic
def record_recheck(result: CheckupResult, grade: str, *, by, note: str = "", on=None) -> Recheck:
    """A follow-up re-check: the member's current grade becomes `grade`; the check-up's own
    grade and every earlier re-check stay on record."""
    ensure_perm(by, MANAGE, result.code)
    result = CheckupResult.objects.select_for_update().get(pk=result.pk)
    _ensure_follow_up(result)
    if grade not in Grade.values:
        raise _error("grade", _("Please choose a valid option."), "invalid_choice")
    note = _text({"note": note}, "note", 500)
    on = _date({"on": on}, "on") or timezone.localdate()
    if on > timezone.localdate():
        raise _error("on", _("The date cannot be in the future."), "future")
    recheck = Recheck.objects.create(
        result=result, grade=grade, previous_grade=result.grade, on=on, note=note, by=by
    )
    before = {"grade": result.grade}
    result.grade = grade
    result.save(update_fields=["grade", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=result,
        before=before,
        after={"grade": grade, "recheck": recheck.pk, "on": on.isoformat(), "note": note},
        purpose=_("Re-check"),
    )
    return recheck


# --- exports ---------------------------------------------------------------------------------------
@transaction.atomic
def record_export(what: str, *, scope_code: str, by, filters: dict | None = None) -> None:
    events.record(
        AuditEvent.Verb.EXPORT,
        by=by,
        object_type="checkup.export",
        object_repr=what,
        scope_code=scope_code,
        after=filters or None,
    )
