"""The machine time a load run costs, per request: CPU seconds of the server's processes (gunicorn's master and
workers, `guanxi worker`, the local PostgreSQL server: all its sessions, those closed during the run included, and
anything else it served meanwhile) and of locust, read from /proc before and after the run. Unlike the response
times, which a shared or saturated machine inflates by the wait for a core, this says what the code costs: two cores
answer at most 2,000 / (web ms per request) requests a second."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:  # gone, or not this machine's
        return None


def _cpu(pid: int) -> float:
    """The process's CPU and its ended children's (utime, stime, cutime, cstime): summed over the live processes of
    a tree, that counts every process that ran in it, those that ended too (a PostgreSQL session closed after
    CONN_MAX_AGE is reaped by the postmaster, into its cutime)."""
    fields = _stat(pid)
    return sum(int(f) for f in fields[11:15]) / _TICK if fields else 0.0


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


def postmaster_pid() -> int | None:
    """The local PostgreSQL server's main process (from postmaster.pid in its data directory), or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        directory = cursor.fetchone()[0]
    try:
        with open(os.path.join(directory, "postmaster.pid")) as fh:
            return int(fh.readline())
    except (OSError, ValueError):
        return None


def snapshot(groups: dict[str, set[int]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each named group."""
    return {name: {pid: _cpu(pid) for pid in pids} for name, pids in groups.items()}


def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each group used between two snapshots (a process started in between counts from 0; one that
    ended in between is in its parent's children's time)."""
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
