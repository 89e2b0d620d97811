"""`sixfold export_registry --region CODE -o FILE.xlsx [--unmasked --purpose TEXT] [--sheets …]`.

Writes the registers of a region's subtree to a workbook in the import format. Masked unless
`--unmasked`, which needs a purpose (and, with `--as`, that user's `pii.reveal` over the whole
region); every export is written to the audit log.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sixfold.core.excel import exporter
from sixfold.core.excel.spec import SHEETS, SHEETS_BY_KEY, SHEETS_BY_NAME
from sixfold.core.models import Building, Household, Region, Resident, Unit

MODELS = {"buildings": Building, "units": Unit, "households": Household, "residents": Resident}


class Command(BaseCommand):
    help = "把一个区域（及其下级）的台账导出为 Excel 工作簿；默认脱敏。"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="区域编码，如 370116001001")
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
        parser.add_argument(
            "--unmasked", action="store_true", help="身份证号、手机号用明文（须写明 --purpose）"
        )
        parser.add_argument("--purpose", default="", help="明文导出的用途，记入审计日志")
        parser.add_argument(
            "--sheets",
            default=",".join(s.key for s in SHEETS),
            help="导出哪些表，逗号分隔：buildings,units,households,residents（或 楼栋,单元,住户,居民）",
        )
        parser.add_argument("--as", dest="username", help="以该用户的身份和管理范围导出")

    def handle(self, *args, region, output, unmasked, purpose, sheets, username, **options):
        translation.activate(settings.LANGUAGE_CODE)
        keys = []
        for name in (s.strip() for s in sheets.split(",") if s.strip()):
            spec = SHEETS_BY_KEY.get(name) or SHEETS_BY_NAME.get(name)
            if spec is None:
                raise CommandError(_("Unknown sheet %(name)s.") % {"name": name})
            keys.append(spec.key)
        by = None
        if username:
            by = get_user_model().objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(_("No active user %(name)s.") % {"name": username})
        regions = Region.objects.visible_to(by) if by else Region.objects.all()
        node = regions.filter(code=region).first()
        if node is None:
            raise CommandError(_("No region %(code)s.") % {"code": region})
        querysets = {}
        for key in keys:
            queryset = MODELS[key].objects.within(node.code)
            querysets[key] = queryset.visible_to(by) if by else queryset
        if unmasked:
            try:
                purpose = exporter.check_unmasked(by, querysets, purpose)
            except ValidationError:
                raise CommandError(_("A plaintext export needs --purpose.")) from None
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
        with transaction.atomic():
            counts = exporter.export_workbook(output, querysets, unmasked=unmasked)
            exporter.record_export(
                by=by,
                counts=counts,
                scope_code=node.code,
                unmasked=unmasked,
                purpose=purpose,
                filters={"region": node.code},
            )
        for key, count in counts.items():
            self.stdout.write(f"{SHEETS_BY_KEY[key].name}: {count}")
        self.stdout.write(_("Written to %(path)s.") % {"path": output})
