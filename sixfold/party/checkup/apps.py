from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckupConfig(AppConfig):
    name = "sixfold.party.checkup"
    label = "checkup"
    verbose_name = _("Party-spirit check-up")

    def ready(self) -> None:
        # Runs after the party app's ready() (INSTALLED_APPS order), so the check-up demo is
        # built after the party organisation it assesses.
        from sixfold.core import demo

        from .demo import build_checkup_demo

        demo.DEMO_EXTENSIONS.append(build_checkup_demo)
