"""Routes of the work-order API under /api/v1/orders/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("categories", api.CategoryViewSet, basename="order-category")
router.register("departments", api.DepartmentViewSet, basename="order-department")
router.register("", api.OrderViewSet, basename="order")

urlpatterns = [
    path("rates/", api.RatesView.as_view(), name="order-rates"),
    *router.urls,
]
