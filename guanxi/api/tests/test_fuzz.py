"""The fuzz run (fuzzing.py) over the first half of the API's operations."""

from __future__ import annotations

from typing import Any

from django.core.handlers.wsgi import WSGIHandler

from guanxi.api.tests.fuzzing import call_and_validate, half, operation_settings


@half(0).parametrize()
@operation_settings
def test_no_server_error_and_every_answer_as_documented(case: Any, wsgi_app: WSGIHandler, admin_headers: dict) -> None:
    # given an administrator's token, when the generated request is sent, then the API neither fails with a
    # 5xx nor answers anything its OpenAPI document does not describe
    call_and_validate(case, wsgi_app, admin_headers)
