"""The schema-based fuzz run over the whole REST API (schemathesis), shared by its test files: every operation of
/api/v1/openapi.json gets generated requests — valid and invalid — as an administrator, and no answer may be a server
error or differ from what the OpenAPI document promises (issue 10 §9).

The operations are split into two halves, each in a test file of its own (test_fuzz.py, test_fuzz_second_half.py),
and the chains of calls are a third (test_fuzz_chains.py): the suite runs with `--dist loadfile`, so one file is one
worker's, and the whole fuzz run in one file kept a worker busy for minutes after the other had finished (CI time).
The document is built once per process (this module), however many of the files a worker collects.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from guanxi.api.main import api

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

HYPOTHESIS = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}
operation_settings = settings(max_examples=EXAMPLES, **HYPOTHESIS)


def half(number: int) -> Any:
    """The operations of one half (0 or 1), chosen by a checksum of "METHOD /path": the same every run, and a new
    operation falls into either half, so both stay near half of the API."""
    return schema.include(func=lambda ctx: zlib.crc32(ctx.operation.label.encode()) % 2 == number)


def call_and_validate(case: Any, wsgi_app: WSGIHandler, headers: dict[str, str]) -> None:
    """Send the generated request as that administrator; neither a 5xx nor an answer the document does not describe
    passes."""
    case.call_and_validate(
        app=wsgi_app,
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
