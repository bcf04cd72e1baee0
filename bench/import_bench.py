"""Spreadsheet import benchmark: 100,000 customer rows from XLSX and from CSV, with duplicate checks.

    python -m bench.import_bench              # 100,000 rows (about two minutes in all)
    python -m bench.import_bench --rows 20000 # a quicker check

It uses its own SQLite database (var/bench/import.sqlite3, recreated; or GUANXI_DATABASE_URL, which
must point at an empty database) and a temporary media folder. A department manager imports a
generated file in which some rows match customers already registered — his own (updated) and
another department's rep's (rejected: first registrant wins) — with "skip bad rows". For each
format it times the dry run (upload, read, validate, bulk duplicate check) and the import (the same
checks again plus the bulk writes: customers, search text, duplicate keys, audit rows), each from a
fresh copy of the seeded database, and beside them the raw bulk insert of the same customer rows
(one executemany of the same INSERT), printed as a ratio. Results: stdout and bench/out/import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
DB = ROOT / "var" / "bench" / "import.sqlite3"
SEED_DB = ROOT / "var" / "bench" / "import-seed.sqlite3"

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "天津", "重庆", "青岛",
          "厦门", "宁波", "长沙", "郑州", "合肥", "济南", "福州"]  # fmt: skip
PROVINCE = {"北京": "北京", "上海": "上海", "广州": "广东", "深圳": "广东", "杭州": "浙江", "南京": "江苏",
            "苏州": "江苏", "成都": "四川", "武汉": "湖北", "西安": "陕西", "天津": "天津", "重庆": "重庆",
            "青岛": "山东", "厦门": "福建", "宁波": "浙江", "长沙": "湖南", "郑州": "河南", "合肥": "安徽",
            "济南": "山东", "福州": "福建"}  # fmt: skip
BRAND_CHARS = "华信达通恒泰瑞丰安盛鑫源隆昌凯宏博远新天中兴海德明亿金创科联合正东方嘉利星辰云峰宇航光启万众腾飞卓越精诚"
TRADES = ["科技", "信息技术", "网络科技", "电子", "机械", "贸易", "物流", "医药", "生物科技", "建筑工程", "环保科技",
          "软件", "咨询", "文化传媒", "食品", "新能源", "材料", "教育科技", "智能装备", "化工"]  # fmt: skip
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
INDUSTRIES = ["制造业", "信息技术", "批发零售", "医疗健康", "建筑", "物流", "教育", "金融", "能源", "餐饮"]
LEVELS = ["A", "B", "C", "重点", "普通", "潜在", "B · ordinary"]
STATUSES = ["潜在客户", "跟进中", "已成交", "potential", ""]
HEADERS = ["客户名称", "统一社会信用代码", "客户级别", "客户状态", "行业", "省份", "城市", "手机", "邮箱", "地址",
           "下次跟进", "备注"]  # fmt: skip


def log(msg: str) -> None:
    print(msg, flush=True)


MEDIA = Path(tempfile.gettempdir()) / "guanxi-import-bench-media"


def setup_django() -> bool:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings.local")
    os.environ["GUANXI_MEDIA_ROOT"] = str(MEDIA)  # the uploaded files; removed at the end
    own = not os.environ.get("GUANXI_DATABASE_URL")
    if own:
        DB.parent.mkdir(parents=True, exist_ok=True)
        for path in (DB, SEED_DB):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["GUANXI_DATABASE_URL"] = f"sqlite:///{DB}"
    import django

    django.setup()
    return own


# --- data ------------------------------------------------------------------------------------
def credit_code(rng: random.Random) -> str:
    from guanxi.customers.validators import CREDIT_CODE_CHARS, credit_code_check_char

    first17 = (
        "91"
        + "".join(rng.choice("0123456789") for _ in range(6))
        + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    )
    return first17 + credit_code_check_char(first17)


def company_names(count: int, rng: random.Random) -> list[str]:
    """Distinct company names (distinct also after the duplicate check's normalisation)."""
    from guanxi.customers.dedupe.normalise import company_name_key

    names: list[str] = []
    keys: set[str] = set()
    while len(names) < count:
        city = rng.choice(CITIES)
        brand = "".join(rng.sample(BRAND_CHARS, rng.choice((2, 2, 3))))
        name = f"{city}{brand}{rng.choice(TRADES)}{rng.choice(SUFFIXES)}"
        key = company_name_key(name)
        if key not in keys:
            keys.add(key)
            names.append(name)
    return names


def file_rows(names: list[str], codes: list[str], rng: random.Random) -> list[list[Any]]:
    today = dt.date(2026, 3, 1)
    rows = []
    for i, name in enumerate(names):
        city = name[:2]
        follow = today + dt.timedelta(days=rng.randint(0, 90))
        rows.append(
            [
                name,
                codes[i],
                rng.choice(LEVELS),
                rng.choice(STATUSES),
                rng.choice(INDUSTRIES),
                PROVINCE.get(city, ""),
                city,
                f"1{rng.choice('3589')}{i:09d}",
                f"contact{i}@example.com" if i % 2 else "",
                f"{city}市某区某路{rng.randint(1, 999)}号",
                follow.isoformat() if i % 3 else f"{follow.year}/{follow.month}/{follow.day}",
                "=来自展会名单" if i % 1000 == 0 else "",  # formula-looking text stays text
            ]
        )
    return rows


def seed(actor: Any, other: Any, names: list[str], codes: list[str]) -> None:
    """Customers already registered: the actor's own (the file updates them) and another department's
    rep's (the file's rows are rejected)."""
    from django.db import transaction

    from guanxi.core.search import build_search_text, name_sort_key
    from guanxi.customers.dedupe.services import customer_keys_rebuild
    from guanxi.customers.models import Customer

    objs = []
    for i, (name, code) in enumerate(zip(names, codes, strict=True)):
        owner = actor if i % 2 == 0 else other
        objs.append(
            Customer(
                name=name,
                credit_code=code,
                owner=owner,
                department_id=owner.department_id,
                level="C",
                search_text=build_search_text(names=[name], others=[code]),
                name_sort=name_sort_key(name),
            )
        )
    with transaction.atomic():
        Customer.objects.bulk_create(objs, batch_size=500)
        customer_keys_rebuild(customer_ids=[c.pk for c in objs])


# --- measuring -------------------------------------------------------------------------------
class PhaseTimer:
    """Wraps the importer's steps to time each (the engine calls them in order)."""

    def __init__(self, importer: Any):
        self.importer = importer
        self.times: dict[str, float] = {}
        self.originals = {name: getattr(importer, name) for name in ("parse", "decide", "prepare", "apply")}
        for name, fn in self.originals.items():
            setattr(importer, name, self._wrap(name, fn))

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(**kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(**kwargs)
            finally:
                self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start

        return timed

    def take(self) -> dict[str, float]:
        out = {k: round(v, 2) for k, v in self.times.items()}
        self.times = {}
        return out

    def restore(self) -> None:
        for name in self.originals:
            delattr(self.importer, name)


def raw_insert_seconds(rows: list[list[Any]], actor: Any) -> tuple[float, float]:
    """The floor: the same customer rows (the columns the import fills, the same search text and name order key) in one
    executemany of a single-row INSERT, rolled back. Table triggers (SQLite's FTS search index) fire as usual."""
    from django.db import connection, transaction
    from django.utils import timezone

    from guanxi.core.search import build_search_text, name_sort_key
    from guanxi.customers.models import Customer

    now = timezone.now()
    cols = ["name", "credit_code", "level", "status", "industry", "province", "city", "phone", "email", "address",
            "next_follow_up_on", "remarks"]  # fmt: skip
    fixed = {
        "kind": "company", "size": "", "source": "import", "website": "", "review_status": "active",
        "review_reason": "", "pool_reason": "", "pool_warning": 0, "version": 1,
        "created_at": now, "updated_at": now, "owner_id": actor.pk, "department_id": actor.department_id,
        "created_by_id": actor.pk,
    }  # fmt: skip
    table = Customer._meta.db_table
    names = [*cols, "search_text", "name_sort", *fixed]
    sql = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join(["%s"] * len(names))})'
    values = []
    for r in rows:
        follow = r[10].replace("/", "-") if r[10] else None
        if follow and len(follow) < 10:
            y, m, d = follow.split("-")
            follow = f"{y}-{int(m):02d}-{int(d):02d}"
        level = {"重点": "A", "普通": "B", "潜在": "C", "B · ordinary": "B"}.get(r[2], r[2])
        text = build_search_text(names=[r[0]], phones=[r[7]], others=[r[8], r[1]])
        values.append(
            [r[0], r[1], level, "potential", *r[4:10], follow, r[11], text, name_sort_key(r[0]), *fixed.values()]
        )
    start, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.executemany(sql, values)
        elapsed = time.perf_counter() - start, time.process_time() - cpu
        transaction.set_rollback(True)
    return elapsed


