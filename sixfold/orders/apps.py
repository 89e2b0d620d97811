from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "sixfold.orders"
    label = "orders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from sixfold.core import demo

        from .demo import build_orders_demo

        if build_orders_demo not in demo.DEMO_EXTENSIONS:
            demo.DEMO_EXTENSIONS.append(build_orders_demo)
