from django.contrib import admin
from django.urls import include, path

from sixfold.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sixfold.api.urls")),
    path("accounts/", include("sixfold.accounts.urls")),
    path("party/checkup/", include("sixfold.party.checkup.urls")),
    path("party/dual-report/", include("sixfold.party.dualreport.urls")),
    path("party/", include("sixfold.party.urls")),
    path("orders/", include("sixfold.orders.urls")),
    path("open311/v2/", include("sixfold.orders.open311_urls")),
    path("services/", include("sixfold.services.urls")),
    path("", include("sixfold.core.urls")),
]
