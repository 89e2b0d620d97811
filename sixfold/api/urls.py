"""Routes of the REST API under /api/v1/."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from rest_framework.exceptions import NotFound
from rest_framework.routers import SimpleRouter

from . import schema, views
from .errors import error_body

app_name = "api"

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("units", views.UnitViewSet, basename="unit")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("residents", views.ResidentViewSet, basename="resident")


def not_found(request, *args, **kwargs):
    """Unknown paths under /api/v1/ answer in the API's JSON, not the web's HTML."""
    return JsonResponse(
        error_body(NotFound()), status=404, json_dumps_params={"ensure_ascii": False}
    )


urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("users/me/", views.MeView.as_view(), name="me"),
    path("schema/", schema.SchemaView.as_view(), name="schema"),
    path("docs/", schema.DocsView.as_view(), name="docs"),
    *router.urls,
    path("party/checkup/", include("sixfold.party.checkup.api_urls")),
    path("party/dual-report/", include("sixfold.party.dualreport.api_urls")),
    path("party/", include("sixfold.party.api_urls")),
    path("orders/", include("sixfold.orders.api_urls")),
    path("services/", include("sixfold.services.api_urls")),
    # Only paths ending in "/", so a missing trailing slash is still redirected to the real route.
    re_path(r"^.*/$", not_found),
]
