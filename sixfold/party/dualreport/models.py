"""Dual reporting (双报到, S22): in-service party members and their employers' party
organisations report to the community they live in, take on posts there and serve.

* `ServiceCategory` — the kinds of post a community offers (eight by default, seeded by a data
  migration, editable in the admin).
* `MemberRegistration` — an in-service member (`PartyMember.in_service`) reports to her residence
  community: employer, skills, the kinds of post she prefers. One active registration per member.
* `UnitRegistration` — the party organisation of a unit (在职党员所在单位党组织) reports to a
  community: its name, unit, contact person and phone (stored like all personal data:
  encrypted, hashed, masked).
* `ServicePost` — a post (岗位) the community publishes, with a capacity.
* `PostClaim` — a member takes a post; the post row is locked while its claims are counted, so
  concurrent claims never exceed the capacity.
* `ServiceRecord` — hours served. A member's own entry waits for the community's confirmation; the
  community's entry is confirmed at once. Confirmed hours are credited to the points ledger;
  withdrawing a confirmed record posts the reversal.
* `QuarterlyAssessment` — the community's assessment of a member for a quarter, printed on the
  feedback letter (反馈函) sent to her employer.

Every row carries a region code (`code`): a member's rows take the code of her party
organisation when it lies in the community (so a grid branch secretary sees his grid), the
community's code otherwise; posts and unit registrations take the community's.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.models import Region
from sixfold.core.models.base import ScopedQuerySet, TimeStamped
from sixfold.party.models import PartyMember

VIEW = "party.view"


class DualReportQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = VIEW):
        return super().visible_to(user, perm)


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


class ServiceCategory(TimeStamped):
    """A kind of post (组织建设, 法律咨询援助 …); the list is configurable."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("category", "name"), max_length=50, unique=True)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("post category")
        verbose_name_plural = _("post categories")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MemberRegistration(TimeStamped):
    """An in-service member's report to her residence community (在职党员到社区报到)."""

    scope_field = "code"

    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="dual_registrations",
    )
    community = models.ForeignKey(
        Region,
        verbose_name=_("residence community"),
        on_delete=models.PROTECT,
        related_name="dual_member_registrations",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    employer = models.CharField(_("employer"), max_length=100)
    employer_party_org = models.CharField(
        _("employer's party organisation"), max_length=100, blank=True
    )
    unit = models.ForeignKey(
        "UnitRegistration",
        verbose_name=_("registered unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    categories = models.ManyToManyField(
        ServiceCategory,
        verbose_name=_("preferred posts"),
        blank=True,
        related_name="registrations",
    )
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("member registration")
        verbose_name_plural = _("member registrations")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="active"),
                name="dualreport_one_active_registration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.employer}"


class UnitRegistration(TimeStamped):
    """A unit's party organisation reporting to a community (单位党组织到社区报到)."""

    scope_field = "code"

    community = models.ForeignKey(
        Region,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="dual_unit_registrations",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=100)
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    note = models.TextField(_("note"), blank=True)

    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit registration")
        verbose_name_plural = _("unit registrations")
        ordering = ["code", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                condition=models.Q(status="active"),
                name="dualreport_unit_once_per_community",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServicePost(TimeStamped):
    """A post the community offers to dual-reported members (社区岗位)."""

    class PostStatus(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", pgettext_lazy("dualreport", "Closed")

    scope_field = "code"

    community = models.ForeignKey(
        Region, verbose_name=_("community"), on_delete=models.PROTECT, related_name="dual_posts"
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(pgettext_lazy("dualreport", "description"), blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    schedule = models.CharField(_("schedule"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=PostStatus.choices,
        default=PostStatus.OPEN,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("dualreport", "published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("service post")
        verbose_name_plural = _("service posts")
        ordering = ["code", "category__order", "id"]

    def __str__(self) -> str:
        return self.title


class PostClaim(TimeStamped):
    """A member taking a post (认领岗位)."""

    scope_field = "code"

    post = models.ForeignKey(
        ServicePost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="claims"
    )
    registration = models.ForeignKey(
        MemberRegistration,
        verbose_name=_("member registration"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    # The days that count for quarterly letters (a claim held at any time in a quarter counts).
    claimed_on = models.DateField(_("claimed on"), default=timezone.localdate)
    released_on = models.DateField(_("released on"), null=True, blank=True)

    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("post claim")
        verbose_name_plural = _("post claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "registration"],
                condition=models.Q(status="active"),
                name="dualreport_claim_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.registration.member}"


class ServiceRecord(TimeStamped):
    """Hours a member served in the community; confirmed hours earn ledger points."""

    class RecordStatus(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")  # entered by the member
        CONFIRMED = "confirmed", _("Confirmed")  # credited to the ledger
        REJECTED = (
            "rejected",
            pgettext_lazy("dualreport", "Rejected"),
        )  # the community did not confirm it
        WITHDRAWN = "withdrawn", _("Withdrawn")  # cancelled; a confirmed one is reversed

    scope_field = "code"

    registration = models.ForeignKey(
        MemberRegistration,
        verbose_name=_("member registration"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    post = models.ForeignKey(
        ServicePost,
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    served_on = models.DateField(_("date served"), db_index=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    description = models.CharField(pgettext_lazy("dualreport", "what was done"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RecordStatus.choices,
        default=RecordStatus.PENDING,
        db_index=True,
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=0)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-served_on", "-id"]
        indexes = [
            models.Index(fields=["registration", "served_on"], name="dualreport_record_reg_day")
        ]

    def __str__(self) -> str:
        return f"{self.registration.member} {self.served_on} {self.hours}h"


class QuarterlyAssessment(TimeStamped):
    """The community's assessment of a member for one quarter, printed on the feedback letter."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")

    scope_field = "code"

    registration = models.ForeignKey(
        MemberRegistration,
        verbose_name=_("member registration"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    grade = models.CharField(_("assessment"), max_length=12, choices=Grade.choices)
    comment = models.TextField(pgettext_lazy("dualreport", "comment"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("dualreport", "assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarterly assessment")
        verbose_name_plural = _("quarterly assessments")
        ordering = ["-year", "-quarter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "year", "quarter"], name="dualreport_assess_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration.member} {self.year}Q{self.quarter}"
