"""Users and their role assignments. A role assignment binds a role to a region node (its scope)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sixfold.core.models import Region

from .roles import ROLES, role_choices


class User(AbstractUser):
    """A person who logs in. What they may see comes only from their role assignments."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    def active_assignments(self) -> list["RoleAssignment"]:
        # Cached on the instance: one query per request however many scoped lists a page has.
        if not hasattr(self, "_assignments_cache"):
            self._assignments_cache = list(
                self.role_assignments.select_related("region").order_by("scope_code")
            )
        return self._assignments_cache

    def forget_assignments(self) -> None:
        self.__dict__.pop("_assignments_cache", None)

    def scope_prefixes(self, perm: str) -> list[str]:
        """The region-code prefixes where this user holds `perm`, none covering another."""
        if not self.is_active:
            return []
        codes = sorted(
            a.scope_code
            for a in self.active_assignments()
            if a.role in ROLES and perm in ROLES[a.role].perms
        )
        kept: list[str] = []
        for code in codes:
            if not any(code.startswith(k) for k in kept):
                kept.append(code)
        return kept

    def has_scoped_perm(self, perm: str, code: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return any(code.startswith(prefix) for prefix in self.scope_prefixes(perm))

    def holds_perm(self, perm: str) -> bool:
        """Whether the user holds `perm` anywhere."""
        return (self.is_active and self.is_superuser) or bool(self.scope_prefixes(perm))

    def home_scope(self) -> str:
        """The broadest region code the user holds any role over ("" for none): where events
        about the account itself (logins, password changes) are filed, so the admins of that
        place can find them in the audit log."""
        codes = [a.scope_code for a in self.active_assignments()]
        return min(codes, key=len, default="")

    def role_codes(self) -> set[str]:
        return {a.role for a in self.active_assignments()}


class RoleAssignment(models.Model):
    """One role held by one user over one region subtree."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=role_choices())
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("scope")
    )
    scope_code = models.CharField(_("scope code"), max_length=40, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="unique_role_scope")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"
