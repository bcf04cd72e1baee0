"""Benchmark of marketing (issue 17 §7): a segment count and a campaign send over many contacts, beside raw SQL and
the raw SMTP rate.

    python -m bench.marketing --contacts 1000000 --recipients 100000          # the issue's sizes
    python -m bench.marketing --contacts 200000 --recipients 20000 --send 5000  # what a loaded machine finishes
    python -m bench.marketing --pg --contacts 1000000 --recipients 100000       # on PostgreSQL (guanxi_bench_mkt)
    python -m bench.marketing --pg --contacts 10000 --copies 100 --recipients 100000  # 1M contacts in minutes

Its own database (var/bench/marketing.sqlite3, recreated; or with --pg the PostgreSQL database --pg-db, recreated):
the demo organisation, then customers with 1-3 contacts each through the demo's bulk path until about --contacts
contacts; every contact with an e-mail gets a unique one. Then, timed (the median of --repeat calls, CPU and wall):

- **segment count**: a dynamic segment (customers of level A, their contacts) counted as the segment page counts it
  (`filtered_contacts`, the list toolkit's resolve in an administrator's scope) and its e-mail reach (`reachable`:
  opt-outs and the suppression list applied), each beside the raw SQL that counts the same rows;
- **recording the recipients**: `campaign_start` of an e-mail campaign to a static list of --recipients contacts
  (every recipient written before anything goes out) beside the raw SQL INSERT … SELECT of the same rows;
- **the send**: `campaign_send_batch` (claim, consent check, compose with tracking links and the unsubscribe link,
  SMTP, record) of --send of them (default all) to a local SMTP server that accepts and discards (aiosmtpd in its
  own process), beside the raw SMTP rate: the same message bytes sent by smtplib over one connection.

Figures print as a table with each ratio and go to bench/out/marketing.json; docs/benchmarks.md keeps them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import smtplib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "marketing.json"
DB = ROOT / "var" / "bench" / "marketing.sqlite3"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def log(msg: str) -> None:
    print(msg, flush=True)


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))], 2)


def _timed(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any, float]:
    """(median wall ms, median CPU ms, answer, p95 wall ms) of `repeat` calls after a warm one."""
    answer = run()
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        answer = run()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return round(statistics.median(walls), 2), round(statistics.median(cpus), 2), answer, _p95(walls)


def _raw_count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def _setup(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings.local")
    if args.pg and args.reuse:
        os.environ["GUANXI_DATABASE_URL"] = f"{args.pg_url}/{args.pg_db}"
    elif args.pg:
        import psycopg

        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}"')
            conn.execute(f'CREATE DATABASE "{args.pg_db}"')
        os.environ["GUANXI_DATABASE_URL"] = f"{args.pg_url}/{args.pg_db}"
    else:
        DB.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
        os.environ["GUANXI_DATABASE_URL"] = f"sqlite:///{DB}"
    import django

    django.setup()


def _generate(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from guanxi.customers.models import Contact

    from .generate import bench_generate

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    # about two contacts a customer (1-3 each, individuals one)
    bench_generate(customers=max(1, args.contacts // 2), follow_ups=0, extra_reps=20, seed=2026, progress=log,
                   jobs=args.jobs if connection.vendor == "postgresql" else 1)  # fmt: skip
    table = Contact._meta.db_table
    if args.copies > 1:  # the generated contacts' rows copied in SQL (same customers), past what the services make
        columns = ", ".join(c.column for c in Contact._meta.local_concrete_fields if not c.primary_key)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} CROSS JOIN "  # noqa: S608
                f"generate_series(1, {args.copies - 1}) AS copy"
            )
        log(f"Copied the contacts {args.copies - 1} more times ({time.monotonic() - started:.0f}s so far)")
    with connection.cursor() as cursor:  # one address each: the demo's names repeat
        cursor.execute(f"UPDATE {table} SET email = 'c' || id || '@mail.example.com' WHERE email <> ''")  # noqa: S608
        cursor.execute(f"ANALYZE {table}")  # statistics of what the counts read (autovacuum may be off)
    contacts = Contact.objects.count()
    with_email = Contact.objects.exclude(email="").count()
    seconds = round(time.monotonic() - started, 1)
    log(f"Generated {contacts:,} contacts ({with_email:,} with an e-mail) in {seconds}s")
    return {"contacts": contacts, "with_email": with_email, "generate_seconds": seconds}


def _existing() -> dict[str, Any]:
    """The sizes of a database an earlier run generated (--reuse)."""
    from guanxi.customers.models import Contact

    contacts, with_email = Contact.objects.count(), Contact.objects.exclude(email="").count()
    log(f"Reusing {contacts:,} contacts ({with_email:,} with an e-mail)")
    return {"contacts": contacts, "with_email": with_email, "generate_seconds": None}


def _segment_cases(args: argparse.Namespace, admin: Any) -> list[dict[str, Any]]:
    from guanxi.customers.models import Contact, Customer
    from guanxi.marketing.consent import reachable
    from guanxi.marketing.models import Consent, Suppression
    from guanxi.marketing.segments import filtered_contacts

    contact, customer = Contact._meta.db_table, Customer._meta.db_table
    consent, suppression = Consent._meta.db_table, Suppression._meta.db_table

    def members() -> Any:
        return filtered_contacts(user=admin, base="customers", query="level=A").contacts

    live = "c.deleted_at IS NULL AND k.deleted_at IS NULL AND k.level = 'A'"
    raw_members = f"SELECT COUNT(*) FROM {contact} c JOIN {customer} k ON k.id = c.customer_id WHERE {live}"  # noqa: S608
    raw_reach = (
        f"SELECT COUNT(*) FROM {contact} c JOIN {customer} k ON k.id = c.customer_id WHERE {live} AND c.email <> '' "
        f"AND NOT EXISTS (SELECT 1 FROM {consent} o WHERE o.contact_id = c.id AND o.channel = 'email' AND "
        f"o.status = 'out') AND NOT EXISTS (SELECT 1 FROM {suppression} s WHERE s.channel = 'email' AND "
        f"LOWER(s.address) = LOWER(c.email))"
    )  # noqa: S608
    cases = []
    for name, orm, raw in (
        ("segment count (customers level A, their contacts)", lambda: members().count(), raw_members),
        ("segment e-mail reach (opt-outs, suppression)", lambda: reachable(members(), "email").count(), raw_reach),
    ):
        wall, cpu, found, p95 = _timed(orm, args.repeat)
        raw_wall, raw_cpu, expected, raw_p95 = _timed(lambda sql=raw: _raw_count(sql), args.repeat)
        cases.append({"case": name, "rows": found, "same_rows": found == expected, "wall_ms": wall, "p95_ms": p95,
                      "cpu_ms": cpu, "raw_wall_ms": raw_wall, "raw_p95_ms": raw_p95, "raw_cpu_ms": raw_cpu,
                      "ratio": round(wall / raw_wall, 2) if raw_wall else None,
                      "p95_ratio": round(p95 / raw_p95, 2) if raw_p95 else None})  # fmt: skip
    return cases


def _smtp_server() -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the local SMTP server did not start")


def _send_cases(args: argparse.Namespace, admin: Any) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from guanxi.customers.models import Contact
    from guanxi.marketing import campaigns, services
    from guanxi.marketing.models import Delivery, Segment, SegmentMember

    segment = services.segment_create(actor=admin, data={"name": "bench", "kind": Segment.Kind.STATIC})
    ids = list(Contact.objects.exclude(email="").order_by("pk").values_list("pk", flat=True)[: args.recipients])
    SegmentMember.objects.bulk_create([SegmentMember(segment=segment, contact_id=i) for i in ids], batch_size=5000)
    data = {"name": "bench", "channel": "email", "segment": segment.pk, "subject": "{{ name }}，您好",
            "body": "{{ name }}您好，{{ company }}的新品发布会：https://www.example.com/launch?id=2026 。"}  # fmt: skip
    campaign = campaigns.campaign_create(actor=admin, data=data)
    cases = []
    w, c = time.perf_counter(), time.process_time()
    recorded = campaigns.campaign_start(actor=admin, campaign=campaign)
    wall, cpu = (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000
    # the raw SQL of the same rows: the static list's contacts with an e-mail, into a copy of the deliveries table
    table, member = Delivery._meta.db_table, SegmentMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_delivery AS SELECT * FROM {table} WHERE 1 = 0")  # noqa: S608
        w2 = time.perf_counter()
        cursor.execute(
            f"INSERT INTO bench_delivery (campaign_id, contact_id, address, status, provider_id, error, opens, clicks) "
            f"SELECT {campaign.pk}, c.id, LOWER(c.email), 'queued', '', '', 0, 0 FROM {member} m JOIN "  # noqa: S608
            f"customers_contact c ON c.id = m.contact_id WHERE m.segment_id = {segment.pk} AND c.email <> ''"
        )
        raw = (time.perf_counter() - w2) * 1000
    cases.append({"case": f"record {recorded:,} recipients (campaign_start)", "rows": recorded, "wall_ms": round(wall),
                  "cpu_ms": round(cpu), "raw_wall_ms": round(raw, 1), "ratio": round(wall / raw, 1) if raw else None,
                  "per_recipient_ms": round(wall / max(recorded, 1), 3)})  # fmt: skip

    server, port = _smtp_server()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.GUANXI_EMAIL_ENABLED = True
        settings.GUANXI_MARKETING_RATES = {"email": args.batch}
        to_send = min(args.send or recorded, recorded)
        reverse("marketing:unsubscribe", args=["x"])  # a worker has its URL patterns loaded (every API schema)
        sent = 0
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        w, c = time.perf_counter(), time.process_time()
        while sent < to_send:
            done = campaigns.campaign_send_batch(campaign_id=campaign.pk, limit=min(args.batch, to_send - sent))
            if not done:
                break
            sent += done
            log(f"  sent {sent:,} of {to_send:,} · load {_load()}")
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        # the raw SMTP rate: one composed message's bytes, over one connection, as many times
        first = Delivery.objects.filter(campaign=campaign, status="sent").select_related("contact__customer").first()
        message = campaigns.compose(campaign, first.contact, delivery_id=first.pk, to=first.address) if first else None
        from django.core.mail import EmailMultiAlternatives

        mail = EmailMultiAlternatives(message.subject, message.text, None, [first.address], headers=message.headers)
        mail.attach_alternative(message.html, "text/html")
        raw_bytes = mail.message().as_bytes(linesep="\r\n")
        w2 = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for _ in range(sent):
                smtp.sendmail("crm@localhost", [first.address], raw_bytes)
        raw = time.perf_counter() - w2
        sample = max(1, min(sent, 200))  # a new connection for every message, as before the batch kept one
        w3 = time.perf_counter()
        for _ in range(sample):
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.sendmail("crm@localhost", [first.address], raw_bytes)
        reconnecting = sample / (time.perf_counter() - w3)
    finally:
        server.terminate()
        server.wait(timeout=10)
    cases.append({"case": f"send {sent:,} e-mails (campaign_send_batch)", "rows": sent, "wall_ms": round(wall * 1000),
                  "cpu_ms": round(cpu * 1000), "per_second": round(sent / wall, 1), "raw_smtp_per_second":
                  round(sent / raw, 1), "raw_smtp_new_connection_per_second": round(reconnecting, 1),
                  "ratio": round(wall / raw, 2), "cpu_ms_per_message": round(cpu * 1000 / max(sent, 1), 2),
                  "message_bytes": len(raw_bytes)})  # fmt: skip
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="about this many contacts (default 1M)")
    parser.add_argument("--recipients", type=int, default=100_000, help="the campaign's list (default 100k)")
    parser.add_argument("--send", type=int, default=0, help="send this many of them (default: all)")
    parser.add_argument("--batch", type=int, default=1000, help="messages per campaign_send_batch (default 1000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per count, for p50/p95 (default 20)")
    parser.add_argument("--copies", type=int, default=1, help="PostgreSQL: generate --contacts, then copy every "
                        "contact row this many times in all by SQL (same customers): 10000 × 100 = 1M")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="print the send's cProfile (cumulative, top 40)")
    parser.add_argument("--pg", action="store_true", help="on PostgreSQL: (re)create --pg-db and use it")
    parser.add_argument("--pg-url", default=os.environ.get("GUANXI_BENCH_PG_SERVER", PG_SERVER))
    parser.add_argument("--pg-db", default="guanxi_bench_mkt")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: keep --pg-db as an earlier run left it")
    parser.add_argument("--jobs", type=int, default=2, help="loading processes on PostgreSQL (default 2)")
    args = parser.parse_args(argv)
    _setup(args)
    from django.db import connection

    from guanxi.org.models import User

    log(f"load {_load()} · {platform.platform()} · {connection.vendor}")
    sizes = _existing() if args.reuse else _generate(args)
    admin = User.objects.get(username="admin")
    cases = _segment_cases(args, admin) + _send_cases(args, admin)
    for case in cases:
        log(" · ".join(f"{k}={v}" for k, v in case.items()))
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": _load(), "vendor": connection.vendor,
              "machine": platform.platform(), "cpus": os.cpu_count(), **sizes, "recipients": args.recipients,
              "cases": cases}  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    log(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
