"""The default order categories (S9, S28), functional departments (S24) and street-wide time
limits; street admins change them afterwards (Django admin). Names are data, in Chinese."""

from django.db import migrations

CATEGORIES = [
    # slug, name, default urgency, children
    ("property_repair", "物业维修", "general", [
        ("plumbing_electric", "水电维修", "general"),
        ("elevator", "电梯故障", "urgent"),
        ("roof_leak", "房屋漏水", "general"),
    ]),
    ("sanitation", "环境卫生", "general", [
        ("garbage", "垃圾清运", "general"),
        ("greening", "绿化养护", "general"),
    ]),
    ("neighbour_dispute", "邻里纠纷", "general", []),
    ("security_hazard", "治安隐患", "urgent", [
        ("fire_hazard", "消防隐患", "urgent"),
    ]),
    ("elderly_disability", "养老助残", "general", [
        ("meal_bath", "助餐助浴", "general"),
    ]),
    ("employment", "就业帮扶", "complex", []),
    ("education_care", "教育托管", "general", []),
    ("health", "医疗健康", "general", []),
    ("micro_wish", "微心愿", "general", []),
    ("policy", "政策咨询", "general", []),
]  # fmt: skip

DEPARTMENTS = [
    ("chengguan", "城管", "12319"),
    ("police", "公安派出所", "110"),
    ("market", "市场监管", "12315"),
    ("housing", "住建", ""),
    ("environment", "生态环境", "12369"),
    ("civil_affairs", "民政", ""),
    ("justice", "司法所", "12348"),
    ("health", "卫健", "12320"),
    ("emergency", "应急管理", "119"),
]

# urgency: accept (hours), claim (amount, unit), resolve (amount, unit)
LIMITS = [
    ("urgent", 1, 2, "hours", 24, "hours"),
    ("general", 24, 2, "workdays", 7, "workdays"),
    ("complex", 24, 3, "workdays", 15, "workdays"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("orders", "Category")
    Department = apps.get_model("orders", "Department")
    TimeLimit = apps.get_model("orders", "TimeLimit")
    for index, (slug, name, urgency, children) in enumerate(CATEGORIES, start=1):
        parent, _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "sort": index * 10, "default_urgency": urgency}
        )
        for offset, (child_slug, child_name, child_urgency) in enumerate(children, start=1):
            Category.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "sort": index * 10 + offset,
                    "default_urgency": child_urgency,
                },
            )
    for index, (slug, name, phone) in enumerate(DEPARTMENTS, start=1):
        Department.objects.get_or_create(
            slug=slug, defaults={"name": name, "phone": phone, "sort": index}
        )
    for urgency, accept, claim, claim_unit, resolve, resolve_unit in LIMITS:
        TimeLimit.objects.get_or_create(
            category=None,
            urgency=urgency,
            defaults={
                "accept_amount": accept,
                "accept_unit": "hours",
                "claim_amount": claim,
                "claim_unit": claim_unit,
                "resolve_amount": resolve,
                "resolve_unit": resolve_unit,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
