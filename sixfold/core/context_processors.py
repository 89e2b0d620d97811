"""Template context shared by every page: the six pillars and the user's roles."""

from django.utils.translation import gettext_lazy as _

# The six pillars of the model (六位一体), in the seed's order. `url` is None until built.
PILLARS = [
    ("party", _("Party building"), "社区党建", "bi-flag"),
    ("selfgov", _("Resident self-governance"), "居民自治", "bi-people"),
    ("services", _("Community services"), "社区服务", "bi-heart"),
    ("property", _("Property management"), "物业管理", "bi-building"),
    ("education", _("Community education"), "社区教育", "bi-book"),
    ("security", _("Public security"), "社会治安", "bi-shield-check"),
]


def navigation(request):
    return {"pillars": PILLARS}
