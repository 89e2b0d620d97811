"""Routes of the dual-reporting API under /api/v1/party/dual-report/."""

urlpatterns: list = []
