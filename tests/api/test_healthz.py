"""`GET /healthz`: answers without login, after asking the database."""

from unittest import mock

from django.db import OperationalError

from sixfold.core import views


def test_healthy(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_database_down_is_503(client, db):
    broken = mock.Mock()
    broken.cursor.side_effect = OperationalError("connection refused")
    with mock.patch.object(views, "connection", broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_needs_no_login_even_with_a_bad_token(client, db):
    response = client.get("/healthz", HTTP_AUTHORIZATION="Token bogus")
    assert response.status_code == 200
