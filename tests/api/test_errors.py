"""The error body: one shape for every failure, stable codes, field messages flattened."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from sixfold.api.errors import exception_handler, flatten_errors


def handle(exc):
    request = APIRequestFactory().get("/api/v1/residents/")
    return exception_handler(exc, {"request": request, "view": None})


def test_action_field_errors_become_fields():
    response = handle(DjangoValidationError({"phone": ["bad phone"], "name": ["no name"]}))
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["fields"] == {"phone": ["bad phone"], "name": ["no name"]}
    assert response.data["field_codes"] == {"phone": ["invalid"], "name": ["invalid"]}


def test_action_error_without_field_is_the_detail():
    response = handle(DjangoValidationError("Move the residents first."))
    assert response.status_code == 400
    assert response.data["detail"] == "Move the residents first."
    assert response.data["fields"] == {"non_field_errors": ["Move the residents first."]}


def test_action_permission_denied_is_403():
    response = handle(DjangoPermissionDenied("nope"))
    assert response.status_code == 403
    assert response.data == {"code": "permission_denied", "detail": "nope"}


def test_protected_rows_are_a_conflict():
    response = handle(ProtectedError("protected", set()))
    assert response.status_code == 409
    assert response.data["code"] == "protected"


def test_http404_message_is_generic():
    response = handle(Http404("No Resident matches the given query."))
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert "Resident" not in response.data["detail"]


def test_throttled_keeps_retry_after():
    response = handle(exceptions.Throttled(wait=30))
    assert response.status_code == 429
    assert response.data["code"] == "throttled"
    assert response["Retry-After"] == "30"


def test_unexpected_errors_are_left_to_django():
    assert handle(RuntimeError("bug")) is None


def test_nested_errors_flatten_to_dotted_keys():
    error = exceptions.ValidationError(
        {"tags": {1: ["not a tag"]}, "members": [{}, {"name": ["required"]}]}
    )
    messages, codes = flatten_errors(error.detail)
    assert messages == {"tags.1": ["not a tag"], "members.1.name": ["required"]}
    assert codes == {"tags.1": ["invalid"], "members.1.name": ["invalid"]}
