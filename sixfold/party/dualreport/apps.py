from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DualReportConfig(AppConfig):
    name = "sixfold.party.dualreport"
    label = "dualreport"
    verbose_name = _("Dual reporting")

    def ready(self) -> None:
        pass
