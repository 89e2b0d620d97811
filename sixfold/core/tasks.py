"""Background work of the core app: register workbook imports (台账导入).

With a broker (`REDIS_URL`), an upload's job goes to a Celery worker. In the embedded default
there is no worker, and Celery would run the task inline, inside the upload request, holding a
web worker for as long as a large file takes; so the job runs in a thread of the web process
instead, started once the job row is committed. The job page polls the row for progress either
way. Tests set `SIXFOLD_IMPORT_INLINE` to run the job before the upload request returns.
"""

import io
import logging
import threading
import time

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .excel import files
from .excel.importer import import_workbook
from .excel.report import write_report
from .models import ImportJob

logger = logging.getLogger(__name__)

# Rows of errors kept on the job for its page; the report workbook has them all.
ERRORS_SHOWN = 200
# Progress is written at most this often (seconds): each write is a small transaction.
PROGRESS_INTERVAL = 0.5


def enqueue_import(job: ImportJob) -> None:
    """Run the job once the transaction that saved it commits."""
    if getattr(settings, "SIXFOLD_IMPORT_INLINE", False):
        transaction.on_commit(lambda: run_import(job.pk))
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: start_thread(job.pk))
    else:
        transaction.on_commit(lambda: run_import_job.delay(str(job.pk)))


def start_thread(job_id) -> None:
    def main():
        try:
            run_import(job_id)
        finally:
            connection.close()  # the thread's own connection

    threading.Thread(target=main, name=f"import-{job_id}", daemon=True).start()


@shared_task(name="sixfold.core.run_import_job", ignore_result=True)
def run_import_job(job_id: str) -> None:
    # Celery's Django fix-up closes stale database connections around each task.
    run_import(job_id)


def run_import(job_id) -> None:
    """Claim the job, import its file as its uploader, and keep the outcome on the job."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return  # taken by another worker, or already done
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        moment = time.monotonic()
        if done < total and moment - last[0] < PROGRESS_INTERVAL:
            return
        last[0] = moment
        stage = ImportJob.Stage.WRITING if done >= total else ImportJob.Stage.CHECKING
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=done, rows_total=total, stage=stage, updated_at=timezone.now()
        )

    started = time.perf_counter()
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            data = files.load(job.upload_path)
            result = import_workbook(
                io.BytesIO(data),
                by=job.created_by,
                dry_run=job.dry_run,
                progress=progress,
                file_name=job.file_name,
                job=job,
            )
            finish(job, result)
        except Exception:
            logger.exception("import job %s failed", job.pk)
            job.status = ImportJob.Status.FAILED
            job.message = _(
                "The import stopped because of an internal error; nothing was changed. Please "
                "try again, or tell the administrator."
            )
        finally:
            files.remove(job.upload_path)
            job.upload_path = ""
    job.finished_at = timezone.now()
    job.seconds = time.perf_counter() - started
    job.save()


def finish(job: ImportJob, result) -> None:
    job.sha256 = result.sha256
    job.rows_total = max(job.rows_total, result.rows)
    job.rows_done = job.rows_total
    if result.ok:
        job.status = ImportJob.Status.CHECKED if result.dry_run else ImportJob.Status.APPLIED
        job.summary = result.summary_dict()
        return
    job.status = ImportJob.Status.REFUSED
    job.error_count = len(result.errors)
    job.errors = [error.as_dict() for error in result.errors[:ERRORS_SHOWN]]
    buffer = io.BytesIO()
    write_report(result, buffer)
    job.report_path = files.store(buffer.getvalue(), ".xlsx")
