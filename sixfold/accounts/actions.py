"""Account actions: granting and revoking roles, changing passwords — each with its event."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sixfold.core import events
from sixfold.core.models import AuditEvent, Region

from .models import RoleAssignment, User
from .roles import ROLES


@transaction.atomic
def grant_role(user: User, role: str, region: Region, *, by=None) -> RoleAssignment:
    if role not in ROLES:
        raise ValidationError({"role": _("Unknown role.")}, code="unknown_role")
    if region.level not in ROLES[role].levels:
        raise ValidationError(
            {
                "region": _("This role cannot be scoped to a %(level)s.")
                % {"level": region.get_level_display()}
            },
            code="bad_scope_level",
        )
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, defaults={"scope_code": region.code}
    )
    if created:
        events.record(
            AuditEvent.Verb.GRANT,
            by=by,
            obj=user,
            scope_code=region.code,
            after={"role": role, "scope": region.code},
        )
    user.forget_assignments()
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, by=None) -> None:
    events.record(
        AuditEvent.Verb.REVOKE,
        by=by,
        obj=assignment.user,
        scope_code=assignment.scope_code,
        before={"role": assignment.role, "scope": assignment.scope_code},
    )
    assignment.delete()
    assignment.user.forget_assignments()


@transaction.atomic
def change_password(user: User, new_password: str, *, by=None) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    events.record(AuditEvent.Verb.PASSWORD, by=by or user, obj=user, scope_code=user.home_scope())
