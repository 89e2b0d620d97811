"""The points ledger (积分): append-only entries from which stars, hours and grades are computed.

An entry is never edited or deleted. A wrong entry is cancelled by a *reversal* entry of the
opposite amount that points at it (one reversal per entry). Totals are sums over entries, so a
rating computed twice from the same entries gives the same result.

The subject of an entry is whatever the pillar counts points for (a party member, a volunteer,
a property company …), stored as its model label and primary key, so this engine never imports
a pillar app. The entry also keeps the subject's region code (for scoping) and name (for lists).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.models.base import RegionCodeField, ScopedQuerySet


class Source(models.TextChoices):
    ORDER = "order", _("Work order")
    ACTIVITY = "activity", _("Activity")
    DUAL_REPORT = "dual_report", _("Dual-report service")
    EVALUATION = "evaluation", _("Evaluation")
    MANUAL = "manual", _("Manual adjustment")


class AppendOnly(Exception):
    """Raised on any attempt to change or delete a ledger entry."""


class LedgerQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "points.view"):
        return super().visible_to(user, perm)

    def of(self, subject_type: str, subject_id):
        return self.filter(subject_type=subject_type, subject_id=subject_id)

    def update(self, **kwargs):
        raise AppendOnly("ledger entries cannot be updated; post a reversal instead")

    def delete(self):
        raise AppendOnly("ledger entries cannot be deleted; post a reversal instead")


class LedgerEntry(models.Model):
    scope_field = "code"

    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    # A finer code within the source ("order.resolved", "dual_report.service" …) that star
    # rules match on; see `sixfold.points.ledger` for the codes the engines use.
    kind = models.CharField(_("kind"), max_length=64)
    points = models.DecimalField(_("points"), max_digits=9, decimal_places=2)
    occurred_on = models.DateField(_("date"), db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The record that earned the entry, as "app.model:pk", and a URL path to it when it has one.
    ref = models.CharField(_("reference"), max_length=100, blank=True)
    ref_url = models.CharField(max_length=200, blank=True)
    # Idempotency: an engine crediting the same thing twice passes the same key and gets the
    # first entry back. Empty for entries that need no such protection.
    key = models.CharField(max_length=120, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "occurred_on"], name="points_subject_day"
            ),
            models.Index(fields=["subject_type", "occurred_on"], name="points_type_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="points_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.points:+} {self.kind} {self.occurred_on}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("ledger entries cannot be updated; post a reversal instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("ledger entries cannot be deleted; post a reversal instead")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


# --- star ratings (S6) -----------------------------------------------------------------------------
class StarItem(models.Model):
    """One star (星) a subject may earn in a rating period, and the rule that earns it.

    The rule is data: the ledger entries that count (`counts`: each string is a source such as
    "activity", or a kind prefix such as "order." or "dual_report.service"), the points they must
    add up to within the period (`threshold`), and optionally the democratic-evaluation score the
    branch must have given the subject for this item in that period (`evaluation_min`).
    """

    subject_type = models.CharField(_("subject type"), max_length=64, db_index=True)
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(pgettext_lazy("item", "name"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    counts = models.JSONField(_("ledger entries that count"), default=list, blank=True)
    threshold = models.DecimalField(
        _("points needed in the period"), max_digits=9, decimal_places=2, default=0
    )
    evaluation_min = models.DecimalField(
        _("democratic evaluation score needed"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("star item")
        verbose_name_plural = _("star items")
        ordering = ["subject_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "code"], name="points_star_item_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def matches(self, source: str, kind: str) -> bool:
        for pattern in self.counts or []:
            if pattern == source or kind == pattern or kind.startswith(pattern):
                return True
        return False

    def rule_snapshot(self) -> dict:
        return {
            "code": self.code,
            "counts": sorted(self.counts or []),
            "threshold": str(self.threshold),
            "evaluation_min": None if self.evaluation_min is None else str(self.evaluation_min),
        }


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class RatingPeriod(models.Model):
    """A quarter (2026Q3) or a year (2026) whose stars are computed from the ledger."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not computed")  # created, nothing computed yet
        COMPUTED = "computed", _("Computed")  # results exist and may be recomputed
        PUBLISHED = "published", _("Published")  # locked: shown on public boards, never recomputed

    subject_type = models.CharField(_("subject type"), max_length=64)
    code = models.CharField(_("period"), max_length=8)
    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # SHA-256 of everything the computation read (entries, scores, disqualifications, rules,
    # population): an unchanged fingerprint on recomputation proves the same inputs.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    entry_count = models.PositiveIntegerField(_("entries used"), default=0)
    subject_count = models.PositiveIntegerField(_("people rated"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rating period")
        verbose_name_plural = _("rating periods")
        ordering = ["-end", "start"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "code"], name="points_period_code"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_computed(self) -> bool:
        return self.status in (self.Status.COMPUTED, self.Status.PUBLISHED)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class EvaluationScore(models.Model):
    """A democratic-evaluation score (民主评议, 0–100) a branch gives one subject for one star
    item in one period. Kept apart from the ledger because a score is a judgement, not points:
    it must not add to the subject's point total. Editable until the period is published."""

    scope_field = "code"

    period = models.ForeignKey(
        RatingPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        StarItem, verbose_name=_("star item"), on_delete=models.CASCADE, related_name="scores"
    )
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("democratic evaluation score")
        verbose_name_plural = _("democratic evaluation scores")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "item", "subject_type", "subject_id"],
                name="points_score_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.item} {self.score}"


class DisqualificationQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "points.view"):
        return super().visible_to(user, perm)

    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)


class Disqualification(models.Model):
    """A disqualifying event (e.g. party discipline): every rating period containing its date
    gives the subject no stars, as local rules do. Withdrawn (never deleted) if entered wrongly."""

    scope_field = "code"

    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_name = models.CharField(_("name"), max_length=100, blank=True)
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    occurred_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)

    objects = DisqualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("disqualification")
        verbose_name_plural = _("disqualifications")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="points_disq_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.occurred_on}"


class RatingResultQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "points.view"):
        return super().visible_to(user, perm)


class RatingResult(models.Model):
    """One subject's stars in one computed period, with the explanation of each item.

    `items` maps item code → {"points": "12.00", "score": "88.00" | None, "earned": bool,
    "entries": [ledger entry ids that counted, reversals included]}. Rows are replaced as a whole
    when the period is recomputed."""

    scope_field = "code"

    period = models.ForeignKey(
        RatingPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="results"
    )
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_name = models.CharField(_("name"), max_length=100, blank=True)
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    points = models.DecimalField(_("points"), max_digits=11, decimal_places=2, default=0)
    stars = models.PositiveSmallIntegerField(_("stars"), default=0)
    disqualified = models.BooleanField(_("disqualified"), default=False)
    rank = models.PositiveIntegerField(_("rank"), default=0)
    items = models.JSONField(default=dict, blank=True)

    objects = RatingResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating result")
        verbose_name_plural = _("rating results")
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "subject_type", "subject_id"], name="points_result_once"
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="points_result_subject"),
            models.Index(fields=["period", "code"], name="points_result_period_code"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.subject_name} {self.stars}"


class BoardOptOut(models.Model):
    """A subject who asked not to be shown on public boards (the airing board, S8): the law on
    personal information lets a member withdraw consent to publication. Ratings are still
    computed and seen by staff in scope; only the public pages leave her out."""

    scope_field = "code"

    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opt-out from public boards")
        verbose_name_plural = _("opt-outs from public boards")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"], name="points_board_opt_out_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"
