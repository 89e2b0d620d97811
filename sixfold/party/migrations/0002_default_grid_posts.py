"""The grid posts the seed names (S26), with 网格长, 专职网格员, 党建联络员 and 安全网格员 required.

Street administrators change the list and the required flags on the grid-posts page afterwards.
"""

from django.db import migrations

DEFAULT_POSTS = [
    # (slug, name, required)
    ("grid_leader", "网格长", True),
    ("full_time_worker", "专职网格员", True),
    ("party_liaison", "党建联络员", True),
    ("safety_officer", "安全网格员", True),
    ("environment_officer", "环保网格员", False),
    ("food_safety_officer", "食品安全网格员", False),
    ("veterans_liaison", "退役士兵联络员", False),
]


def add_defaults(apps, schema_editor):
    GridPostKind = apps.get_model("party", "GridPostKind")
    for order, (slug, name, required) in enumerate(DEFAULT_POSTS, start=1):
        GridPostKind.objects.get_or_create(
            slug=slug, defaults={"name": name, "required": required, "order": order * 10}
        )


def remove_defaults(apps, schema_editor):
    GridPostKind = apps.get_model("party", "GridPostKind")
    GridPostKind.objects.filter(slug__in=[slug for slug, _n, _r in DEFAULT_POSTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
