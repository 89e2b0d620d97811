"""`sixfold serve`: run Sixfold under gunicorn on 127.0.0.1, as `make run` does.

Static files come from whitenoise straight out of the app folders (`WHITENOISE_USE_FINDERS`), so
no `collectstatic` step is needed. For a deployment behind a proxy, run gunicorn directly with
the options of docs/operators.md; this command is the embedded, one-machine default.
"""

import os
import socket
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_PORT = 8000


def ensure_port_free(host: str, port: int) -> None:
    """Fail with a clear message before announcing the address if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CommandError(
                f"{host}:{port} 已被占用或无法监听；请换一个端口，例如 PORT={port + 1} make run"
            ) from None


class Command(BaseCommand):
    help = (
        "用 gunicorn 在 127.0.0.1 上启动 Sixfold（端口默认 8000，环境变量 PORT 或 --port 可改）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, help="端口（默认取环境变量 PORT，否则 8000）")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 工作进程数（默认 2）")
        parser.add_argument("--threads", type=int, default=4, help="每个进程的线程数（默认 4）")

    def handle(self, *args, port, host, workers, threads, **options):
        if port is None:
            try:
                port = int(os.environ.get("PORT") or DEFAULT_PORT)
            except ValueError:
                raise CommandError("环境变量 PORT 须是端口号，例如 8000") from None
        if not 0 < port < 65536:
            raise CommandError("端口须在 1 到 65535 之间")
        ensure_port_free(host, port)
        shown_host = f"[{host}]" if ":" in host else host
        self.stdout.write(
            f"Sixfold 已启动: http://{shown_host}:{port}/accounts/login/ — "
            f"演示账号见 README (密码 {settings.SIXFOLD_DEMO_PASSWORD})"
        )
        self.stdout.write("按 Ctrl+C 停止。")
        self.stdout.flush()
        # Replace this process with gunicorn, so Ctrl+C and a service manager's signals reach
        # its master directly and no idle parent is left holding the terminal.
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "sixfold.wsgi:application",
            "--bind",
            f"{shown_host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            # No control socket: it lives at one fixed path under ~, so a second instance
            # (another port, a test run) would take it over.
            "--no-control-socket",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixfold.settings")
        os.execv(sys.executable, argv)
