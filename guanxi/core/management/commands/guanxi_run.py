"""`guanxi run`: migrate, load the demo company on a new database, serve the web app and run the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# How long the web server's workers may take to finish the requests under way when it stops.
GRACE_SECONDS = 5


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
        url = f"http://{opts['host']}:{opts['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nGuanxi is running on {url}"))
        self.stdout.write(
            "Sign in as admin / Guanxi-demo-2026 (administrator) or any demo user in docs/demo.md "
            "(e.g. zhangwei / Guanxi-demo-2026, a sales rep). Ctrl+C stops.\n"
        )
        self.stdout.flush()
        cmd = [
            sys.executable, "-m", "gunicorn", "guanxi.wsgi:application",
            "--bind", f"{opts['host']}:{opts['port']}", "--workers", str(opts["workers"]), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", str(GRACE_SECONDS),
        ]  # fmt: skip
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE),
        }
        children = Children()
        with children.stopping_on_signals():
            children.start("web", cmd, env)
            if not opts["no_worker"]:
                children.start("worker", [sys.executable, "-m", "guanxi.cli", "worker"], env)
            children.wait_any()
        children.stop()
        self.stdout.write("Guanxi stopped.")


class Children:
    """The web server and the worker, each in its own process group, so that Ctrl+C reaches only `guanxi run`,
    which then stops them with SIGTERM and waits: the web server first (it stops accepting, finishes the requests
    under way and closes idle connections), the worker alongside (it finishes the job under way). Left to the
    terminal's Ctrl+C, every process got SIGINT at once, the web server's quick shutdown cut off its workers
    ("Worker was sent SIGKILL! Perhaps out of memory?") and subprocess.run killed the web server itself after
    0.25 s, which could leave a worker behind holding the port."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_requested = threading.Event()

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.procs[name] = subprocess.Popen(cmd, env=env, start_new_session=True)  # noqa: S603

    @contextmanager
    def stopping_on_signals(self) -> Iterator[None]:
        def stop_requested(signum: int, frame: Any) -> None:
            self.stop_requested.set()

        previous = {sig: signal.signal(sig, stop_requested) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def wait_any(self) -> None:
        """Until Ctrl+C (or SIGTERM), or until one of the children ends by itself."""
        while not self.stop_requested.wait(0.5):
            if any(p.poll() is not None for p in self.procs.values()):
                return

    def stop(self) -> None:
        # A second Ctrl+C while stopping does not interrupt the stopping (each child has its own time limit).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        running = [(n, p) for n in ("web", "worker") if (p := self.procs.get(n)) is not None and p.poll() is None]
        for _name, proc in running:
            proc.terminate()
        for name, proc in running:
            try:
                proc.wait(timeout=GRACE_SECONDS + 10)
            except subprocess.TimeoutExpired:
                sys.stderr.write(f"The {name} process did not stop in time: killed.\n")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
