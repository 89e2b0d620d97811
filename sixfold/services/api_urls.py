"""Routes of the services API under /api/v1/services/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("points", api.ServicePointViewSet, basename="services-point")
router.register("staff", api.StaffViewSet, basename="services-staff")
router.register("types", api.ServiceTypeViewSet, basename="services-type")
router.register("venues", api.VenueViewSet, basename="services-venue")
router.register("notices", api.NoticeViewSet, basename="services-notice")

urlpatterns = [
    path("coverage/", api.CoverageView.as_view(), name="services-coverage"),
    path("coverage/bulk/", api.CoverageBulkView.as_view(), name="services-coverage-bulk"),
    path("e/<str:code>/", api.EPageView.as_view(), name="services-epage"),
    *router.urls,
]
