"""Routes of the party API under /api/v1/party/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api, views_stars

router = SimpleRouter()
router.register("organizations", api.OrganizationViewSet, basename="party-organization")
router.register("members", api.MemberViewSet, basename="party-member")
router.register("posts", api.PartyPostViewSet, basename="party-post")
router.register("transfers", api.TransferViewSet, basename="party-transfer")
router.register("links", api.LinkViewSet, basename="party-link")
router.register("grid-post-kinds", api.GridPostKindViewSet, basename="party-grid-post-kind")
router.register("grid-posts", api.GridPostViewSet, basename="party-grid-post")

urlpatterns = [
    path("coverage/", api.CoverageView.as_view(), name="party-coverage"),
    path("me/", api.OwnRecordView.as_view(), name="party-me"),
    path("points/", include("sixfold.points.api_urls")),
    path("airing/<str:code>/", views_stars.AiringBoardAPI.as_view(), name="party-airing"),
    *router.urls,
]
