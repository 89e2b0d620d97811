"""Template context shared by every page: the six pillars and the user's roles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The six pillars of the model (六位一体), in the seed's order.
PILLARS = [
    ("party", _("Party building"), "社区党建", "bi-flag"),
    ("selfgov", _("Resident self-governance"), "居民自治", "bi-people"),
    ("services", _("Community services"), "社区服务", "bi-heart"),
    ("property", _("Property management"), "物业管理", "bi-building"),
    ("education", _("Community education"), "社区教育", "bi-book"),
    ("security", _("Public security"), "社会治安", "bi-shield-check"),
]


# Pillars that have their own pages: slug → URL name of the pillar's home, filled by the pillar
# apps' `ready()` (the foundation imports none of them).
PILLAR_HOMES: dict[str, str] = {}


def pillar_url(slug: str) -> str:
    """The pillar's own home page, or the "not available yet" page until it has one."""
    if slug in PILLAR_HOMES:
        return reverse(PILLAR_HOMES[slug])
    return reverse("core:pillar", args=[slug])


# The shared mechanisms every pillar feeds (work orders …), shown after the six pillars:
# slug, label, native name, icon, URL name of its home.
MECHANISMS = [
    ("orders", _("Work orders"), "工单", "bi-clipboard-check", "orders:home"),
]


# URL namespaces of sub-apps that belong to a pillar's tab (filled by those apps, like the homes).
PILLAR_OF_NAMESPACE: dict[str, str] = {}


def active_pillar(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.kwargs.get("slug"):
        return match.kwargs["slug"]
    return PILLAR_OF_NAMESPACE.get(match.app_name, match.app_name)


def navigation(request):
    return {
        "active_pillar": active_pillar(request),
        "pillars": PILLARS,
        "pillar_links": [
            (key, label, native, icon, pillar_url(key)) for key, label, native, icon in PILLARS
        ]
        + [
            (key, label, native, icon, reverse(name))
            for key, label, native, icon, name in MECHANISMS
        ],
    }