def run_format(fmt: str, data: bytes, actor: Any, timer: PhaseTimer) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanxi.core.imports import services
    from guanxi.core.models import AuditLog, ImportJob
    from guanxi.customers.models import Customer, CustomerKey

    result: dict[str, Any] = {"format": fmt, "file_mb": round(len(data) / 2**20, 1)}
    before = {
        "customers": Customer.objects.count(),
        "keys": CustomerKey.objects.count(),
        "audit": AuditLog.objects.count(),
    }
    start, cpu = time.perf_counter(), time.process_time()
    job, _created = services.import_job_create(
        actor=actor, kind="customers", file=SimpleUploadedFile(f"customers.{fmt}", data), mode="skip_bad_rows"
    )
    services.import_job_check(actor=actor, job_id=job.pk)
    services.import_job_execute(job_id=job.pk)
    result["dry_run_seconds"] = round(time.perf_counter() - start, 2)
    result["dry_run_cpu_seconds"] = round(time.process_time() - cpu, 2)
    result["dry_run_phases"] = timer.take()
    job.refresh_from_db()
    result["dry_run_counts"] = job.report["counts"]
    start, cpu = time.perf_counter(), time.process_time()
    services.import_job_start(actor=actor, job_id=job.pk)
    services.import_job_execute(job_id=job.pk)
    result["import_seconds"] = round(time.perf_counter() - start, 2)
    result["import_cpu_seconds"] = round(time.process_time() - cpu, 2)
    result["import_phases"] = timer.take()
    job.refresh_from_db()
    if job.status != ImportJob.Status.DONE:
        sys.exit(f"The import did not finish: {job.status} {job.error}")
    result["import_counts"] = job.report["counts"]
    result["written"] = {
        "customers": Customer.objects.count() - before["customers"],
        "keys": CustomerKey.objects.count() - before["keys"],
        "audit_rows": AuditLog.objects.count() - before["audit"],
    }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--matches", type=int, default=2_000, help="rows matching the importer's own customers")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    own = setup_django()

    from django.core.management import call_command
    from django.db import connection

    from guanxi.core.imports.testing import csv_bytes, xlsx_bytes
    from guanxi.core.registry import registry
    from guanxi.org.models import Department, User
    from guanxi.org.services import roles_ensure_defaults

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    if User.objects.exists():
        sys.exit("The benchmark database is not empty; unset GUANXI_DATABASE_URL or point it at an empty database.")
    roles_ensure_defaults()
    hq = Department.objects.create(name="总部", path="/")
    hq.path = f"/{hq.pk}/"
    hq.save()
    east = Department.objects.create(name="华东销售部", parent=hq)
    east.path = f"{hq.path}{east.pk}/"
    east.save()
    west = Department.objects.create(name="华西销售部", parent=hq)
    west.path = f"{hq.path}{west.pk}/"
    west.save()
    actor = User.objects.create(username="importer", name="导入经理", department=east)
    actor.roles.set(actor.roles.model.objects.filter(code="department_manager"))
    other = User.objects.create(username="west_rep", name="西部销售", department=west)
    other.roles.set(other.roles.model.objects.filter(code="sales_rep"))

    log(f"Generating {args.rows:,} rows…")
    names = company_names(args.rows + args.matches, rng)
    codes = [credit_code(rng) if i % 3 == 0 else "" for i in range(len(names))]
    existing = names[: args.matches * 2]  # every other one is the actor's own
    seed(actor, other, existing, codes[: args.matches * 2])
    # The file: args.matches rows naming existing customers (half the actor's, half another rep's),
    # the rest new companies.
    file_names = existing + names[args.matches * 2 : args.rows + args.matches]
    file_codes = codes[: args.matches * 2] + codes[args.matches * 2 : args.rows + args.matches]
    rows = file_rows(file_names[: args.rows], file_codes[: args.rows], rng)
    rng.shuffle(rows)
    t = time.perf_counter()
    xlsx = xlsx_bytes([HEADERS, *rows])
    xlsx_write = time.perf_counter() - t
    csv_data = csv_bytes([HEADERS, *rows], encoding="gb18030")
    log(
        f"XLSX {len(xlsx) / 2**20:.1f} MB (written in {xlsx_write:.1f} s), CSV (GB18030) {len(csv_data) / 2**20:.1f} MB"
    )

    connection.close()
    if own:
        shutil.copy(DB, SEED_DB)
    timer = PhaseTimer(registry.importers["customers"])
    results = []
    raw = raw_cpu = None
    for fmt, data in (("xlsx", xlsx), ("csv", csv_data)):
        if own:
            connection.close()
            shutil.copy(SEED_DB, DB)
            for suffix in ("-wal", "-shm"):
                Path(f"{DB}{suffix}").unlink(missing_ok=True)
        actor = User.objects.get(username="importer")
        if raw is None:
            raw, raw_cpu = raw_insert_seconds(rows, actor)
            log(f"raw executemany of the same {len(rows):,} customer rows: {raw:.2f} s ({raw_cpu:.2f} s CPU)")
        log(f"{fmt.upper()}: dry run, then import…")
        res = run_format(fmt, data, actor, timer)
        res["ratio_import_to_raw_insert"] = round(res["import_seconds"] / raw, 1) if raw else None
        results.append(res)
        if not own:
            break  # a shared database cannot be reset between formats
    timer.restore()

    try:
        import python_calamine  # noqa: F401

        reader = "python-calamine"
    except ImportError:
        reader = "openpyxl (read-only)"
    summary = {
        "rows": args.rows,
        "matching_existing": args.matches,
        "reader": reader,
        "database": connection.vendor,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "raw_insert_seconds": round(raw or 0, 2),
        "raw_insert_cpu_seconds": round(raw_cpu or 0, 2),
        "load_average": os.getloadavg(),
        "results": results,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "import.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    log("")
    log(f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; seconds are wall clock (CPU)")
    log(f"{'format':<6} {'dry run s':>14} {'import s':>14} {'raw insert s':>14} {'import/raw':>11}  counts")
    raw_text = f"{summary['raw_insert_seconds']} ({summary['raw_insert_cpu_seconds']})"
    for r in results:
        log(
            f"{r['format']:<6} {r['dry_run_seconds']:>6} ({r['dry_run_cpu_seconds']:>5}) "
            f"{r['import_seconds']:>6} ({r['import_cpu_seconds']:>5}) {raw_text:>14} "
            f"{r['ratio_import_to_raw_insert']:>10}x  {r['import_counts']}"
        )
        log(f"       phases (dry run) {r['dry_run_phases']}  (import) {r['import_phases']}  written {r['written']}")
    log(f"reader: {reader}; results in {OUT_DIR / 'import.json'}")
    shutil.rmtree(MEDIA, ignore_errors=True)
    SEED_DB.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
