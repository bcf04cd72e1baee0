"""The fuzz run (fuzzing.py) along chains of calls over the whole API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from hypothesis import settings

from guanxi.api.tests.fuzzing import HYPOTHESIS, schema

# One test of a minute or more: marked slow so that xdist hands this file out first (conftest.py), not last, where
# it would run alone while the other worker has nothing left.
pytestmark = pytest.mark.slow

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

    Workflow.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, **HYPOTHESIS))
