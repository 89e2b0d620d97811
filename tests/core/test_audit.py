"""The audit trail: append-only rows for changes, logins and role grants."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sixfold.accounts.actions import change_password, grant_role, revoke_role
from sixfold.core import actions
from sixfold.core.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


# --- append-only ----------------------------------------------------------------------------------
@pytest.fixture
def event(world):
    actions.change_resident(world.resident, {"note": "入户走访"}, by=world.users["grid_worker"])
    return AuditEvent.objects.get(verb="change")


def test_a_saved_event_cannot_be_saved_again(event):
    event.purpose = "篡改"
    with pytest.raises(RuntimeError):
        event.save()
    event.refresh_from_db()
    assert event.purpose == ""


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(RuntimeError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_and_delete_are_refused(event):
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=event.pk).update(purpose="篡改")
    with pytest.raises(RuntimeError):
        AuditEvent.objects.update(actor_name="nobody")
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).values().get() == row


def test_deleting_the_actor_keeps_the_event_and_its_actor_name(world, event):
    worker = world.users["grid_worker"]
    worker.delete()
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_name == "t_grid"


def test_history_of_an_object_and_its_changed_fields(world, event):
    actions.change_resident(world.resident, {"name": "李秀兰"}, by=world.users["grid_worker"])
    history = list(AuditEvent.objects.for_object(world.resident))
    assert [e.verb for e in history] == ["change", "change"]
    assert history[0].changed_fields() == [("name", "李秀英", "李秀兰")]
    assert history[1].changed_fields() == [("note", "", "入户走访")]
    assert str(history[0]).startswith("t_grid ") and str(history[0]).endswith(" 李秀兰")


# --- logins ---------------------------------------------------------------------------------------
@pytest.fixture
def member():
    return factories.UserFactory(username="wangfang")


def test_a_login_is_logged_with_request_id_and_address(client, member):
    # When the user logs in through the login page
    response = client.post(
        reverse("accounts:login"),
        {"username": "wangfang", "password": factories.PASSWORD},
        HTTP_X_REQUEST_ID="login-7d3e9f01",
    )
    assert response.status_code == 302
    # Then one login event names the user, the request and the address
    (event,) = events(verb=AuditEvent.Verb.LOGIN)
    assert (event.actor, event.actor_name, event.object_repr) == (member, "wangfang", "wangfang")
    assert event.request_id == "login-7d3e9f01"
    assert event.ip_address == "127.0.0.1"
    assert not events(verb=AuditEvent.Verb.LOGIN_FAILED)


def test_a_failed_login_is_logged_without_the_password(client, member):
    response = client.post(
        reverse("accounts:login"), {"username": "wangfang", "password": "guess-Me-42"}
    )
    assert response.status_code == 200
    (event,) = events(verb=AuditEvent.Verb.LOGIN_FAILED)
    assert event.actor is None
    assert event.object_repr == "wangfang"
    assert "guess-Me-42" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())
    assert not events(verb=AuditEvent.Verb.LOGIN)


def test_a_failed_login_for_an_unknown_name_is_logged(client):
    client.post(reverse("accounts:login"), {"username": "nobody-here", "password": "x"})
    (event,) = events(verb=AuditEvent.Verb.LOGIN_FAILED)
    assert event.object_repr == "nobody-here"


def test_logout_is_logged_and_only_for_a_logged_in_user(client, member):
    client.post(reverse("accounts:logout"))
    assert not events(verb=AuditEvent.Verb.LOGOUT)
    client.force_login(member)
    client.post(reverse("accounts:logout"))
    (event,) = events(verb=AuditEvent.Verb.LOGOUT)
    assert event.actor == member


def test_a_password_change_is_logged_without_the_password(member):
    change_password(member, "N3w-passw0rd-2026")
    (event,) = events(verb=AuditEvent.Verb.PASSWORD)
    assert (event.actor, event.object_id) == (member, str(member.pk))
    assert "N3w-passw0rd-2026" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())
    member.refresh_from_db()
    assert member.check_password("N3w-passw0rd-2026")


# --- role grants ----------------------------------------------------------------------------------
def test_grant_and_revoke_are_logged_with_role_and_scope(world, member):
    admin = world.users["street_admin"]
    # When a role is granted, granted again, and revoked
    assignment = grant_role(member, "grid_worker", world.grid, by=admin)
    grant_role(member, "grid_worker", world.grid, by=admin)
    revoke_role(assignment, by=admin)
    # Then one grant and one revoke are logged, scoped to the grid
    grant, revoke = events(verb__in=["grant", "revoke"], object_id=str(member.pk))
    assert (grant.verb, grant.actor, grant.scope_code) == ("grant", admin, world.grid.code)
    assert grant.after == {"role": "grid_worker", "scope": world.grid.code}
    assert (revoke.verb, revoke.actor, revoke.scope_code) == ("revoke", admin, world.grid.code)
    assert revoke.before == {"role": "grid_worker", "scope": world.grid.code}
    assert not member.role_assignments.exists()


@pytest.mark.parametrize(
    ("role", "where", "field"),
    [
        ("mayor", "grid", "role"),
        ("grid_worker", "community", "region"),
        ("community_secretary", "grid", "region"),
        ("street_admin", "community", "region"),
        ("resident", "grid", "region"),
    ],
)
def test_a_grant_to_an_unknown_role_or_the_wrong_level_is_refused(
    world, member, role, where, field
):
    region = {"grid": world.grid, "community": world.community}[where]
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        grant_role(member, role, region)
    assert field in exc.value.message_dict
    assert AuditEvent.objects.count() == count
    assert not member.role_assignments.exists()


def test_login_events_are_filed_under_the_accounts_scope_for_its_admins(world, client):
    """Given a grid worker who logs in, when the street admin searches the log, then the login
    is there, filed under the grid; a failed login for that account is filed there too."""
    worker = world.users["grid_worker"]
    client.post("/accounts/login/", {"username": worker.username, "password": "wrong"})
    client.force_login(worker)
    admin = world.users["street_admin"]
    events = AuditEvent.objects.visible_to(admin).filter(
        verb__in=[AuditEvent.Verb.LOGIN, AuditEvent.Verb.LOGIN_FAILED]
    )
    assert {(e.verb, e.scope_code) for e in events} == {
        (AuditEvent.Verb.LOGIN, world.grid.code),
        (AuditEvent.Verb.LOGIN_FAILED, world.grid.code),
    }
    other_secretary = factories.user_with_role("community_secretary", world.other_community)
    assert not AuditEvent.objects.visible_to(other_secretary).filter(verb="login").exists()
