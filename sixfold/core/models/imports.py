"""Register workbook imports (台账导入) as background jobs.

An upload becomes an `ImportJob`; a background worker reads and checks the workbook, then applies
it wholly or not at all (`core.excel.importer`). The job keeps what the pages need: progress while
it runs, then the summary or the first error rows (masked) and the path of the marked error
report. Files are kept encrypted under MEDIA_ROOT (they hold plaintext ID numbers) and the upload
is removed as soon as the job has finished with it.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped

# A running job writes its progress at least this often; one silent for longer was interrupted
# (the process that ran it stopped) and is shown as failed.
STALE_AFTER = dt.timedelta(minutes=10)


class ImportJobQuerySet(models.QuerySet):
    def of_uploader(self, user):
        """A job's page shows the uploader's own rows back to them: only they may open it."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class ImportJob(TimeStamped):
    """One uploaded register workbook: its progress, then its summary or its error report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")  # saved, not yet picked up by a worker
        RUNNING = "running", _("Running")  # a worker is reading, checking or writing
        APPLIED = "applied", _("Imported")  # every row applied in one transaction
        CHECKED = "checked", _("Checked, nothing written")  # a dry run without errors
        REFUSED = "refused", _("Refused")  # the file has errors; nothing was written
        FAILED = "failed", _("Failed")  # the job itself broke or was interrupted

    class Stage(models.TextChoices):
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing to the register")

    FINISHED = (Status.APPLIED, Status.CHECKED, Status.REFUSED, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scope_code = models.CharField(_("region code"), max_length=40, blank=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    dry_run = models.BooleanField(_("check only"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.READING
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(_("summary"), null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # The first error rows as shown on the page, personal values masked; the whole list is in
    # the report workbook.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    upload_path = models.CharField(max_length=200, blank=True)
    report_path = models.CharField(max_length=200, blank=True)
    # The uploader's interface language: the job's messages are written in it.
    language = models.CharField(max_length=10, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def interrupted(self) -> bool:
        """Running or waiting, but silent for longer than any live worker would be."""
        return not self.finished and timezone.now() - self.updated_at > STALE_AFTER

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
