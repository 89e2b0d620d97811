"""`sixfold compute_ratings --period 2026Q3`: compute (or recompute) a rating period's stars."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sixfold.points import actions, stars


class Command(BaseCommand):
    help = "Compute the stars of a rating period (a quarter such as 2026Q3, or a year) from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026Q3 (a quarter) or 2026 (a year)")
        parser.add_argument(
            "--subject-type",
            default="",
            help="whose stars (default: the only rated kind of subject, e.g. party.partymember)",
        )
        parser.add_argument("--publish", action="store_true", help="publish (lock) it afterwards")

    def handle(self, *args, period, subject_type, publish, **options):
        if not subject_type:
            kinds = sorted(stars._POPULATIONS)
            if len(kinds) != 1:
                raise CommandError(f"choose --subject-type among {', '.join(kinds) or '(none)'}")
            subject_type = kinds[0]
        try:
            result = actions.compute_period(period, by=None, subject_type=subject_type)
            if publish:
                result = actions.publish_period(result, by=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"{result.code}: {result.subject_count} rated from {result.entry_count} entries, "
            f"fingerprint {result.fingerprint[:16]}, {result.get_status_display()}"
        )
