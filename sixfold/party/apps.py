from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "sixfold.party"
    label = "party"
    verbose_name = _("Party building")

    def ready(self) -> None:
        # The foundation knows nothing of the party pillar; it offers hooks that this app fills.
        from sixfold.core import context_processors, counts, demo

        from . import coverage, ratings
        from .demo import build_party_demo
        from .demo_points import build_points_demo

        counts.register_node_counter("party_members", coverage.members_living_under)
        context_processors.PILLAR_HOMES["party"] = "party:home"
        # The check-up and dual-reporting pages sit under the party tab.
        context_processors.PILLAR_OF_NAMESPACE.update({"checkup": "party", "dualreport": "party"})
        demo.DEMO_EXTENSIONS.append(build_party_demo)
        # After every builder that credits the ledger (members, dual reporting …): it rates them.
        demo.DEMO_LATE_EXTENSIONS.append(build_points_demo)
        ratings.register()
