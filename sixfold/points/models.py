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
