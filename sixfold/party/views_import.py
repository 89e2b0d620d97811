"""Pages of the member import (党员导入): the template, the upload and its job page.

Like the registers' import (`sixfold.core.views_excel`): the upload is stored encrypted and
handed to a background job (`party.imports`); its page polls the job with HTMX for progress, then
shows what was created, or every error with the marked workbook to download. Only holders of
`party.manage` import, and a job's page is its uploader's alone: anyone else gets the same 404 as
for a job that does not exist.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sixfold.core.excel import files
from sixfold.core.models import ImportJob
from sixfold.core.views_excel import MAX_UPLOAD, ImportUploadForm, spool, xlsx_response

from . import imports
from .actions import MANAGE


def _may_import(user) -> None:
    if not user.holds_perm(MANAGE):
        raise PermissionDenied


@never_cache
@login_required
def member_import_template(request):
    _may_import(request.user)
    handle = spool()
    imports.template_workbook(request.user).save(handle)
    handle.seek(0)
    return xlsx_response(handle, "党员导入模板.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def member_import(request):
    user = request.user
    _may_import(user)
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
                summary={"kind": imports.JOB_KIND},
                language=translation.get_language() or settings.LANGUAGE_CODE,
                request_id=getattr(request, "request_id", ""),
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
            imports.enqueue(job)
        return redirect("party:member_import_job", pk=job.pk)
    jobs = imports.jobs_of(user).filter(created_by=user)[:10]
    return render(
        request,
        "party/import/upload.html",
        {"form": form, "jobs": jobs, "max_mb": MAX_UPLOAD >> 20},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def member_import_job(request, pk):
    job = get_object_or_404(imports.jobs_of(request.user), pk=pk)
    counts = (job.summary or {}).get("members", {})
    context = {"job": job, "created": counts.get("created", 0)}
    if request.headers.get("HX-Request") == "true":
        return render(request, "party/import/progress.html", context)
    return render(request, "party/import/job.html", context)


@never_cache
@login_required
def member_import_report(request, pk):
    job = get_object_or_404(imports.jobs_of(request.user), pk=pk)
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
