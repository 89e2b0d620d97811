"""Routes of the dual-reporting API under /api/v1/party/dual-report/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("categories", api.CategoryViewSet, basename="dualreport-category")
router.register("registrations", api.RegistrationViewSet, basename="dualreport-registration")
router.register("units", api.UnitViewSet, basename="dualreport-unit")
router.register("posts", api.PostViewSet, basename="dualreport-post")
router.register("claims", api.ClaimViewSet, basename="dualreport-claim")
router.register("records", api.RecordViewSet, basename="dualreport-record")
router.register("letters", api.LetterViewSet, basename="dualreport-letter")

urlpatterns = router.urls
