"""Concurrent users: locust against gunicorn on PostgreSQL, with `guanxi worker` running, then a lost-write check.

    python -m bench.load.run                       # 200 users, 10 minutes, demo company with 50,000 customers
    python -m bench.load.run --ci                  # 50 users, 60 s, a 20-customer demo company (CI: make load-ci)
    python -m bench.load.run --reuse --time 2m     # again on the database of the last run

It (re)creates the PostgreSQL database --pg-db (default guanxi_load) on the server --pg-url, migrates it and loads
the demo company (`guanxi demo --customers N`), signs the sales people in (sessions written to the database, no
password hashing in the test), starts gunicorn (2 × cores workers) and the worker on a free loopback port, runs
locust headless (bench/load/locustfile.py: 70 % reads, 30 % writes) and stops them. Then it checks that every write
that succeeded is in the database: each follow-up logged, each quote created, and for every customer edited and
deal moved with If-Match, that no two successful writes started from the same version (a lost update) and that the
record ends at the last successful write (or a later one). Exit status 1 on any error other than the expected 412s,
or on a lost write; never on a timing. Figures: a table on stdout and bench/out/load.json (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.load import cpu

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "bench" / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# The accounts the simulated users sign in as (several users share one account, as people keep several tabs).
ACCOUNTS = [
    "zhangwei",
    "lina",
    "wangfang",
    "yangfan",
    "zhangwei",
    "lina",
    "wangfang",
    "chenjing",
    "wangqiang",
    "zhouli",
]


def log(msg: str) -> None:
    print(msg, flush=True)


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    import psycopg

    if not args.reuse:
        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}"')
            if not args.template_of:
                conn.execute(f'CREATE DATABASE "{args.pg_db}"')
        if args.template_of:  # a copy of the test suite's migrated template (built if missing); migrate then is quick
            from guanxi.core.tests.migrated import postgres_create

            server = urlsplit(args.pg_url)
            login = {"HOST": server.hostname, "PORT": server.port, "USER": server.username, "PASSWORD": server.password}
            postgres_create({"NAME": args.template_of, **login}, args.pg_db)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    demo = [sys.executable, "-m", "guanxi.cli", "demo", "--customers", str(args.customers)]
    subprocess.run(demo, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    log(f"database {args.pg_db}: migrated and demo loaded in {time.monotonic() - started:.0f} s")


def sessions_create() -> list[dict[str, str]]:
    """A signed-in session per account (as a browser has after logging in) and a CSRF token for its API writes."""
    from django.test import Client

    from guanxi.org.models import User

    out = []
    for username in ACCOUNTS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        user = User.objects.get(username=username)
        out.append(
            {
                "username": username,
                "user_id": user.pk,
                "sessionid": client.cookies["sessionid"].value,
                "csrftoken": csrf,
            }
        )
    return out


def wait_ready(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a loopback URL we built)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def lost_writes(writes: dict[str, list[Any]]) -> list[str]:
    """What of the successful writes is not in the database (empty: nothing lost)."""
    from guanxi.commerce.models import Quote
    from guanxi.customers.models import Customer, FollowUp
    from guanxi.sales.models import Opportunity

    problems = []
    markers = writes["follow_ups"]
    found = set()
    for i in range(0, len(markers), 1000):
        found |= set(FollowUp.objects.filter(content__in=markers[i : i + 1000]).values_list("content", flat=True))
    if len(found) != len(set(markers)):
        problems.append(f"{len(set(markers)) - len(found)} of {len(markers)} follow-ups logged are missing")
    quotes = set(writes["quotes"])
    have = set(Quote.objects.filter(pk__in=quotes).values_list("pk", flat=True))
    if have != quotes:
        problems.append(f"{len(quotes - have)} of {len(quotes)} quotes created are missing")
    for kind, model, field in (("edits", Customer, "remarks"), ("moves", Opportunity, "stage_id")):
        by_record: dict[int, list[tuple[int, Any]]] = {}
        for pk, version, value in writes[kind]:
            by_record.setdefault(pk, []).append((version, value))
        finals = {
            pk: (version, value)
            for pk, version, value in model._default_manager.filter(pk__in=by_record).values_list(
                "pk", "version", field
            )
        }
        for pk, done in by_record.items():
            versions = [v for v, _ in done]
            if len(versions) != len(set(versions)):
                problems.append(f"{kind}: two writes of {model.__name__} {pk} both succeeded from one version")
            last_version, last_value = max(done, key=lambda d: d[0])
            final_version, final_value = finals.get(pk, (None, None))
            if final_version is None or final_version < last_version:
                problems.append(f"{kind}: {model.__name__} {pk} is at version {final_version} < {last_version}")
            elif final_version == last_version and final_value != last_value:
                problems.append(f"{kind}: {model.__name__} {pk} lost its last write ({final_value!r})")
    return problems


def read_stats(prefix: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        stats = list(csv.DictReader(fh))
    with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
        failures = list(csv.DictReader(fh))
    return stats, failures


def print_table(stats: list[dict[str, Any]], seconds: float) -> list[dict[str, Any]]:
    rows = []
    head = f"{'action':<36} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>7}"
    log(head)
    log("-" * len(head))
    for row in stats:
        if row["Name"].startswith("start:"):
            continue
        entry = {
            "action": row["Name"] if row["Name"] != "Aggregated" else "all",
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "per_second": round(float(row["Requests/s"] or 0), 1),
        }
        rows.append(entry)
        log(
            f"{entry['action']:<36} {entry['requests']:>9} {entry['errors']:>7} {entry['p50_ms']:>7.0f} "
            f"{entry['p95_ms']:>7.0f} {entry['p99_ms']:>7.0f} {entry['per_second']:>7.1f}"
        )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10, help="Users started per second.")
    parser.add_argument("--time", default="10m", help="How long locust runs (e.g. 60s, 10m).")
    parser.add_argument("--customers", type=int, default=50_000, help="Size of the demo company.")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers.")
    parser.add_argument("--pg-url", default=os.environ.get("GUANXI_BENCH_PG_SERVER", PG_SERVER))
    parser.add_argument("--pg-db", default="guanxi_load")
    parser.add_argument("--port", type=int, default=0, help="Loopback port (default: a free one).")
    parser.add_argument("--reuse", action="store_true", help="Keep the database of the last run (no new demo).")
    parser.add_argument("--wait", default="3-10", help="Think time between a user's actions, seconds (min-max).")
    parser.add_argument("--ci", action="store_true", help="The CI version: 50 users, 60 s, a 20-customer demo.")
    parser.add_argument(
        "--prepare-only", action="store_true", help="Only (re)create and fill the database (then run with --reuse)."
    )
    parser.add_argument(
        "--template-of",
        metavar="DB",
        help="Copy the test suite's migrated template of database DB (guanxi/core/tests/migrated.py), not migrate.",
    )
    parser.add_argument("--out", type=Path, default=OUT / "load.json")
    args = parser.parse_args(argv)
    if args.ci:
        args.users, args.time, args.customers, args.spawn_rate = 50, "60s", 20, 25
        args.out = OUT / "load-ci.json"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.pg_url = args.pg_url.rstrip("/")
    url = f"{args.pg_url}/{args.pg_db}"
    env = {
        **os.environ,
        "GUANXI_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "guanxi.settings.local",
        "GUANXI_EMAIL_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    if not args.reuse:
        database_prepare(args, env)
    if args.prepare_only:
        return 0
    # The pool as the worker's first run today leaves it, before anyone signs in: the demo's history runs up to
    # yesterday, so that first run returns the customers that crossed the limit since, and a user who had picked
    # one of them would get the 404 the pool rightly gives (144 of 50,000 customers on 8 December).
    reclaim = [sys.executable, "-m", "guanxi.cli", "reclaim"]
    settled = subprocess.run(reclaim, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    log(f"pool settled before the run: {settled.stdout.strip()}")
    os.environ.update({k: env[k] for k in ("GUANXI_DATABASE_URL", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    from guanxi.customers.models import Customer

    work = OUT / "load" / args.pg_db  # sessions, write log, locust's CSV and the servers' logs of this run
    work.mkdir(parents=True, exist_ok=True)
    config = {
        "sessions": sessions_create(),
        "writes": str(work / "writes.json"),
        "wait_min": float(args.wait.split("-")[0]),
        "wait_max": float(args.wait.split("-")[-1]),
    }
    (work / "config.json").write_text(json.dumps(config))
    port = args.port or free_port()
    host = f"http://127.0.0.1:{port}"
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "guanxi.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--chdir",
        str(ROOT),
        "--timeout",
        "60",
    ]
    started: list[subprocess.Popen[bytes]] = []
    log_files = {name: open(work / f"{name}.log", "wb") for name in ("gunicorn", "worker")}  # noqa: SIM115
    try:
        started.append(
            subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log_files["gunicorn"], stderr=subprocess.STDOUT)
        )
        worker = [sys.executable, "-m", "guanxi.cli", "worker"]
        started.append(
            subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log_files["worker"], stderr=subprocess.STDOUT)
        )
        wait_ready(f"{host}/login/")
        log(
            f"{args.users} users for {args.time} against gunicorn ({args.workers} workers) on {host}, "
            f"{Customer.objects.count():,} customers; load average {load_average()}"
        )
        prefix = work / "locust"
        load_before = load_average()
        servers = {"gunicorn": started[0].pid, "worker": started[1].pid}

        postmaster = cpu.postmaster_pid()

        def processes() -> dict[str, set[int]]:
            found = {name: cpu.descendants([pid]) for name, pid in servers.items()}
            return {**found, "postgresql": cpu.descendants([postmaster]) if postmaster else set()}

        cpu_before = cpu.snapshot(processes())
        locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        locust = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "load" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.time,
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
            "--loglevel",
            "WARNING",
        ]
        with open(work / "locust.log", "wb") as output:
            locust_env = {**env, "GUANXI_LOAD_CONFIG": str(work / "config.json")}
            subprocess.run(locust, cwd=ROOT, env=locust_env, stdout=output, stderr=subprocess.STDOUT, check=False)
        seconds = time.monotonic() - began
        load_after = load_average()
        cpu_used = cpu.used(cpu_before, cpu.snapshot(processes()))
        locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_used["locust"] = (locust_after.ru_utime + locust_after.ru_stime) - (
            locust_before.ru_utime + locust_before.ru_stime
        )
    finally:
        for proc in reversed(started):
            proc.send_signal(signal.SIGTERM)
        for proc in reversed(started):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for fh in log_files.values():
            fh.close()
    stats, failures = read_stats(prefix)
    log("")
    log(f"load average before {load_before}, after {load_after}")
    rows = print_table(stats, seconds)
    requests = sum(int(row["Request Count"]) for row in stats if row["Name"] == "Aggregated")
    machine = cpu.per_request(cpu_used, requests)
    log(
        "CPU per request (ms): "
        + ", ".join(f"{name} {ms}" for name, ms in machine["ms_per_request"].items())
        + f"; answering (gunicorn and PostgreSQL) {machine['web_ms_per_request']} ms a request: two free cores would "
        f"answer about {machine['web_capacity_per_second_on_2_cores']} requests a second"
    )
    recorded = json.loads((work / "writes.json").read_text())
    writes, conflicts = recorded["writes"], recorded["conflicts"]
    problems = lost_writes(writes)
    log(
        f"writes that succeeded: {len(writes['follow_ups'])} follow-ups, {len(writes['edits'])} edits, "
        f"{len(writes['moves'])} stage moves, {len(writes['quotes'])} quotes; expected 412s: "
        f"{conflicts['edit']} edits, {conflicts['move']} moves"
    )
    for failure in failures:
        log(f"ERROR {failure['Method']} {failure['Name']}: {failure['Error']} ×{failure['Occurrences']}")
    for problem in problems:
        log(f"LOST WRITE {problem}")
    if not failures and not problems:
        log("no errors other than the expected 412s, no lost write")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "users": args.users,
                "time": args.time,
                "seconds": round(seconds),
                "gunicorn_workers": args.workers,
                "customers": Customer.objects.count(),
                "load_average": {"before": load_before, "after": load_after},
                "cpu": machine,
                "actions": rows,
                "conflicts": conflicts,
                "writes": {k: len(v) for k, v in writes.items()},
                "errors": failures,
                "lost_writes": problems,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 1 if failures or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
