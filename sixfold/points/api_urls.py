"""Routes of the points API (mounted under /api/v1/party/points/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("entries", api.LedgerEntryViewSet, basename="points-entry")
router.register("adjustments", api.AdjustmentViewSet, basename="points-adjustment")
router.register("star-items", api.StarItemViewSet, basename="points-star-item")
router.register("periods", api.RatingPeriodViewSet, basename="points-period")
router.register("results", api.RatingResultViewSet, basename="points-result")

urlpatterns = [
    path("me/", api.MyPointsView.as_view(), name="points-me"),
    *router.urls,
]
