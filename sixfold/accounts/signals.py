"""Logins, logouts and failed logins enter the audit trail, filed under the account's home
scope so that the administrators of that place can search them."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sixfold.core import events
from sixfold.core.models import AuditEvent

from .models import User


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    events.record(
        AuditEvent.Verb.LOGIN,
        by=user,
        object_repr=user.get_username(),
        scope_code=user.home_scope(),
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        events.record(
            AuditEvent.Verb.LOGOUT,
            by=user,
            object_repr=user.get_username(),
            scope_code=user.home_scope(),
        )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    account = User.objects.filter(username=username).first()
    events.record(
        AuditEvent.Verb.LOGIN_FAILED,
        object_repr=username,
        scope_code=account.home_scope() if account else "",
    )
