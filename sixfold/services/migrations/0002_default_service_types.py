"""The service types a 红立方 offers in the seed (S21). Street administrators change the list, the
order and each type's work-order category on the service-types page afterwards.
"""

from django.db import migrations

DEFAULT_TYPES = [
    # (slug, name, work-order category: a slug of the orders engine's default categories)
    ("party_service", "党群服务", "policy"),
    ("red_property", "红色物业", "property_repair"),
    ("home_elderly_care", "居家养老", "elderly_disability"),
    ("early_education", "幼儿教育", "education_care"),
    ("health", "医疗卫生", "health"),
    ("culture", "文化活动", ""),
    ("finance", "金融服务", ""),
]


def add_defaults(apps, schema_editor):
    ServiceType = apps.get_model("services", "ServiceType")
    for order, (slug, name, category) in enumerate(DEFAULT_TYPES, start=1):
        ServiceType.objects.get_or_create(
            slug=slug, defaults={"name": name, "order_category": category, "order": order * 10}
        )


def remove_defaults(apps, schema_editor):
    ServiceType = apps.get_model("services", "ServiceType")
    ServiceType.objects.filter(slug__in=[slug for slug, _n, _c in DEFAULT_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
