"""API errors as JSON with a stable `code`, a readable `detail` and, for bad input, field messages.

Every error body has the same shape, so a client can branch on `code` without parsing text:

    {"code": "invalid", "detail": "…", "fields": {"phone": ["…"]}, "field_codes": {"phone": ["invalid"]}}

`fields` and `field_codes` appear only for validation errors; nested errors (an item of a list)
are flattened to dotted keys (`tags.1`). Messages follow the request's language; codes never do.

Action functions raise Django's `ValidationError` and `PermissionDenied`; they are turned into the
same JSON here, so an action refusing something is never a 500.
"""

import contextlib
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Unable to log in with the username and password given.")
    default_code = "invalid_credentials"


class LockedOut(exceptions.APIException):
    # The same status the web login's lock-out page uses (django-axes' default).
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed login attempts. Please try again later.")
    default_code = "locked_out"

    def __init__(self, wait: float | None = None):
        super().__init__()
        # Sent as Retry-After, like a throttled request.
        self.wait = wait


class Protected(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Other records still refer to this one, so it cannot be deleted.")
    default_code = "protected"


def _flatten(detail, prefix: str, messages: dict, codes: dict) -> None:
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            key = NON_FIELD if key == NON_FIELD_ERRORS else str(key)
            _flatten(value, f"{prefix}.{key}" if prefix else key, messages, codes)
    elif isinstance(detail, list | tuple) and any(
        isinstance(item, Mapping | list) for item in detail
    ):
        # A list of nested errors (one entry per item, empty where the item was fine).
        for index, item in enumerate(detail):
            if item:
                _flatten(item, f"{prefix}.{index}" if prefix else str(index), messages, codes)
    else:
        items = detail if isinstance(detail, list | tuple) else [detail]
        key = prefix or NON_FIELD
        messages.setdefault(key, []).extend(str(item) for item in items)
        codes.setdefault(key, []).extend(getattr(item, "code", None) or "invalid" for item in items)


def flatten_errors(detail) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """`({field: [messages]}, {field: [codes]})` from a DRF error detail of any nesting."""
    messages: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {}
    _flatten(detail, "", messages, codes)
    return messages, codes


def to_drf_validation_error(
    exc: DjangoValidationError, field_map: Mapping[str, str] | None = None
) -> exceptions.ValidationError:
    """An action's `ValidationError`, its keys renamed to the API's field names."""
    detail = as_serializer_error(exc)
    if field_map:
        renamed: dict = {}
        for key, value in detail.items():
            renamed.setdefault(field_map.get(key, key), []).extend(value)
        detail = renamed
    return exceptions.ValidationError(detail)


@contextlib.contextmanager
def action_errors(field_map: Mapping[str, str] | None = None):
    """Run an action; its field errors come out under the API's field names."""
    try:
        yield
    except DjangoValidationError as exc:
        raise to_drf_validation_error(exc, field_map) from exc
    except ProtectedError as exc:
        raise Protected() from exc


def _normalize(exc):
    if isinstance(exc, Http404):
        # One message for "missing" and "not yours", whatever the lookup said.
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        return to_drf_validation_error(exc)
    if isinstance(exc, ProtectedError):
        return Protected()
    return exc


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        messages, codes = flatten_errors(exc.detail)
        general = messages.get(NON_FIELD)
        if general and len(messages) == 1:
            detail = " ".join(general)
        else:
            detail = str(_("Some fields are invalid; see the messages for each field."))
        return {"code": "invalid", "detail": detail, "fields": messages, "field_codes": codes}
    detail = exc.detail
    if isinstance(detail, list | dict):
        messages, _codes = flatten_errors(detail)
        detail = " ".join(" ".join(m) for m in messages.values())
    code = getattr(exc.detail, "code", None)
    if not code or code == "error":
        code = exc.default_code
    return {"code": code, "detail": str(detail)}


def exception_handler(exc, context):
    exc = _normalize(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a genuine bug: let Django log it and answer 500
    response.data = error_body(exc)
    return response
