"""Request ids: every request gets one, echoed in `X-Request-ID`, logged and written to events."""

import contextvars
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
VALID_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


def current_request_id() -> str:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        # fullmatch: `$` would let a trailing newline through into the response header.
        request_id = incoming if VALID_ID.fullmatch(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        token = _request_id.set(request_id)
        ip_token = _client_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
            _client_ip.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
