"""`sixfold import_members FILE.xlsx [--dry-run] [--as USERNAME] [--report OUT.xlsx]`.

Imports a party member workbook the way the upload page does, in the foreground: prints how many
members were registered, or every error (personal values masked) and exits with status 1, having
changed nothing.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from sixfold.party.imports import import_members, report_lines, write_report


class Command(BaseCommand):
    help = "从 Excel 党员导入模板登记党员：全部成功或一行不改。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 文件（用党员导入模板填写）")
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
            if not by.holds_perm("party.manage"):
                raise CommandError(_("You do not have permission to do this here."))
        try:
            result = import_members(file, by=by, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(_("No such file: %(file)s") % {"file": file}) from None
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
        seconds = f"{result.seconds['total']:.1f}"
        if dry_run:
            message = _("Checked %(rows)s rows in %(seconds)s s: no errors; nothing was written.")
        else:
            message = _("Registered %(rows)s party members in %(seconds)s s.")
        self.stdout.write(message % {"rows": result.rows, "seconds": seconds})
