"""The party-spirit check-up (党性体检, S7): a yearly cycle in which every member is assessed by
herself, her branch's members, the residents around her and her organisation, graded 健康 /
亚健康 / 不健康, and followed up with a rectification list (整改清单) and a re-check.

* `CheckupCycle` belongs to a street or a community (`code`) and one year. It carries its own
  rules: the weight of each of the four assessing parties, the grade thresholds and the number
  of residents each branch must hear from. Draft → open → closed; a closed cycle is read-only.
* `Indicator` is one line of an indicator set: the common set every member answers, or the set of
  a member category (in-service, elderly, in difficulty, mobile, probationary). Each has a weight
  and a maximum score.
* `Assessment` is one assessor's scores for one member in one party; its normalised `score`
  (0–100) is kept with it so the sheet adds up without reading the scores again.
* `CheckupResult` freezes each member's party scores, total and grade when the cycle closes;
  `Recheck` records a follow-up grade; `RectificationItem` is one line of the member's list.

Every row carries the code of the member's organisation (`code`), so visibility is the usual
prefix filter; a cycle is also seen from below (a community sees its street's cycle).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.models import Region
from sixfold.core.models.base import ScopedQuerySet, TimeStamped
from sixfold.party.models import PartyMember


class Party(models.TextChoices):
    """The four assessing parties, in the order the sheet shows them."""

    SELF = "self", _("Self-assessment")
    PEER = "peer", _("Peer assessment")
    RESIDENT = "resident", _("Resident assessment")
    ORGANIZATION = "organization", _("Organisation assessment")


class Grade(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    SUBHEALTHY = "subhealthy", _("Sub-healthy")
    UNHEALTHY = "unhealthy", _("Unhealthy")


class Category(models.TextChoices):
    """Which members an indicator set applies to; `common` applies to everyone."""

    COMMON = "common", _("All members")
    IN_SERVICE = "in_service", _("In-service members")
    ELDERLY = "elderly", _("Elderly members")
    IN_DIFFICULTY = "in_difficulty", _("Members in difficulty")
    MOBILE = "mobile", _("Mobile members")
    PROBATIONARY = "probationary", _("Probationary members")


def categories_of(member: PartyMember) -> list[str]:
    """The indicator sets a member answers: the common one and one per flag she carries."""
    found = [Category.COMMON.value]
    for flag in ("in_service", "elderly", "in_difficulty", "mobile"):
        if getattr(member, flag):
            found.append(flag)
    if member.standing == PartyMember.Standing.PROBATIONARY:
        found.append(Category.PROBATIONARY.value)
    return found


class CycleQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "party.view"):
        """Cycles over the user's scope or under it: a community sees its street's cycle."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        condition = models.Q()
        for prefix in user.scope_prefixes(perm):
            condition |= models.Q(code__prefix=prefix)
            # The cycles of the nodes above the scope: their code is a prefix of the scope's.
            above = {prefix[:length] for length in (9, 12) if length < len(prefix)}
            if above:
                condition |= models.Q(code__in=above)
        return self.filter(condition) if condition else self.none()

    def covering(self, code: str):
        """Cycles whose area contains the node `code`."""
        return self.filter(code__in=[code[:length] for length in (9, 12) if length <= len(code)])


PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class CheckupCycle(TimeStamped):
    """One year's check-up of the members of a street or a community (年度党性体检)."""

    class Status(models.TextChoices):
        DRAFT = (
            "draft",
            pgettext_lazy("check-up", "Draft"),
        )  # indicators and rules being set up; nobody assesses yet
        OPEN = "open", pgettext_lazy("check-up", "Open")  # assessments are taken
        CLOSED = (
            "closed",
            pgettext_lazy("check-up", "Closed"),
        )  # results frozen; only rectification and re-checks follow

    scope_field = "code"

    region = models.ForeignKey(
        Region, verbose_name=_("region node"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(pgettext_lazy("check-up", "name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    weight_self = models.PositiveSmallIntegerField(
        _("weight of the self-assessment (%)"), default=10, validators=PERCENT
    )
    weight_peer = models.PositiveSmallIntegerField(
        _("weight of the peer assessment (%)"), default=30, validators=PERCENT
    )
    weight_resident = models.PositiveSmallIntegerField(
        _("weight of the resident assessment (%)"), default=30, validators=PERCENT
    )
    weight_organization = models.PositiveSmallIntegerField(
        _("weight of the organisation assessment (%)"), default=30, validators=PERCENT
    )
    healthy_from = models.DecimalField(
        _("healthy from (score)"), max_digits=5, decimal_places=2, default=Decimal("85")
    )
    subhealthy_from = models.DecimalField(
        _("sub-healthy from (score)"), max_digits=5, decimal_places=2, default=Decimal("70")
    )
    min_residents = models.PositiveSmallIntegerField(
        _("residents to hear per branch (at least)"), default=5
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("check-up", "closed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-up cycle")
        verbose_name_plural = _("check-up cycles")
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="checkup_cycle_once_a_year")
        ]

    def __str__(self) -> str:
        return self.name

    def weights(self) -> dict[str, int]:
        return {
            Party.SELF: self.weight_self,
            Party.PEER: self.weight_peer,
            Party.RESIDENT: self.weight_resident,
            Party.ORGANIZATION: self.weight_organization,
        }

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Indicator(TimeStamped):
    """One indicator of a cycle's set for a member category (or the common set)."""

    cycle = models.ForeignKey(
        CheckupCycle,
        verbose_name=_("check-up cycle"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    category = models.CharField(
        _("indicator set"), max_length=16, choices=Category.choices, default=Category.COMMON
    )
    name = models.CharField(pgettext_lazy("indicator", "name"), max_length=100)
    description = models.CharField(_("what is assessed"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=10)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("check-up indicator")
        verbose_name_plural = _("check-up indicators")
        ordering = ["cycle", "category", "order", "id"]

    def __str__(self) -> str:
        return self.name


class AssessmentQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "party.view"):
        return super().visible_to(user, perm)


class Assessment(TimeStamped):
    """One assessor's scores for one member in one of the four parties."""

    scope_field = "code"

    cycle = models.ForeignKey(
        CheckupCycle,
        verbose_name=_("check-up cycle"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="checkup_assessments",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    party = models.CharField(_("assessed by"), max_length=16, choices=Party.choices)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="checkup_assessments",
    )
    assessor_name = models.CharField(_("assessor"), max_length=50, blank=True)
    # {indicator id (str): score}; the normalised result is `score`.
    scores = models.JSONField(_("scores"), default=dict)
    score = models.DecimalField(_("score (of 100)"), max_digits=5, decimal_places=2)
    comment = models.CharField(pgettext_lazy("assessment", "comment"), max_length=500, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["cycle", "member", "party", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "member", "party", "assessor"],
                name="checkup_assessment_once_per_assessor",
            )
        ]
        indexes = [models.Index(fields=["cycle", "party", "member"], name="checkup_asm_party")]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_party_display()}"


class ResultQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "party.view"):
        return super().visible_to(user, perm)


class CheckupResult(TimeStamped):
    """A member's frozen outcome of a closed cycle; `grade` follows the latest re-check."""

    scope_field = "code"

    cycle = models.ForeignKey(
        CheckupCycle,
        verbose_name=_("check-up cycle"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="checkup_results",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    self_score = models.DecimalField(
        _("self-assessment"), max_digits=5, decimal_places=2, null=True
    )
    peer_score = models.DecimalField(
        _("peer assessment"), max_digits=5, decimal_places=2, null=True
    )
    resident_score = models.DecimalField(
        _("resident assessment"), max_digits=5, decimal_places=2, null=True
    )
    organization_score = models.DecimalField(
        _("organisation assessment"), max_digits=5, decimal_places=2, null=True
    )
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True)
    # The grade of the check-up itself; blank when nobody assessed the member.
    initial_grade = models.CharField(
        _("check-up grade"), max_length=12, choices=Grade.choices, blank=True
    )
    grade = models.CharField(
        _("current grade"), max_length=12, choices=Grade.choices, blank=True, db_index=True
    )
    missing = models.CharField(_("parties missing"), max_length=80, blank=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-up result")
        verbose_name_plural = _("check-up results")
        ordering = ["cycle", "code", "member"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "member"], name="checkup_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.cycle.year} · {self.get_grade_display()}"

    def missing_labels(self) -> list[str]:
        return [str(Party(p).label) for p in self.missing.split(",") if p in Party.values]

    @property
    def needs_rectification(self) -> bool:
        return self.initial_grade in (Grade.SUBHEALTHY, Grade.UNHEALTHY)


class Recheck(models.Model):
    """A follow-up re-check (复检) of a result: the new grade and why; never changed later."""

    result = models.ForeignKey(
        CheckupResult,
        verbose_name=_("check-up result"),
        on_delete=models.CASCADE,
        related_name="rechecks",
    )
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    previous_grade = models.CharField(
        _("previous grade"), max_length=12, choices=Grade.choices, blank=True
    )
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("re-check")
        verbose_name_plural = _("re-checks")
        ordering = ["result", "on", "id"]

    def __str__(self) -> str:
        return f"{self.result.member} · {self.get_grade_display()}"


class RectificationQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "party.view"):
        return super().visible_to(user, perm)


class RectificationItem(TimeStamped):
    """One line of a member's rectification list (整改清单)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("rectification", "Open")
        DONE = "done", pgettext_lazy("rectification", "Done")

    scope_field = "code"

    result = models.ForeignKey(
        CheckupResult,
        verbose_name=_("check-up result"),
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    problem = models.CharField(_("problem found"), max_length=300)
    measure = models.CharField(_("measure"), max_length=300, blank=True)
    owner = models.CharField(_("responsible"), max_length=50)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return self.problem[:60]

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.OPEN and self.due_on < today
