"""`sixfold checkup_progress --cycle ID [--format json]`: how far a party-spirit check-up (S7) has
come — per party organisation, the members each party has assessed and the residents heard,
with the organisations below the cycle's minimum marked — as a table or as the API's JSON."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from sixfold.party.checkup.actions import members_of
from sixfold.party.checkup.models import CheckupCycle, Party
from sixfold.party.checkup.progress import branch_progress


class Command(BaseCommand):
    help = "党性体检进度：各党组织各方已评人数、听取的居民评议人数，列出低于最低人数的党组织。"

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True, help="体检编号")
        parser.add_argument(
            "--format", choices=("text", "json"), default="text", help="输出格式（默认 text）"
        )

    def handle(self, *args, cycle, format, **options):
        found = CheckupCycle.objects.filter(pk=cycle).first() if 0 < cycle < 2**63 else None
        if found is None:
            raise CommandError(f"没有编号为 {cycle} 的党性体检。")
        rows = branch_progress(found, members_of(found))
        if format == "json":
            data = {
                "cycle": found.pk,
                "name": found.name,
                "status": found.status,
                "min_residents": found.min_residents,
                "organizations": [
                    {
                        "organization": row.org.pk,
                        "name": row.org.name,
                        "members": row.members,
                        "assessed": dict(row.done),
                        "residents": row.residents,
                        "below_minimum": row.short,
                    }
                    for row in rows
                ],
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        with translation.override("zh-hans"):
            labels = [str(label) for _, label in Party.choices]
            status = found.get_status_display()
        self.stdout.write(f"{found.name}（{status}）")
        self.stdout.write("\t".join(["党组织", "党员", *labels, "居民评议人数"]))
        for row in rows:
            marker = f" ＜{found.min_residents}" if row.short else ""
            done = [f"{count}/{row.members}" for _, count in row.done]
            self.stdout.write(
                "\t".join([row.org.name, str(row.members), *done, f"{row.residents}{marker}"])
            )
        below = [row.org.name for row in rows if row.short]
        if below:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(below)} 个党组织听取的居民评议少于 {found.min_residents} 人："
                    + "、".join(below)
                )
            )
