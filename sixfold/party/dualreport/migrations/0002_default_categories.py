"""The eight kinds of post the seed's dual-reporting practice names (S22).

Street administrators rename, reorder or retire them in the admin afterwards; a retired
category keeps its posts.
"""

from django.db import migrations

DEFAULT_CATEGORIES = [
    ("organisation", "组织建设"),
    ("legal_aid", "法律咨询援助"),
    ("assistance", "助困扶残就业"),
    ("governance", "社区治理"),
    ("health", "健康医疗"),
    ("culture_sports", "文化体育"),
    ("safety_patrol", "安全宣传与治安巡逻"),
    ("other", "其他"),
]


def add_defaults(apps, schema_editor):
    ServiceCategory = apps.get_model("dualreport", "ServiceCategory")
    for order, (slug, name) in enumerate(DEFAULT_CATEGORIES, start=1):
        ServiceCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order * 10}
        )


def remove_defaults(apps, schema_editor):
    ServiceCategory = apps.get_model("dualreport", "ServiceCategory")
    ServiceCategory.objects.filter(slug__in=[slug for slug, _n in DEFAULT_CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("dualreport", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
