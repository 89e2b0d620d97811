"""Login, logout, password change and lock-out, through the web pages."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from sixfold.core.models import AuditEvent
from tests import factories

LOGIN = "accounts:login"


@pytest.fixture
def worker(grid):
    return factories.user_with_role("grid_worker", grid, username="gridder")


def log_in(client, username, password=factories.PASSWORD, **extra):
    return client.post(reverse(LOGIN), {"username": username, "password": password, **extra})


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse(LOGIN))
    assert response.status_code == 200
    assert b'<html lang="zh-hans">' in response.content
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_login_and_land_on_home(client, worker):
    response = log_in(client, "gridder")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[SESSION_KEY] == str(worker.pk)
    assert AuditEvent.objects.filter(verb="login", actor=worker).count() == 1
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    # The navigation names the user's roles with their scopes.
    assert b'data-role="grid_worker"' in home.content
    assert "第1网格".encode() in home.content


def test_login_follows_a_safe_next_only(client, worker):
    target = reverse("core:resident_list")
    assert log_in(client, "gridder", next=target)["Location"] == target
    client.post(reverse("accounts:logout"))
    assert log_in(client, "gridder", next="https://evil.example/")["Location"] == reverse(
        "core:home"
    )


def test_wrong_password_is_refused_and_logged(client, worker):
    response = log_in(client, "gridder", "not-the-password")
    assert response.status_code == 200
    assert b'id="login-error"' in response.content
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(verb="login_failed", object_repr="gridder").count() == 1


def test_logged_in_user_skips_the_login_page(client, worker):
    log_in(client, "gridder")
    assert client.get(reverse(LOGIN)).status_code == 302


def test_logout_needs_post(client, worker):
    log_in(client, "gridder")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse(LOGIN)
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(verb="logout", actor=worker).count() == 1
    assert client.get(reverse("core:home")).status_code == 302


def test_every_page_has_a_logout_form(client, worker):
    log_in(client, "gridder")
    content = client.get(reverse("core:home")).content.decode()
    assert f'action="{reverse("accounts:logout")}"' in content
    assert 'id="logout-button"' in content


# --- password change ---------------------------------------------------------------------------
NEW = "Fengcheng-2026-grid!"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}, "old_password"),
        (
            {"old_password": factories.PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
            "new_password2",
        ),
        (
            {"old_password": factories.PASSWORD, "new_password1": "abc", "new_password2": "abc"},
            "new_password2",
        ),
        (
            {
                "old_password": factories.PASSWORD,
                "new_password1": "12345678901",
                "new_password2": "12345678901",
            },
            "new_password2",
        ),
        (
            {
                "old_password": factories.PASSWORD,
                "new_password1": "password123",
                "new_password2": "password123",
            },
            "new_password2",
        ),
    ],
)
def test_password_change_bad_input(client, worker, data, field):
    log_in(client, "gridder")
    response = client.post(reverse("accounts:password_change"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert b'id="form-errors"' in response.content
    worker.refresh_from_db()
    assert worker.check_password(factories.PASSWORD)
    assert not AuditEvent.objects.filter(verb="password").exists()


def test_password_change_works_and_is_audited(client, worker, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    log_in(client, "gridder")
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": factories.PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.password.startswith("argon2")
    assert worker.check_password(NEW)
    event = AuditEvent.objects.get(verb="password")
    assert event.actor == worker
    # This session stays logged in; the old password no longer works.
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert SESSION_KEY not in log_in(client, "gridder").wsgi_request.session
    assert log_in(client, "gridder", NEW).status_code == 302


def test_password_change_needs_login(client, db):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))


# --- lock-out ----------------------------------------------------------------------------------
def test_five_failures_lock_the_account(client, worker, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        assert log_in(client, "gridder", "guess").status_code == 200
    response = log_in(client, "gridder", "guess")
    assert response.status_code == 429
    assert b'id="locked-out"' in response.content
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    # Locked: even the right password is refused now.
    response = log_in(client, "gridder")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.filter(username="gridder").exists()


def test_lock_out_is_per_account(client, worker, grid):
    factories.user_with_role("grid_worker", grid, username="colleague")
    for _ in range(5):
        log_in(client, "gridder", "guess")
    assert log_in(client, "colleague").status_code == 302


def test_fewer_failures_then_success_resets(client, worker):
    for _ in range(4):
        log_in(client, "gridder", "guess")
    assert log_in(client, "gridder").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert log_in(client, "gridder", "guess").status_code == 200
    assert log_in(client, "gridder").status_code == 302
