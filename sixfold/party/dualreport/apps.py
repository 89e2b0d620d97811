from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DualReportConfig(AppConfig):
    name = "sixfold.party.dualreport"
    label = "dualreport"
    verbose_name = _("Dual reporting")

    def ready(self) -> None:
        # After the party's own demo part (this app is installed after the party app).
        from sixfold.core import demo

        from .demo import build_dualreport_demo

        demo.DEMO_EXTENSIONS.append(build_dualreport_demo)
