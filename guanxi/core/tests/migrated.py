"""A migrated database once per test run, copied wherever the suite needs a new one (issue 13: CI time).

`migrate` on an empty database costs ~50 CPU-seconds (Django re-renders the model states for every operation of
the ~140 migrations), and one CI run needed it about 13 times: each xdist worker's test database, each test that
starts `guanxi` processes on a database of its own, the load test's database. Now the first process that needs a
migrated database runs the real `migrate` once into a template, under a file lock; every other copies it:

- SQLite: a file under var/test-templates/, copied with SQLite's backup API (also into a worker's in-memory test
  database) or as a file;
- PostgreSQL: a database `<suite database>_tpl_<key>` on the suite's server, cloned with CREATE DATABASE … TEMPLATE.

The copies then still run `migrate` (nothing left to apply; its post_migrate seeding runs as on every start). The
template's key hashes the Django version and the code `migrate` runs (the migrations, the settings, what post_migrate
seeds from, and what these import: `_template_sources`), so a changed migration, model or seeding declaration builds a
new template and an edit to a view does not; the older templates of the same database are dropped.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "var" / "test-templates"


@cache
def template_key() -> str:
    """A hash of what decides a migrated database's content: Django's version and the code `migrate` runs."""
    import django

    digest = hashlib.sha256(f"{django.__version__} {sys.version_info[:2]} {sqlite3.sqlite_version}".encode())
    for path in _template_sources():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


# What post_migrate seeds from (dictionaries, default approval rules): seeding only adds what is missing, so a
# template seeded by older declarations would keep their old rows.
_SEEDED_DECLARATIONS = re.compile(rb"DefaultDictionaries\(|DictionarySpec\(|DefaultApprovalRules\(")


def _template_sources() -> list[Path]:
    """The files whose code decides a migrated database: every migration, the settings, the modules declaring what
    post_migrate seeds, and every guanxi module these import, followed through their import statements (guanxi
    imports no module by a computed name). An edit to a view, an API module or a test keeps the template; an edit
    to a migration, a model or a function a migration or the seeding calls builds a new one."""
    package = ROOT / "guanxi"
    code = [path for path in package.rglob("*.py") if "tests" not in path.relative_to(package).parts]
    todo = [
        *(path for path in code if "migrations" in path.parts or path.parent == package / "settings"),
        *(path for path in code if _SEEDED_DECLARATIONS.search(path.read_bytes())),
    ]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or "tests" in path.relative_to(package).parts:
            continue
        seen.add(path)
        todo.extend(_imported_files(path))
    return sorted(seen)


def _imported_files(path: Path) -> Iterator[Path]:
    """The guanxi files that `path`'s import statements (anywhere in it, functions included) name."""
    own_package = path.parent.relative_to(ROOT).parts
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(own_package[: len(own_package) - node.level + 1]) if node.level else []
            base += node.module.split(".") if node.module else []
            names = [base, *(base + [alias.name] for alias in node.names)]
        else:
            continue
        for parts in names:
            for end in range(2, len(parts) + 1):  # guanxi.a.b: guanxi/a/__init__.py, then guanxi/a/b(.py)
                if parts[0] != "guanxi":
                    break
                module = ROOT.joinpath(*parts[:end])
                for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                    if candidate.is_file():
                        yield candidate


