"""Routes of the check-up API under /api/v1/party/checkup/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("cycles", api.CycleViewSet, basename="checkup-cycle")
router.register("assessments", api.AssessmentViewSet, basename="checkup-assessment")
router.register("rectifications", api.RectificationViewSet, basename="checkup-rectification")
router.register("results", api.ResultViewSet, basename="checkup-result")

urlpatterns = router.urls
