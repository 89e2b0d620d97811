"""Settings from the environment: production refuses to start without its secrets.

Settings are read once per process, so each case starts a fresh `sixfold` process.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "sixfold" / "settings.py"
SECRET_NAMES = ("SECRET_KEY", "SIXFOLD_PII_KEY")


def run_sixfold(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in (*SECRET_NAMES, "DATABASE_URL")}
    clean.update(SIXFOLD_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="sixfold.settings", **env)
    return subprocess.run(
        [sys.executable, "-m", "sixfold.manage", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", SECRET_NAMES)
def test_production_refuses_to_start_without_a_secret(tmp_path, missing):
    # given production with one of the two secrets absent
    present = {name: "x" * 50 for name in SECRET_NAMES if name != missing}

    # when any command starts
    result = run_sixfold(tmp_path, "check", SIXFOLD_ENV="production", **present)

    # then it stops, naming the missing secret, and writes no generated secret to var/
    assert result.returncode != 0
    assert f"{missing} must be set when SIXFOLD_ENV=production" in result.stderr
    assert not (tmp_path / missing.lower()).exists()


def test_production_with_secrets_starts_with_secure_cookies_and_hsts(tmp_path):
    result = run_sixfold(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)",
        SIXFOLD_ENV="production",
        SECRET_KEY="k" * 50,
        SIXFOLD_PII_KEY="p" * 43,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True True False"


def test_embedded_default_generates_its_secrets_once(tmp_path):
    first = run_sixfold(tmp_path, "check")
    assert first.returncode == 0, first.stderr
    keys = {name: (tmp_path / name.lower()).read_text() for name in SECRET_NAMES}
    assert all(keys.values())
    assert oct((tmp_path / "sixfold_pii_key").stat().st_mode & 0o777) == "0o600"

    again = run_sixfold(tmp_path, "check")
    assert again.returncode == 0, again.stderr
    assert {name: (tmp_path / name.lower()).read_text() for name in SECRET_NAMES} == keys


def test_env_example_documents_every_setting():
    read = set(
        re.findall(
            r"""(?:environ\.get|env_bool|env_list)\(\s*["'](\w+)["']""", SETTINGS_FILE.read_text()
        )
    )
    read |= set(SECRET_NAMES) | {"PORT"}
    documented = set(re.findall(r"^(\w+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    assert read <= documented, f"not in .env.example: {sorted(read - documented)}"
