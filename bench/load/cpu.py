"""The machine time a load run costs, per request: CPU seconds of the server's processes (gunicorn's master and
workers, `guanxi worker`, the PostgreSQL backends of the run's database) and of locust, read from /proc before and
after the run. Unlike the response times, which a shared or saturated machine inflates by the wait for a core, this
says what the code costs: two cores answer at most 2,000 / (web ms per request) requests a second."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")
WEB = "guanxi_load_web"  # the application_name of gunicorn's database sessions


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:  # gone, or not this machine's
        return None


def _cpu(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICK if fields else 0.0  # utime, stime


def descendants(roots: Iterable[int]) -> set[int]:
    """`roots` and every process below them."""
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))):
            parent_of[int(entry)] = int(fields[1])
    found = set(roots)
    grew = True
    while grew:
        below = {pid for pid, parent in parent_of.items() if parent in found} - found
        found |= below
        grew = bool(below)
    return found


def backend_pids(database: str) -> tuple[set[int], set[int]]:
    """The PostgreSQL backends connected to `database` now (the server runs on this machine): those of the web
    side (application_name WEB), and the others but this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name = %s FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [WEB, database],
        )
        rows = cursor.fetchall()
    return {pid for pid, web in rows if web}, {pid for pid, web in rows if not web}


def snapshot(groups: dict[str, set[int]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each named group."""
    return {name: {pid: _cpu(pid) for pid in pids} for name, pids in groups.items()}


def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each group used between two snapshots (a process started in between counts from 0; one that
    ended in between is not counted: the run keeps its workers and connections, so that is rare)."""
    return {
        name: sum(cpu - before.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items()) for name, pids in after.items()
    }


def per_request(seconds: dict[str, float], requests: int) -> dict[str, Any]:
    """Milliseconds of CPU per request by group; the web side's (gunicorn and PostgreSQL: what answering costs) and
    what two cores could answer a second at that cost. The worker's jobs (a first backup, the pool's reclaim) and
    locust run beside the requests, not for them: given apart."""
    ms = {name: round(1000 * s / max(requests, 1), 1) for name, s in seconds.items()}
    web = round(ms.get("gunicorn", 0.0) + ms.get("postgresql", 0.0), 1)
    return {"ms_per_request": ms, "web_ms_per_request": web,
            "web_capacity_per_second_on_2_cores": round(2000 / web, 1) if web else None}  # fmt: skip
