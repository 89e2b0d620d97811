from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "sixfold.services"
    label = "services"
    verbose_name = _("Community services")

    def ready(self) -> None:
        # The foundation knows nothing of this pillar; it offers hooks that this app fills.
        from sixfold.core import context_processors, demo

        from .demo import build_services_demo

        context_processors.PILLAR_HOMES["services"] = "services:home"
        demo.DEMO_EXTENSIONS.append(build_services_demo)
