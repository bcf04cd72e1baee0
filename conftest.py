"""Shared fixtures: one per concept (roles, the org chart, people in roles, a real SMTP server, a real IMAP server)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from guanxi.org.tests.factories import DepartmentFactory, PartnerOrganisationFactory, UserFactory

# pytest-django's ways into the suite's database. A test that asks for none of them (nor carries the django_db or
# suite_database marker) cannot reach it: pytest-django refuses every query it makes.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def _uses_suite_database(item: Any) -> bool:
    if item.get_closest_marker("django_db") or item.get_closest_marker("suite_database"):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def _run_once(item: Any) -> bool:
    """Whether a test gives the SQLite run's answer on any database: it touches none (pure functions, hypothesis over
    parsers, `guanxi run` on a SQLite file of its own), or it drives the interface in a real browser (scripts,
    layout, a phone's width), whose server side the test client runs on every database (tests/authz renders every
    page for every role; each app's view and API tests)."""
    in_browser = item.get_closest_marker("browser") is not None or "browser" in getattr(item, "fixturenames", ())
    return not _uses_suite_database(item) or in_browser


def _run_databaseless_tests_once(config: Any, items: list[Any]) -> None:
    """On PostgreSQL, deselect the tests that need no second run (_run_once): `.ci/run` has just run them on SQLite.
    GUANXI_TEST_ONCE=off runs them here too."""
    import os

    from django.db import connection

    if connection.vendor == "sqlite" or os.environ.get("GUANXI_TEST_ONCE") == "off":
        return
    deselected = [item for item in items if _run_once(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not _run_once(item)]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Under xdist (`make test`: `--dist loadfile --no-loadscope-reorder`), hand out the files that start real
    processes or crawl the whole interface (marked `slow`) first, then the rest by number of tests, most first (what
    xdist's own reordering does). Its reordering put a slow one-test file such as the crawl last, where it ran alone
    while the other worker had nothing left. The order of tests within a file does not change."""
    import os
    from collections import Counter

    _run_databaseless_tests_once(config, items)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    paths = [item.nodeid.split("::")[0] for item in items]
    counts = Counter(paths)
    first = {path: index for index, path in reversed(list(enumerate(paths)))}
    slow = {path for path, item in zip(paths, items, strict=True) if item.get_closest_marker("slow")}
    rank = {path: (path not in slow, -counts[path], first[path]) for path in counts}
    # stable: a file's tests stay in their order (pytest-django's: transactional ones after the others)
    order = sorted(range(len(items)), key=lambda i: (rank[paths[i]], i))
    items[:] = [items[i] for i in order]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request: Any, django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Each worker's test database starts as a copy of one migrated template per run and database vendor
    (guanxi/core/tests/migrated.py): `migrate` runs once, not once per worker. GUANXI_TEST_TEMPLATE=off migrates
    each test database itself, as Django does."""
    import os

    if request.config.getvalue("nomigrations") or os.environ.get("GUANXI_TEST_TEMPLATE") == "off":
        return
    from guanxi.core.tests.migrated import use_for_test_databases

    use_for_test_databases()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the settings' language: a request as a Chinese-speaking user activates zh-hans for
    the rest of the thread, which would otherwise leak into the next test on the same worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _today_per_test(request: Any) -> None:
    """A module that sets ``TODAY_FOLLOWS_THE_CLOCK = True`` gets its ``TODAY`` set to the local date before each
    test, not once at import: a run that crosses midnight (Asia/Shanghai's is 16:00 UTC) would otherwise compare
    the day the module was imported with the services' today."""
    module = request.module
    if getattr(module, "TODAY_FOLLOWS_THE_CLOCK", False):
        from django.utils import timezone

        module.TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _warm_dictionaries(request: Any, django_db_blocker: Any) -> Iterator[None]:
    """Each test starts with the dictionaries read (core.dictionaries.cache), as in a running process, so query
    counts do not depend on test order; after a test that changed one (and rolled back), the copies are dropped."""
    from guanxi.core.custom_fields import definitions as custom_fields
    from guanxi.core.dictionaries import cache

    # One process: every change drops the copy at once, so no test needs the 30 seconds' expiry, and a slow test
    # (a loaded machine) must not see a reload in the middle of a query count.
    custom_fields.MAX_AGE = float("inf")
    cache.MAX_AGE = float("inf")
    if cache.changed:
        cache.drop_local_copies()
    if custom_fields.changed:
        custom_fields.drop_local_copy()
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            cache.preload()
            custom_fields.preload()
    yield
    if cache.changed:
        cache.drop_local_copies()
    if custom_fields.changed:
        custom_fields.drop_local_copy()


def _reseed_after_flush(sender: Any, **kwargs: Any) -> None:
    """Put back what migrations seed (positions, default approval rules, the default pipeline, SLA targets) after a
    transactional test's flush emptied every table, so the next test on the worker finds the database as
    `migrate` leaves it."""
    import importlib

    from django.apps import apps

    from guanxi.approvals.defaults import ensure_defaults
    from guanxi.core.dictionaries.seeding import seed_registered
    from guanxi.sales.models import Pipeline
    from guanxi.service.models import SlaTarget

    ensure_defaults()  # the default approval rules every app registers, with their positions
    seed_registered()  # every app's dictionaries (数据字典)
    if not Pipeline.objects.exists():
        importlib.import_module("guanxi.sales.migrations.0004_opportunity_pipelines").seed_default_pipeline(apps, None)
    if not SlaTarget.objects.exists():  # the service desk's default SLA targets
        importlib.import_module("guanxi.service.migrations.0003_sla").seed_targets(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _seeds_survive_flush() -> Iterator[None]:
    """Every flush (the end of each transactional test, `flush` in a test) sends post_migrate once per app; the
    last installed app's signal re-seeds."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    last_app = list(apps.get_app_configs())[-1]
    post_migrate.connect(_reseed_after_flush, sender=last_app, dispatch_uid="guanxi_tests_reseed")
    yield
    post_migrate.disconnect(dispatch_uid="guanxi_tests_reseed", sender=last_app)


@pytest.fixture
def default_roles(db: Any) -> None:
    from guanxi.org.services import roles_ensure_defaults

    roles_ensure_defaults()


@pytest.fixture
def api_token_for(db: Any) -> Any:
    """`api_token_for(user, read_only=False)` gives the secret of a new API token of that user (org's tokens), so
    tests below org can call the API with a bearer token without importing org."""
    from guanxi.org.services import api_token_create

    def make(user: Any, *, read_only: bool = False, name: str = "test") -> str:
        _token, secret = api_token_create(actor=user, name=name, read_only=read_only)
        return secret

    return make


@dataclass
class OrgChart:
    """Headquarters with two sales departments (east has a team under it) and one agent."""

    hq: Any
    east: Any
    east_team: Any
    west: Any
    agent: Any
    people: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.people[key]


# Each person of the `org` chart's role (`nobody` has none).
ORG_CHART_ROLES = {
    "admin": "administrator",
    "east_manager": "department_manager",
    "east_rep": "sales_rep",
    "east_rep2": "sales_rep",
    "team_rep": "sales_rep",
    "east_assistant": "department_assistant",
    "west_manager": "department_manager",
    "west_rep": "sales_rep",
    "executive": "executive",
    "agent_rep": "channel_rep",
}


def names_apart(names: dict[str, str]) -> dict[str, str]:
    """New names for the people (by key, in order) whose name is, holds, or is held in an earlier person's: the
    factory's random Chinese names may coincide (王柳 twice) or nest (王柳 in 王柳明), and tests tell people apart by
    `name in page`. Each is renamed after his key; the closing bracket keeps 员工（east_rep）out of
    员工（east_rep2）."""
    kept: list[str] = []
    renamed: dict[str, str] = {}
    for key, name in names.items():
        if any(name in other or other in name for other in kept):
            name = renamed[key] = f"员工（{key}）"
        kept.append(name)
    return renamed


@pytest.fixture
def org(default_roles: None) -> OrgChart:
    from guanxi.org.models import Department, Role, User

    hq = DepartmentFactory(name="总部", kind=Department.Kind.HEADQUARTERS)
    east = DepartmentFactory(name="华东销售部", parent=hq)
    east_team = DepartmentFactory(name="华东一组", parent=east, kind=Department.Kind.TEAM)
    west = DepartmentFactory(name="华西销售部", parent=hq)
    agent = PartnerOrganisationFactory(name="上海某代理商")
    chart = OrgChart(hq=hq, east=east, east_team=east_team, west=west, agent=agent)
    p = chart.people
    p["admin"] = UserFactory(username="admin", department=hq)
    p["east_manager"] = UserFactory(username="east_manager", department=east)
    p["east_rep"] = UserFactory(username="east_rep", department=east, manager=p["east_manager"])
    p["east_rep2"] = UserFactory(username="east_rep2", department=east, manager=p["east_manager"])
    p["team_rep"] = UserFactory(username="team_rep", department=east_team, manager=p["east_manager"])
    p["east_assistant"] = UserFactory(username="east_assistant", department=east)
    p["west_manager"] = UserFactory(username="west_manager", department=west)
    p["west_rep"] = UserFactory(username="west_rep", department=west, manager=p["west_manager"])
    p["executive"] = UserFactory(username="executive", department=hq)
    p["agent_rep"] = UserFactory(username="agent_rep", department=east, partner_org=agent)
    p["nobody"] = UserFactory(username="nobody", department=east)
    # Everyone's roles in one INSERT, in the people's order: the rows UserFactory's roles=[…] writes with a lookup,
    # a savepoint and a read per person. No m2m_changed is sent: its one receiver, the analytics figure cache, does
    # nothing while that cache is off, and the tests that turn it on do so after `org` is built.
    role = {row.code: row for row in Role.objects.all()}
    User.roles.through.objects.bulk_create(
        User.roles.through(user=p[username], role=role[code]) for username, code in ORG_CHART_ROLES.items()
    )
    for key, name in names_apart({key: person.name for key, person in p.items()}).items():
        p[key].name = name
        User.objects.filter(pk=p[key].pk).update(name=name)
    east.manager = p["east_manager"]
    east.save(update_fields=["manager"])
    west.manager = p["west_manager"]
    west.save(update_fields=["manager"])
    return chart


@dataclass
class SmtpInbox:
    host: str
    port: int
    messages: list[Any] = field(default_factory=list)
    # address -> SMTP reply to its RCPT TO (e.g. "550 5.1.1 User unknown"): the server refuses that recipient
    refuse: dict[str, str] = field(default_factory=dict)
    senders: list[str] = field(default_factory=list)  # each message's envelope sender (MAIL FROM), in order


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpInbox]:
    """A real SMTP server on loopback (aiosmtpd); Django's SMTP backend delivers to it."""
    from email import message_from_bytes
    from email.policy import default as default_policy

    from aiosmtpd.controller import Controller

    inbox = SmtpInbox(host="127.0.0.1", port=_free_port())

    class Handler:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
            if address.lower() in inbox.refuse:
                return inbox.refuse[address.lower()]
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            inbox.messages.append(message_from_bytes(envelope.content, policy=default_policy))
            inbox.senders.append(envelope.mail_from)
            return "250 OK"

    controller = Controller(Handler(), hostname=inbox.host, port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = inbox.host
    settings.EMAIL_PORT = inbox.port
    settings.GUANXI_EMAIL_ENABLED = True
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def imap_server() -> Iterator[Any]:
    """A real IMAP server on loopback (Debian's dovecot, `make mail-deps`), one per session and worker; each test
    takes its own account with `imap_server.add_user()` and delivers with `imap_server.deliver(account, raw)`."""
    from guanxi.core.tests.dovecot import DovecotServer

    server = DovecotServer()
    try:
        yield server
    finally:
        server.stop()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (`make test` installs chromium and CJK fonts)."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or CHROMIUM
    if not os.path.exists(executable):
        pytest.fail("Chromium is missing: run `make browser-deps` (apt-get install chromium fonts-wqy-microhei)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    """A fresh browser tab; on failure a screenshot lands in test-artifacts/."""
    import pathlib

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.base_url = live_server.url
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        out = pathlib.Path("test-artifacts")
        out.mkdir(exist_ok=True)
        tab.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def execs(org: Any) -> dict[str, Any]:
    """Executives in the seeded positions at headquarters (the president manages it), finance, the east
    department's business manager and an implementation engineer."""
    from guanxi.org.models import Position

    positions = {p.code: p for p in Position.objects.all()}

    def person(username: str, position: str | None = None, **kwargs: Any) -> Any:
        return UserFactory(
            username=username,
            department=kwargs.pop("department", org.hq),
            position=positions[position] if position else None,
            **kwargs,
        )

    people = {
        "president": person("president", "president", roles=["executive"]),
        "vp": person("vp", "vice_president", roles=["executive"]),
        "assistant": person("assistant", "president_assistant", roles=["executive"]),
        "rd_vp": person("rd_vp", "rd_vp", roles=["executive"]),
        "impl_vp": person("impl_vp", "implementation_vp", roles=["executive"]),
        "smm": person("smm", "sales_management_manager", roles=["sales_management"]),
        "finance": person("finance", roles=["finance"]),
        "east_bm": person("east_bm", department=org.east, roles=["business_manager"]),
        "engineer": person("engineer", roles=["implementation"]),
    }
    org.hq.manager = people["president"]
    org.hq.save(update_fields=["manager"])
    return people


@dataclass
class RaceServer:
    """A live server for "only one may win" tests: every request runs in its own thread on its own database
    connection, as under a real multi-threaded server."""

    url: str

    def fire(self, requests: list[Any], *, timeout: float = 60) -> list[tuple[int, bytes]]:
        """Send all `urllib.request.Request`s at the same moment (a barrier releases them together);
        returns (status, body) per request, in order."""
        import threading
        import urllib.error
        import urllib.request
        from concurrent.futures import ThreadPoolExecutor

        start = threading.Barrier(len(requests))

        def send(req: Any) -> tuple[int, bytes]:
            start.wait()
            try:
                with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 (our own loopback server)
                    return response.status, response.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(send, requests))


def _sqlite_moved_to_file(connection: Any, path: Any) -> Any:
    """Move the in-memory SQLite test database to a file for the rest of the test; returns the undo.

    An in-memory database can only be shared by handing every server thread the test's own connection
    (what Django's live server does), which serialises all requests and hides races. On a file, each
    request thread opens its own connection with the settings' WAL mode, busy timeout and IMMEDIATE
    transactions, exactly as in production."""
    import sqlite3

    connection.ensure_connection()
    memory = connection.connection
    target = sqlite3.connect(path)
    memory.backup(target)
    target.close()
    name = connection.settings_dict["NAME"]
    connection.connection = None  # `memory` keeps the in-memory database alive meanwhile
    connection.settings_dict["NAME"] = str(path)

    def undo() -> None:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory

    return undo


@pytest.fixture
def race_server(transactional_db: Any, settings: Any, tmp_path: Any) -> Iterator[RaceServer]:
    """A live server without a shared connection (see RaceServer). Request it FIRST in a test's arguments
    (before `org` and other data), so on SQLite the data is written to the file the server reads."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class Server(ThreadedWSGIServer):
        request_queue_size = 128  # all writers connect at once; Django's 10 would reset some connections

    class Thread(LiveServerThread):
        server_class = Server

    undo = None
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        undo = _sqlite_moved_to_file(connection, tmp_path / "race.sqlite3")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    server = Thread("127.0.0.1", lambda app: app)  # no connections_override: one connection per request
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield RaceServer(url=f"http://127.0.0.1:{server.port}")
    finally:
        server.terminate()
        if undo is not None:
            undo()


@pytest.fixture
def admin_web(org: Any) -> Any:
    """A browser signed in as the administrator of the `org` chart."""
    from django.test import Client

    c = Client()
    c.force_login(org["admin"])
    return c
