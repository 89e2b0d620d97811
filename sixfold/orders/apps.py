from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "sixfold.orders"
    label = "orders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from sixfold.core import demo

        from .demo import schedule_after_pillars

        # The orders demo needs the pillars' people; this puts it at the end of the run.
        if schedule_after_pillars not in demo.DEMO_EXTENSIONS:
            demo.DEMO_EXTENSIONS.append(schedule_after_pillars)
