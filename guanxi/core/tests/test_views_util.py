"""`service_action`: a button's service runs once; its message or its error reaches a page, htmx or JSON caller."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from guanxi.core.errors import (
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationFailed,
)
from guanxi.core.views_util import announce_changes, error_text, service_action, stale_message


class Row:
    version = 4


def _post(data: dict[str, str] | None = None, **headers: str) -> HttpRequest:
    request = RequestFactory().post("/x/", data or {}, headers=headers)
    request.__dict__["_messages"] = CookieStorage(request)  # what MessageMiddleware sets
    return request


def _texts(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def _refuse(exc: Exception) -> Any:
    def run() -> Any:
        raise exc

    return run


def test_a_page_post_gets_the_message_and_goes_back() -> None:
    request = _post()
    response = service_action(request, lambda: Row(), "Saved.", "/rows/1/")
    assert response.status_code == 302 and response["Location"] == "/rows/1/"
    assert _texts(request) == [("success", "Saved.")]


def test_next_is_followed_only_within_the_site() -> None:
    request = _post({"next": "/rows/?page=2"})
    assert service_action(request, lambda: None, "Saved.", "/rows/1/")["Location"] == "/rows/?page=2"
    request = _post({"next": "https://evil.example/"})
    assert service_action(request, lambda: None, "Saved.", "/rows/1/")["Location"] == "/rows/1/"


def test_a_refusal_becomes_one_message_with_its_field_messages() -> None:
    request = _post()
    exc = ValidationFailed("Check the amount.", fields={"amount": ["Enter a number.", "Check the amount."]})
    response = service_action(request, _refuse(exc), "Saved.", "/rows/1/")
    assert response.status_code == 302
    assert _texts(request) == [("error", "Check the amount. Enter a number.")]


def test_a_stale_version_reads_as_such() -> None:
    assert error_text(PreconditionFailedError("stale")) == stale_message()


@pytest.mark.parametrize("exc", [PermissionDeniedError("no"), NotFoundError("gone")])
def test_forbidden_and_missing_rows_still_answer_403_and_404(exc: Exception) -> None:
    with pytest.raises(type(exc)):
        service_action(_post(), _refuse(exc), "Saved.", "/rows/1/")


def test_htmx_gets_the_fragment_or_a_redirect_to_the_page() -> None:
    request = _post(HX_Request="true")
    response = service_action(
        request, lambda: Row(), "Saved.", "/rows/1/", fragment=lambda row: HttpResponse(f"v{row.version}")
    )
    assert response.content == b"v4" and not _texts(request)
    request = _post(HX_Request="true")
    response = service_action(request, _refuse(InvalidStateError("Locked.")), "Saved.", "/rows/1/")
    assert response.status_code == 204 and response["HX-Redirect"] == "/rows/1/"
    assert _texts(request) == [("error", "Locked.")]


def test_json_callers_get_json_even_for_403() -> None:
    response = service_action(_post(Accept="application/json"), lambda: Row(), "Moved.", "/rows/1/")
    assert json.loads(response.content) == {"ok": True, "message": "Moved.", "version": 4}
    response = service_action(_post(Accept="application/json"), _refuse(PermissionDeniedError("No.")), "", "/")
    body = json.loads(response.content)
    assert response.status_code == 403 and body["ok"] is False and body["message"] == "No."


def test_an_htmx_answer_announces_what_the_service_changed() -> None:
    # given an htmx button whose service changes tasks
    request = _post(HX_Request="true")
    response = service_action(
        request, lambda: Row(), "Saved.", "/rows/1/", fragment=lambda row: HttpResponse("ok"), changed=["tasks"]
    )
    # then the fragment carries the one page event with the names of what changed
    assert json.loads(response["HX-Trigger"]) == {"gx:changed": {"names": ["tasks"]}}
    # and a refusal announces nothing (the page is sent back instead)
    refused = service_action(
        _post(HX_Request="true"), _refuse(InvalidStateError("no")), "Saved.", "/rows/1/", changed=["tasks"]
    )
    assert "HX-Trigger" not in refused


def test_announcing_keeps_the_events_a_response_already_triggers() -> None:
    response = HttpResponse()
    response["HX-Trigger"] = "closeModal"
    announce_changes(response, ["notifications", "tasks"])
    announce_changes(response, ["tasks", "approvals"])
    assert json.loads(response["HX-Trigger"]) == {
        "closeModal": None,
        "gx:changed": {"names": ["notifications", "tasks", "approvals"]},
    }
    # nothing changed: no header at all
    assert "HX-Trigger" not in announce_changes(HttpResponse(), [])
