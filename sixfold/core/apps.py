from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sixfold.core"
    label = "core"
    verbose_name = _("Core registers")

    def ready(self) -> None:
        from . import lookups  # noqa: F401  registers the `prefix` lookup
