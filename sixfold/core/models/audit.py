"""The audit trail: one append-only event per create, change, delete, reveal, login, import."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "audit.view"):
        return super().visible_to(user, perm)

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    # Bulk writes bypass the model's save() and delete(); the log refuses them too.
    def update(self, **kwargs):
        raise RuntimeError("Audit events are append-only.")

    def delete(self):
        raise RuntimeError("Audit events are append-only.")

    delete.queryset_only = True


class AuditEvent(models.Model):
    """Who did what to which object, when, with the values before and after.

    Rows are written by action functions in the same transaction as the change and are never
    updated or deleted. Personal data appears only masked.
    """

    class Verb(models.TextChoices):
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        REVEAL = "reveal", _("Revealed personal data")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        PASSWORD = "password", _("Changed password")
        GRANT = "grant", _("Granted role")
        REVOKE = "revoke", _("Revoked role")
        IMPORT = "import", _("Imported")
        EXPORT = "export", _("Exported")

    scope_field = "scope_code"

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    verb = models.CharField(_("action"), max_length=16, choices=Verb.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    scope_code = models.CharField(_("region code"), max_length=40, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_verb_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
        return [(k, before.get(k), after.get(k)) for k in keys]
