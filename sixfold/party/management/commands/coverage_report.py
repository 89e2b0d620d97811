"""`sixfold coverage_report --region CODE [--format json]`: the coverage audit (S1, S2, S26) of a
node's subtree on the console — organisations on the grid, the five-level responsibility chain,
required grid posts and members with too many households — as a table or as the API's JSON."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from sixfold.core.models import Region
from sixfold.party.api import coverage_data
from sixfold.party.coverage import (
    MAX_LIMIT,
    coverage_report,
    node_label,
    threshold_households,
)


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


class Command(BaseCommand):
    help = "覆盖审计：党组织全覆盖、五级负责制、网格必设岗位、联系户过多的党员。"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="审计的区域编码，如 370116001")
        parser.add_argument(
            "--format", choices=("text", "json"), default="text", help="输出格式（默认 text）"
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=20,
            help=f"每个层级列出的缺口数（0–{MAX_LIMIT}，默认 20；完整清单请在页面导出电子表格）",
        )
        parser.add_argument(
            "--threshold",
            type=int,
            default=None,
            help=f"联系户超过此数的党员列出（默认 {settings.SIXFOLD_PARTY_HOUSEHOLDS_PER_MEMBER}）",
        )

    def handle(self, *args, region, format, limit, threshold, **options):
        node = Region.objects.filter(code=region.strip()).first()
        if node is None:
            raise CommandError(f"没有编码为 {region} 的区域")
        if not 0 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit 须在 0 到 {MAX_LIMIT} 之间")
        if threshold is not None and threshold < 1:
            raise CommandError("--threshold 须为正整数")
        threshold = threshold or threshold_households()
        with translation.override(settings.LANGUAGE_CODE):
            report = coverage_report(node, limit=limit, threshold=threshold, children=False)
            if format == "json":
                self.stdout.write(json.dumps(coverage_data(report), ensure_ascii=False, indent=2))
                return
            self.write_text(report)

    def write_text(self, report) -> None:
        region = report.region
        self.stdout.write(f"覆盖审计：{region.name}（{region.code}）")
        sections = [("党组织覆盖", report.organisations), ("五级负责制", report.chain)]
        if report.posts is not None:
            sections.append(("网格必设岗位", [report.posts]))
        for title, rows in sections:
            self.stdout.write(f"\n{title}")
            self.stdout.write(f"  {'层级':<28}{'节点':>8}{'已覆盖':>8}{'未覆盖':>8}{'覆盖率':>9}")
            for row in rows:
                label = f"{row.label} · {row.role}" if row.role else row.label
                self.stdout.write(
                    f"  {label:<28}{row.nodes:>8}{row.covered:>8}{row.uncovered:>8}"
                    f"{_percent(row.percent):>9}"
                )
        for title, rows in sections:
            for row in rows:
                if not row.gaps:
                    continue
                self.stdout.write(f"\n缺口 · {title} · {row.label}（共 {row.uncovered} 个）")
                for gap in row.gaps:
                    node = getattr(gap, "grid", gap)
                    missing = getattr(gap, "missing", None)
                    line = f"  {node.code}  {node_label(node)}"
                    if missing:
                        line += "  缺：" + "、".join(kind.name for kind in missing)
                    self.stdout.write(line)
                if row.more_gaps:
                    self.stdout.write(f"  ……另有 {row.more_gaps} 个")
        self.stdout.write(f"\n联系户超过 {report.threshold} 户的党员：{report.overloaded_count} 名")
        for row in report.overloaded:
            self.stdout.write(
                f"  {row.member.display_name}（{row.member.organization.name}）{row.households} 户"
            )
