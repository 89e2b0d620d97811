"""gunicorn serving Sixfold (with the bench's floor view) on a free loopback port."""

import http.client
import socket
import subprocess
import time
from pathlib import Path

from .config import PYTHON, ROOT, VAR, child_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`with Server(url, workers=2) as server:` — gunicorn sync workers, as `make run` would serve
    the same code (there with threads; sync workers keep one request per process at a time, so
    what is measured is the request, not the thread scheduler)."""

    def __init__(self, database_url: str, *, workers: int, name: str):
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.log_path: Path = VAR / "logs" / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "sixfold.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--no-control-socket",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(self.database_url), stdout=log, stderr=log
        )
        log.close()
        self.wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                status, _ = self.get("/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, token: str = "") -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            headers = {"Authorization": f"Token {token}"} if token else {}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()
