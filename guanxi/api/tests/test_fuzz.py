"""A bounded schema-based fuzz run over the whole REST API (schemathesis): every operation of
/api/v1/openapi.json gets generated requests — valid and invalid — as an administrator, and no answer
may be a server error or differ from what the OpenAPI document promises (issue 10 §9)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from guanxi.api.main import api
from guanxi.org.services import api_token_create
from guanxi.org.tests.factories import DepartmentFactory, UserFactory

# Examples per operation in the fuzzing phase; the run is deterministic, so it is repeatable. PostgreSQL runs
# fewer (the suite's budget); GUANXI_FUZZ_EXAMPLES overrides both, GUANXI_FUZZ_COVERAGE=1 adds schemathesis'
# coverage phase (every boundary value of every parameter: slower, for a deeper run before a release).
EXAMPLES = int(
    os.environ.get("GUANXI_FUZZ_EXAMPLES") or (10 if "postgres" in os.environ.get("GUANXI_DATABASE_URL", "") else 25)
)
COVERAGE = os.environ.get("GUANXI_FUZZ_COVERAGE", "") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "no-shrink": True},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
        "phases": {
            "examples": {"enabled": True},
            # other HTTP methods on a path are Django's 405, not worth a request each
            "coverage": {"enabled": COVERAGE, "unexpected-methods": []},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True},
        },
    }
)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"), config=CONFIG)


@pytest.fixture
def admin_headers(default_roles: None) -> dict[str, str]:
    """An administrator's API token: every operation is open to it, so the fuzzer reaches the code behind the
    permission checks."""
    admin = UserFactory(username="fuzz_admin", department=DepartmentFactory(name="总部"), roles=["administrator"])
    _token, secret = api_token_create(actor=admin, name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def wsgi_app(db: Any) -> Iterator[WSGIHandler]:
    """The project's WSGI application on the test's database transaction: like Django's test client, it
    does not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_as_documented(case: Any, wsgi_app: WSGIHandler, admin_headers: dict) -> None:
    # given an administrator's token, when the generated request is sent, then the API neither fails with a
    # 5xx nor answers anything its OpenAPI document does not describe
    case.call_and_validate(
        app=wsgi_app,
        headers=admin_headers,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )


STATEFUL_SCENARIOS = 15
STATEFUL_STEPS = 6


def test_no_server_error_along_chains_of_calls(wsgi_app: WSGIHandler, admin_headers: dict) -> None:
    # given the links schemathesis infers between operations (an id a create or list answers is used by the
    # next read, update, action or delete), when it runs short chains of calls as an administrator, then
    # no step answers a 5xx or anything the document does not describe
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        # Each chain starts from the same database: a chain that revoked the token or used up a once-an-hour
        # action would otherwise change what the next one (or hypothesis' replay of a failing one) can do.
        def setup(self) -> None:
            self._savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self._savepoint)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": wsgi_app, "headers": admin_headers}

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
