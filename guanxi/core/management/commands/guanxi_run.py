"""`guanxi run`: migrate, load the demo company on a new database, serve the web app and run the worker."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, load demo data on a new database, then serve on HOST:PORT with a background worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("GUANXI_HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("GUANXI_PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo company.")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GUANXI_WEB_WORKERS", "2")))

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.contrib.auth import get_user_model

        from guanxi.core.registry import registry

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        for step in registry.setup_steps:  # e.g. org's default roles
            step()
        if not opts["no_demo"] and not get_user_model().objects.exists():
            self.stdout.write("New database: loading the demo company…")
            call_command("guanxi_demo")
        worker = None
        if not opts["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "guanxi.cli", "worker"])  # noqa: S603
        url = f"http://{opts['host']}:{opts['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nGuanxi is running on {url}"))
        self.stdout.write(
            "Sign in as admin / Guanxi-demo-2026 (administrator) or any demo user in docs/demo.md "
            "(e.g. zhangwei / Guanxi-demo-2026, a sales rep). Ctrl+C stops.\n"
        )
        cmd = [
            sys.executable, "-m", "gunicorn", "guanxi.wsgi:application",
            "--bind", f"{opts['host']}:{opts['port']}", "--workers", str(opts["workers"]), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]  # fmt: skip
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE),
        }
        try:
            subprocess.run(cmd, env=env, check=False)  # noqa: S603
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
