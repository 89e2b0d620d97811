"""Pages for register workbooks: the template, the upload and its job page, and list exports.

* Import (community workers and above: `registry.import`): the upload is
  stored encrypted and handed to a background job (`core.tasks`); its page polls the job with
  HTMX for progress and then shows the summary, or every error with a marked workbook to
  download. A job's page is its uploader's alone (it shows their rows back to them): anyone else
  gets the same 404 as for a job that does not exist.
* Export: each register list exports exactly what it shows, through the same FilterSet over the
  same `visible_to` queryset. Masked by default; plaintext needs `pii.reveal` over every
  exported row and a purpose, and every export is logged.
"""

import datetime as dt
import tempfile

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import idcard, pii
from .actions import normalize_phone
from .excel import exporter, files
from .excel.spec import SHEETS_BY_KEY
from .excel.template import template_workbook
from .filters import BuildingFilter, HouseholdFilter, ResidentFilter
from .forms import StyledForm
from .models import Building, Household, ImportJob, Resident, Unit
from .tasks import enqueue_import
from .views import UnitSearchFilter

MAX_UPLOAD = 50 * 1024 * 1024  # bytes; a 100,000-resident workbook is about 10 MB
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_import(user) -> bool:
    return user.holds_perm("registry.import")


def xlsx_response(handle, filename: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response


def spool():
    """A temporary file for a workbook on its way out; the response closes (and so deletes) it
    once sent."""
    return tempfile.TemporaryFile()  # noqa: SIM115


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# --- template and upload -----------------------------------------------------------------------
@never_cache
@login_required
def import_template(request):
    if not may_import(request.user):
        raise PermissionDenied
    handle = spool()
    template_workbook(request.user).save(handle)
    handle.seek(0)
    return xlsx_response(handle, "六位一体台账模板.xlsx")


class ImportUploadForm(StyledForm):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file; change nothing"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Please upload an Excel workbook (.xlsx)."))
        if upload.size > MAX_UPLOAD:
            raise ValidationError(
                _("The file is too large (at most %(size)s MB).") % {"size": MAX_UPLOAD >> 20}
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    user = request.user
    if not may_import(user):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = b"".join(upload.chunks())
        with transaction.atomic():
            job = ImportJob.objects.create(
                created_by=user,
                scope_code=user.home_scope(),
                file_name=upload.name[:255],
                file_size=len(data),
                dry_run=form.cleaned_data["dry_run"],
                upload_path=files.store(data, ".xlsx"),
                language=translation.get_language() or settings.LANGUAGE_CODE,
                request_id=getattr(request, "request_id", ""),
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
            enqueue_import(job)
        return redirect("core:import_job", pk=job.pk)
    jobs = ImportJob.objects.of_uploader(user).filter(created_by=user)[:10]
    return render(
        request,
        "core/import_upload.html",
        {"form": form, "jobs": jobs, "max_mb": MAX_UPLOAD >> 20},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def import_job(request, pk):
    job = get_object_or_404(ImportJob.objects.of_uploader(request.user), pk=pk)
    context = {"job": job, "sheets": summary_rows(job)}
    if request.headers.get("HX-Request") == "true":
        return render(request, "core/includes/import_progress.html", context)
    return render(request, "core/import_job.html", context)


def summary_rows(job: ImportJob) -> list[dict]:
    if not job.summary:
        return []
    return [
        {"name": spec.name, **job.summary.get(key, {})}
        for key, spec in SHEETS_BY_KEY.items()
        if any(job.summary.get(key, {}).values())
    ]


@never_cache
@login_required
def import_report(request, pk):
    job = get_object_or_404(ImportJob.objects.of_uploader(request.user), pk=pk)
    if not job.report_path:
        raise Http404
    try:
        data = files.load(job.report_path)
    except FileNotFoundError:
        raise Http404 from None
    handle = spool()
    handle.write(data)
    handle.seek(0)
    stem = job.file_name.rsplit(".", 1)[0]
    return xlsx_response(handle, f"{stem}-错误报告.xlsx")


# --- exports -------------------------------------------------------------------------------------
class ExportForm(StyledForm):
    MASKED, PLAINTEXT = "masked", "plaintext"
    mode = forms.ChoiceField(
        label=gettext_lazy("Personal data"),
        widget=forms.RadioSelect,
        initial=MASKED,
        choices=[
            (MASKED, gettext_lazy("Masked (370116********123X) — cannot be imported back")),
            (PLAINTEXT, gettext_lazy("Plaintext — can be edited and imported back; logged")),
        ],
    )
    purpose = forms.CharField(
        label=gettext_lazy("purpose"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Required for a plaintext export. It is written to the audit log."),
    )

    def __init__(self, *args, may_unmask: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_unmask:
            self.fields["mode"].choices = self.fields["mode"].choices[:1]


EXPORTS = {
    # sheet key: (model, FilterSet of its list page, list URL name)
    "buildings": (Building, BuildingFilter, "core:building_list"),
    "units": (Unit, UnitSearchFilter, "core:unit_list"),
    "households": (Household, HouseholdFilter, "core:household_list"),
    "residents": (Resident, ResidentFilter, "core:resident_list"),
}


def filtered(request, key: str):
    """The rows the list page shows for this query string: same base queryset, same filters."""
    model, filterset_class, _url = EXPORTS[key]
    queryset = model.objects.visible_to(request.user).order_by("code")
    return filterset_class(request.GET or None, queryset=queryset).qs


def logged_filters(request) -> dict:
    """The query string for the audit log, an ID number or phone searched for masked."""
    logged = {}
    for name, values in request.GET.lists():
        if name == "page":
            continue
        shown = []
        for value in values:
            if name == "search":
                number = idcard.normalize(value)
                phone = normalize_phone(value)
                if len(number) == 18:
                    value = pii.mask_id_number(number)
                elif phone.isdigit() and len(phone) >= 7:
                    value = pii.mask_phone(phone)
            shown.append(value[:100])
        logged[name] = shown if len(shown) > 1 else shown[0]
    return logged


def export_scope(request) -> str:
    region = request.GET.get("region", "").strip()
    if region and request.user.has_scoped_perm("registry.view", region):
        return region[:40]
    return request.user.home_scope()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def export_list(request, key: str):
    user = request.user
    queryset = filtered(request, key)
    may_unmask = (
        exporter.may_unmask(user, {key: queryset}) if user.holds_perm("pii.reveal") else False
    )
    form = ExportForm(request.POST or None, may_unmask=may_unmask)
    if request.method == "POST" and form.is_valid():
        unmasked = form.cleaned_data["mode"] == ExportForm.PLAINTEXT
        purpose = ""
        try:
            if unmasked:
                purpose = exporter.check_unmasked(
                    user, {key: queryset}, form.cleaned_data["purpose"]
                )
        except ValidationError as exc:
            form.add_error("purpose", exc.message_dict["purpose"])
        else:
            handle = spool()
            with transaction.atomic():
                counts = exporter.export_workbook(handle, {key: queryset}, unmasked=unmasked)
                exporter.record_export(
                    by=user,
                    counts=counts,
                    scope_code=export_scope(request),
                    unmasked=unmasked,
                    purpose=purpose,
                    filters=logged_filters(request),
                )
            handle.seek(0)
            kind = _("plaintext") if unmasked else _("masked")
            return xlsx_response(handle, f"{SHEETS_BY_KEY[key].name}-{kind}-{stamp()}.xlsx")
    _model, _filterset, list_url = EXPORTS[key]
    query = request.GET.urlencode()
    return render(
        request,
        "core/export.html",
        {
            "form": form,
            "sheet": SHEETS_BY_KEY[key],
            "count": queryset.count(),
            "list_url": reverse(list_url) + (f"?{query}" if query else ""),
            "query": query,
            "today": dt.date.today(),
        },
        status=400 if form.errors else 200,
    )
