"""Routes of the check-up API under /api/v1/party/checkup/."""

urlpatterns: list = []
