"""The product's routes plus the bench's own views (`bench.views`), served by the same process and
middleware."""

from django.urls import path

from sixfold.urls import urlpatterns as product_urlpatterns

from .views import cached_households, floor, lean_households

urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("bench/lean-households/", lean_households, name="bench-lean-households"),
    path("bench/cached-households/", cached_households, name="bench-cached-households"),
    *product_urlpatterns,
]
