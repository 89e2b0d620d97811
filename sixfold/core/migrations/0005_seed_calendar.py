"""Seed the work-day calendar from the `chinesecalendar` package (2004–2026): holidays and
make-up working days only; every other day follows Monday–Friday."""

from django.db import migrations


def seed(apps, schema_editor):
    from sixfold.core.workdays import seed_from_package

    seed_from_package(apps.get_model("core", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("core", "0004_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
