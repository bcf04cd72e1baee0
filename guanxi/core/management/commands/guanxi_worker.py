"""`guanxi worker`: runs queued background jobs and, every minute, claims due periodic jobs."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections


class Command(BaseCommand):
    help = "Run background jobs (django-tasks database queue) and periodic jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between queue polls.")
        parser.add_argument("--schedule-every", type=float, default=30.0, help="Seconds between schedule checks.")

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.core.scheduler import periodic_jobs_enqueue_due

        stop = threading.Event()

        def schedule_loop() -> None:
            while not stop.is_set():
                try:
                    n = periodic_jobs_enqueue_due()
                    if n:
                        self.stdout.write(f"enqueued {n} periodic job(s)")
                except Exception as exc:  # keep scheduling; the next tick retries
                    self.stderr.write(f"scheduler: {exc}")
                finally:
                    close_old_connections()
                stop.wait(opts["schedule_every"])

        thread = threading.Thread(target=schedule_loop, name="guanxi-scheduler", daemon=True)
        thread.start()
        self.stdout.write("Guanxi worker started (Ctrl+C to stop).")
        try:
            # No autoreloader even with DEBUG: its parent process would survive a SIGTERM and leave
            # the real worker running without a supervisor.
            call_command("db_worker", interval=opts["interval"], reload=False)
        finally:
            stop.set()
