"""`guanxi worker`: runs queued background jobs and, every minute, claims due periodic jobs.

It also holds a lease (guanxi/core/workers.py): every GUANXI_WORKER_CHECK_SECONDS it renews its own and
recovers the jobs of workers whose lease ran out, so a job whose worker was killed is failed within a minute."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background jobs (django-tasks database queue) and periodic jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between queue polls.")
        parser.add_argument("--schedule-every", type=float, default=30.0, help="Seconds between schedule checks.")

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.core import workers
        from guanxi.core.scheduler import periodic_jobs_enqueue_due

        stop = threading.Event()
        worker_id = get_random_string(32)
        workers.worker_register(worker_id=worker_id)

        def lease_loop() -> None:
            while True:
                try:
                    workers.worker_heartbeat(worker_id=worker_id)
                    workers.lost_jobs_recover(alive=worker_id)
                # The lease thread must outlive any one failure (e.g. SQLite busy): the next beat retries.
                except Exception:
                    log.exception("lease renewal failed")
                finally:
                    close_old_connections()
                if stop.wait(workers.check_seconds()):
                    return

        def schedule_loop() -> None:
            while not stop.is_set():
                try:
                    n = periodic_jobs_enqueue_due()
                    if n:
                        self.stdout.write(f"enqueued {n} periodic job(s)")
                # The scheduler thread must outlive any one failure: the next tick retries.
                except Exception:
                    log.exception("scheduling periodic jobs failed")
                finally:
                    close_old_connections()
                stop.wait(opts["schedule_every"])

        thread = threading.Thread(target=schedule_loop, name="guanxi-scheduler", daemon=True)
        thread.start()
        lease = threading.Thread(target=lease_loop, name="guanxi-lease", daemon=True)
        lease.start()
        self.stdout.write("Guanxi worker started (Ctrl+C to stop).")
        try:
            # No autoreloader even with DEBUG: its parent process would survive a SIGTERM and leave
            # the real worker running without a supervisor.
            call_command("db_worker", interval=opts["interval"], reload=False, worker_id=worker_id)
        finally:
            stop.set()
            lease.join(timeout=10)
            # Give the lease back and fail at once whatever a forced stop left unfinished.
            try:
                workers.worker_stopped(worker_id=worker_id)
                workers.lost_jobs_recover()
            except Exception:  # stopping must finish; an unreleased lease simply runs out (workers.py)
                log.exception("giving the lease back failed")
