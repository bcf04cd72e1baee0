"""`guanxi run` (what `make run` starts) stopped with Ctrl+C: the terminal sends SIGINT to the whole foreground
process group; the web server and the worker stop cleanly, nothing is killed, nothing is left holding the port."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from guanxi.core.tests.migrated import sqlite_copy

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_ctrl_c_stops_the_web_server_and_the_worker_cleanly(tmp_path: Path):
    # given `guanxi run` in a terminal (its own process group, as a shell starts it) on a database without users (the
    # run's migrated template: its `migrate` has nothing left to apply)
    port = _free_port()
    sqlite_copy(tmp_path / "run.sqlite3")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guanxi.settings.local",
        "GUANXI_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "GUANXI_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "guanxi.cli", "run", "--port", str(port), "--no-demo", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(b.decode(errors="replace") for b in proc.stdout), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        # and it serves pages, the worker has started, and a browser keeps a connection open
        assert _wait_for(lambda: any("Guanxi worker started" in ln for ln in lines), 240), "".join(lines)
        assert _wait_for(lambda: any("Booting worker" in ln for ln in lines), 60), "".join(lines)
        browser = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        browser.request("GET", "/login/")
        assert browser.getresponse().read() and True
        idle = socket.create_connection(("127.0.0.1", port))  # a pre-connected socket that never sends
        # when the user presses Ctrl+C
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=60)
        reader.join(timeout=10)
        idle.close()
        browser.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = "".join(lines)
    # then everything stopped by itself, without a killed process or an error in the log
    assert code == 0, output
    assert "SIGKILL" not in output and "out of memory" not in output, output
    assert "Traceback" not in output, output
    assert "Shutting down: Master" in output, output  # the web server ended by itself, not killed
    # and no process of the web server is left (the port is free again)
    pids = [int(p) for p in re.findall(r"(?:Booting worker with pid: |Listening at: \S+ \()(\d+)", output)]
    assert pids
    assert _wait_for(lambda: not any(_alive(p) for p in pids), 10), output
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a server would (closed connections linger)
        s.bind(("127.0.0.1", port))
        s.listen()
    assert "Guanxi stopped." in output
