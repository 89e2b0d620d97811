"""The twelve default star items of the party's rating (党员12星级管理); names stay editable.

Each rule counts ledger entries by source or kind prefix (see `sixfold.points.ledger` for the
kinds in use) against a threshold per period, or asks for a democratic-evaluation score.
"""

from django.db import migrations

PARTY_MEMBER = "party.partymember"

# code, name, counts, threshold, evaluation_min
DEFAULT_ITEMS = [
    ("political", "政治坚定星", [], "0", "85"),
    ("learning", "学习进步星", ["activity.study"], "4", None),
    ("org_life", "组织生活星", ["activity.org_life"], "3", None),
    ("serve_people", "服务群众星", ["order.", "dual_report."], "6", None),
    ("volunteer", "志愿奉献星", ["activity.volunteer", "activity.hours"], "6", None),
    ("contact", "联系群众星", ["activity.visit"], "3", None),
    ("law_abiding", "遵纪守法星", [], "0", "80"),
    ("family", "家庭和谐星", [], "0", "80"),
    ("neighbourly", "邻里互助星", ["activity.neighbour", "order.wish"], "3", None),
    ("environment", "环境美化星", ["activity.environment"], "3", None),
    ("safety", "安全稳定星", ["activity.patrol"], "3", None),
    ("innovation", "创新创优星", ["manual.", "evaluation.award"], "5", None),
]


def seed(apps, schema_editor):
    StarItem = apps.get_model("points", "StarItem")
    for position, (code, name, counts, threshold, evaluation_min) in enumerate(DEFAULT_ITEMS):
        StarItem.objects.get_or_create(
            subject_type=PARTY_MEMBER,
            code=code,
            defaults={
                "name": name,
                "position": position + 1,
                "counts": counts,
                "threshold": threshold,
                "evaluation_min": evaluation_min,
            },
        )


def unseed(apps, schema_editor):
    StarItem = apps.get_model("points", "StarItem")
    StarItem.objects.filter(
        subject_type=PARTY_MEMBER, code__in=[row[0] for row in DEFAULT_ITEMS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("points", "0002_star_ratings")]

    operations = [migrations.RunPython(seed, unseed)]
