"""`sixfold import_registry FILE.xlsx [--dry-run] [--as USERNAME] [--report OUT.xlsx]`.

Imports a register workbook the way the upload page does, in the foreground: prints the summary,
or every error (personal values masked) and exits with status 1, having changed nothing.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from sixfold.core.excel.importer import import_workbook
from sixfold.core.excel.report import report_lines, write_report
from sixfold.core.excel.spec import SHEETS_BY_KEY


class Command(BaseCommand):
    help = "从 Excel 台账工作簿导入楼栋、单元、住户和居民：全部成功或一行不改。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 文件（用模板或明文导出填写）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument(
            "--as",
            dest="username",
            help="以该用户的身份和管理范围导入（默认：系统导入，不限范围）",
        )
        parser.add_argument("--report", help="有错误时，把标出错误单元格的工作簿写到此路径")

    def handle(self, *args, file, dry_run, username, report, **options):
        translation.activate(settings.LANGUAGE_CODE)
        by = None
        if username:
            by = get_user_model().objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(_("No active user %(name)s.") % {"name": username})
        last = [0.0]

        def progress(done, total):
            if self.stderr.isatty() and (time.monotonic() - last[0] > 0.5 or done == total):
                last[0] = time.monotonic()
                self.stderr.write(f"\r{done}/{total}", ending="")

        try:
            result = import_workbook(file, by=by, dry_run=dry_run, progress=progress)
        except FileNotFoundError:
            raise CommandError(_("No such file: %(file)s") % {"file": file}) from None
        if self.stderr.isatty():
            self.stderr.write("")
        if not result.ok:
            for line in report_lines(result):
                self.stdout.write(line)
            if report:
                write_report(result, report)
                self.stdout.write(_("Report with the errors marked: %(path)s") % {"path": report})
            raise CommandError(
                _("Nothing was imported: %(count)s errors.") % {"count": len(result.errors)},
                returncode=1,
            )
        for key, counts in result.summary_dict().items():
            self.stdout.write(
                _("%(sheet)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
                % {"sheet": SHEETS_BY_KEY[key].name, **counts}
            )
        rate = result.rows_per_second
        if dry_run:
            message = _("Checked %(rows)s rows in %(seconds)s s: no errors; nothing was written.")
        else:
            message = _("Imported %(rows)s rows in %(seconds)s s (%(rate)s rows/s).")
        seconds = f"{result.seconds['total']:.1f}"
        self.stdout.write(
            message % {"rows": result.rows, "seconds": seconds, "rate": f"{rate:.0f}"}
        )