@contextmanager
def _locked(name: str) -> Iterator[None]:
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    with open(TEMPLATES / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate(database_url: str) -> None:
    """The real `migrate`, in a process of its own (the caller's connections stay on their databases)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE") or "guanxi.settings.test",
        "GUANXI_DATABASE_URL": database_url,
    }
    subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )


# --- SQLite ----------------------------------------------------------------------------------------------------------


def sqlite_template() -> Path:
    """The migrated SQLite file of this code (built on first use; journal mode DELETE, so it is one file)."""
    path = TEMPLATES / f"sqlite-{template_key()}.sqlite3"
    if path.exists():
        return path
    with _locked("sqlite"):
        if path.exists():
            return path
        building = path.with_suffix(".building")
        for leftover in TEMPLATES.glob(f"{building.name}*"):
            leftover.unlink()
        _migrate(f"sqlite:///{building}")
        with sqlite3.connect(building) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        os.replace(building, path)
        for old in TEMPLATES.glob("sqlite-*.sqlite3"):
            if old != path:
                old.unlink(missing_ok=True)
    return path


def sqlite_copy(target: Any) -> None:
    """Fill the SQLite database `target` (a path, or an open sqlite3 connection) with the migrated template."""
    source = sqlite3.connect(f"file:{sqlite_template()}?mode=ro", uri=True)
    try:
        if isinstance(target, sqlite3.Connection):
            source.backup(target)
            return
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()


# --- PostgreSQL ------------------------------------------------------------------------------------------------------


def _server(settings_dict: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or "postgres",
        "password": settings_dict.get("PASSWORD") or "",
    }


def _url(settings_dict: dict[str, Any], dbname: str) -> str:
    login = _server(settings_dict)
    auth = f"{login['user']}:{login['password']}" if login["password"] else login["user"]
    url = f"postgres://{auth}@{login['host']}:{login['port']}/{dbname}"
    configured = os.environ.get("GUANXI_DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):  # keep its query (sslmode, …)
        url = urlunsplit(urlsplit(configured)._replace(path=f"/{dbname}"))
    return url


_postgres_templates: dict[tuple[Any, ...], str] = {}  # server -> template, once the test databases use one


def postgres_template(settings_dict: dict[str, Any]) -> str:
    """The name of the migrated template database of this code on the server of `settings_dict` (built on first
    use, named after the database `settings_dict` names; within a test run, the one the test databases came from)."""
    login = _server(settings_dict)
    server = tuple(login.values())
    if server not in _postgres_templates:
        _postgres_templates[server] = _postgres_template_build(settings_dict["NAME"], settings_dict, login)
    return _postgres_templates[server]


def _postgres_template_build(base: str, settings_dict: dict[str, Any], login: dict[str, Any]) -> str:
    import psycopg

    name = f"{base}_tpl_{template_key()}"

    def exists(admin: Any, dbname: str) -> bool:
        return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone())

    with psycopg.connect(dbname="postgres", autocommit=True, **login) as admin:
        if exists(admin, name):
            return name
    with _locked(f"postgres-{base}"):
        with psycopg.connect(dbname="postgres", autocommit=True, **login) as admin:
            if exists(admin, name):
                return name
            building = f"{name}_building"
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{building}"')
        _migrate(_url(settings_dict, building))
        with psycopg.connect(dbname="postgres", autocommit=True, **login) as admin:
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            old = admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname NOT LIKE %s AND datname <> %s",
                (f"{base}\\_tpl\\_%", "%\\_building", name),
            ).fetchall()
            for (dbname,) in old:
                with suppress(psycopg.Error):  # another run copies it right now: the next build drops it
                    admin.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
    return name


def postgres_create(settings_dict: dict[str, Any], dbname: str) -> str:
    """Create the database `dbname` as a copy of the migrated template; returns its URL."""
    import psycopg

    template = postgres_template(settings_dict)
    with psycopg.connect(dbname="postgres", autocommit=True, **_server(settings_dict)) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"')
    return _url(settings_dict, dbname)


# --- the suite's test databases (pytest-django) --------------------------------------------------------------------

_in_memory: list[sqlite3.Connection] = []  # keeps each worker's in-memory test database alive


def use_for_test_databases() -> None:
    """Make Django's test database creation start from the template: PostgreSQL clones it (TEST TEMPLATE);
    SQLite's in-memory database is filled with it right after creation. Django's `migrate` then has nothing left to
    apply. Call before the test databases are set up."""
    from django.db import connections

    for connection in connections.all(initialized_only=False):
        settings_dict = connection.settings_dict
        if connection.vendor == "postgresql":
            settings_dict.setdefault("TEST", {})["TEMPLATE"] = postgres_template(settings_dict)
        elif connection.vendor == "sqlite":
            creation = connection.creation
            create = creation._create_test_db

            def create_from_template(
                verbosity: int,
                autoclobber: bool,
                keepdb: bool = False,
                _create: Any = create,
                _creation: Any = creation,
            ) -> Any:
                name = _create(verbosity, autoclobber, keepdb)
                if _creation.is_in_memory_db(name):
                    memory = sqlite3.connect(name, uri=True)
                    _in_memory.append(memory)
                    sqlite_copy(memory)
                elif not (keepdb and Path(name).exists()):  # --reuse-db keeps a migrated file
                    sqlite_copy(name)
                return name

            creation._create_test_db = create_from_template  # type: ignore[method-assign]


def main() -> None:
    """`python -m guanxi.core.tests.migrated`: build the template of the configured database now (SQLite, or the
    server GUANXI_DATABASE_URL names), e.g. on the core that lint leaves idle (`make test`, .ci/run)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings.test")
    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        print(postgres_template(connection.settings_dict))  # noqa: T201
    else:
        print(sqlite_template())  # noqa: T201


if __name__ == "__main__":
    main()
