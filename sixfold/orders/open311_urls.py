"""Routes of Open311 GeoReport v2 under /open311/v2/ (the format is the path's extension)."""

from django.urls import re_path

from . import open311

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[\w-]{1,40})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<number>[\w-]{1,30})" + FMT, open311.request_detail, name="request"),
]
