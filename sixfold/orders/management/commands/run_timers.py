"""`sixfold run_timers`: one pass of the work-order timers (for cron; Celery beat runs the task)."""

from django.core.management.base import BaseCommand

from sixfold.orders.tasks import run_timers


class Command(BaseCommand):
    help = "工单计时：标记超时、提醒、升级督办、自动结单（可由 cron 每 5 分钟运行一次）"

    def handle(self, *args, **options):
        counts = run_timers()
        self.stdout.write(
            "超时 {overdue}，再次升级 {escalated}，提醒 {reminded}，部门报到超时 {department_late}，"
            "自动结单 {auto_closed}".format(**counts)
        )
