"""Token authentication: obtaining, using and giving back a token; lock-out; users/me."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from rest_framework.authtoken.models import Token

from sixfold.accounts.actions import grant_role
from sixfold.core.models import AuditEvent

TOKEN_URL = "/api/v1/auth/token/"


def obtain(client, username, password="test-pass-123"):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_token_flow(api, world):
    client = api()
    response = obtain(client, "t_grid")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == world.users["grid_worker"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "t_grid"

    # Asking again gives the same token, so several scripts of one user can share it.
    assert obtain(api(), "t_grid").json()["token"] == token


def test_token_login_is_audited(api, world):
    obtain(api(), "t_grid")
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.LOGIN).get()
    assert event.actor == world.users["grid_worker"]


def test_give_token_back(api, world):
    client = api()
    token = obtain(client, "t_grid").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(key=token).exists()
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.LOGOUT).count() == 1
    after = client.get("/api/v1/users/me/")
    assert after.status_code == 401
    assert after.json()["code"] == "authentication_failed"


def test_give_token_back_needs_a_token(api, world):
    response = api().delete(TOKEN_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_stale_token_does_not_block_obtaining_a_new_one(api, world):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert obtain(client, "t_grid").status_code == 200


@pytest.mark.parametrize(
    "username,password",
    [("t_grid", "wrong-password"), ("nobody-by-this-name", "test-pass-123")],
)
def test_wrong_credentials(api, world, username, password):
    response = obtain(api(), username, password)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "detail": "Unable to log in with the username and password given.",
    }
    assert not Token.objects.exists()
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.LOGIN_FAILED).count() == 1


def test_inactive_user_gets_no_token(api, world):
    user = world.users["grid_worker"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert obtain(api(), "t_grid").json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"password": "x"}, "username"),
        ({"username": "t_grid"}, "password"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": ["t_grid"], "password": "x"}, "username"),
        ({"username": "t_grid", "password": "x" * 5000}, "password"),
    ],
)
def test_malformed_token_request(api, world, body, field):
    response = api().post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not AccessAttempt.objects.exists()  # never reached authentication


def test_token_request_with_bad_json(api, world):
    response = api().post(TOKEN_URL, '{"username": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lock_out_after_repeated_failures(api, world):
    client = api()
    codes = [obtain(client, "t_grid", "wrong").json()["code"] for _ in range(3)]
    # The attempt that reaches the limit is already refused as a lock-out.
    assert codes == ["invalid_credentials", "invalid_credentials", "locked_out"]

    response = obtain(client, "t_grid")  # even the right password, while locked out
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert int(response["Retry-After"]) > 0
    assert not Token.objects.exists()

    # Other users are not affected.
    assert obtain(client, "t_secretary").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_success_resets_failures(api, world):
    client = api()
    obtain(client, "t_grid", "wrong")
    obtain(client, "t_grid", "wrong")
    assert obtain(client, "t_grid").status_code == 200
    obtain(client, "t_grid", "wrong")
    obtain(client, "t_grid", "wrong")
    assert obtain(client, "t_grid").status_code == 200


def test_bad_token_header(api, world):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.get("/api/v1/residents/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_session_authentication_works_too(client, world):
    client.force_login(world.users["grid_worker"])
    response = client.get("/api/v1/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "t_grid"


def test_me_lists_roles_with_scopes(api, world):
    user = world.users["community_worker"]
    grant_role(user, "grid_worker", world.other_grid)
    body = api(user).get("/api/v1/users/me/").json()
    assert body["username"] == "t_worker"
    assert body["display_name"] == user.display_name
    assert body["roles"] == [
        {
            "role": "community_worker",
            "label": "Community worker",
            "scope_code": world.community.code,
            "scope_name": world.community.name,
            "scope_level": "community",
        },
        {
            "role": "grid_worker",
            "label": "Grid worker",
            "scope_code": world.other_grid.code,
            "scope_name": world.other_grid.name,
            "scope_level": "grid",
        },
    ]


def test_me_without_roles(api, no_role_user):
    assert api(no_role_user).get("/api/v1/users/me/").json()["roles"] == []


def test_me_needs_authentication(api, db):
    response = api().get("/api/v1/users/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
