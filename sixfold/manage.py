"""The `sixfold` console command: Django's manage.py with the settings preset."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixfold.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing production secret is an operator's mistake, not a crash: say it in one line.
        sys.stderr.write(f"sixfold: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
