"""The whole API keeps its contract on bad input: what the fuzz run (fuzzing.py) found, pinned down one by one —
a clear 4xx in the error envelope, never a 500, and every answer as the OpenAPI document describes it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from django.test import Client
from ninja import Schema

from guanxi.api.main import api
from guanxi.customers.models import Customer
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db

TOO_BIG_ID = 2**63  # one more than the largest 64-bit id


def admin_client(org: Any) -> Client:
    _token, secret = api_token_create(actor=org["admin"], name="contract")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@cache
def documented() -> dict[str, Any]:
    """The API's OpenAPI document, built once for this module (about 5 CPU-seconds a build): these tests read its
    paths, responses and schema names, which no test's data changes."""
    return api.get_openapi_schema(path_prefix="/api/v1")


def error_of(response: Any, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_every_schema_name_in_the_openapi_document_means_one_schema():
    # given every schema class the API's modules define (the OpenAPI document names its components by class name)
    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    by_name: dict[str, dict[str, Any]] = {}
    clashes = []
    for model in subclasses(Schema):
        if not model.__module__.startswith("guanxi.") or ".tests." in model.__module__:
            continue
        # then two classes share a name only if they are the same schema (else one silently documents the other)
        shape = model.model_json_schema()
        seen = by_name.setdefault(model.__name__, shape)
        if seen != shape:
            clashes.append(f"{model.__module__}.{model.__name__}")
    assert clashes == []


@pytest.mark.parametrize(
    ("url", "documented_as"),
    [
        ("/api/v1/imports", "/api/v1/imports"),
        ("/api/v1/opportunities/1/documents", "/api/v1/opportunities/{opportunity_id}/documents"),
        ("/api/v1/expense-claims/1/lines/1/receipt", "/api/v1/expense-claims/{claim_id}/lines/{position}/receipt"),
    ],
)
def test_upload_without_a_multipart_boundary_is_a_documented_400_not_a_500(org, url, documented_as):
    # when an endpoint that takes a file gets a request that says multipart but gives no boundary
    response = admin_client(org).post(url, data=b"file=x", content_type="multipart/form-data")
    # then the client is told what is wrong with the body, in the envelope, with a status the document lists
    error = error_of(response, 400)
    assert error["code"] == "validation_error" and "multipart/form-data" in error["fields"]["body"][0]
    assert 400 in documented()["paths"][documented_as]["post"]["responses"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/pool/claim", {"ids": [TOO_BIG_ID]}, "ids"),
        ("/api/v1/pool/assign", {"ids": [1], "owner_id": TOO_BIG_ID}, "owner_id"),
        ("/api/v1/pool/assign", {"ids": [TOO_BIG_ID], "owner_id": 1}, "ids"),
        (
            "/api/v1/approval-rules",
            {
                "kind": "quote",
                "name": "大额报价",
                "steps": [{"label": "指定审批人", "approver_type": "users", "users": [TOO_BIG_ID]}],
            },
            "steps",
        ),
    ],
)
def test_ids_beyond_64_bits_are_a_field_error_not_a_500(org, path, body, field):
    # when an id no database row can have is sent, then it is a validation error naming that field only
    response = admin_client(org).post(path, data=json.dumps(body), content_type="application/json")
    error = error_of(response, 422)
    assert error["code"] == "validation_error" and set(error["fields"]) == {field}


def test_ageing_as_of_the_year_one_is_a_field_error_not_a_500(org):
    # when the receivables are aged as of 0001-01-01 (90 days before it is off the calendar)
    response = admin_client(org).get("/api/v1/receivables/ageing?as_of=0001-01-01")
    # then the day is refused by name
    assert "as_of" in error_of(response, 422)["fields"]


def test_malformed_json_on_mark_read_is_a_documented_400(org):
    # when the notifications' mark-read gets a body that is not JSON
    response = admin_client(org).post("/api/v1/notifications/mark-read", data=b"{", content_type="application/json")
    # then it answers 400, a status its OpenAPI entry lists
    assert error_of(response, 400)["code"] == "validation_error"
    operation = documented()["paths"]["/api/v1/notifications/mark-read"]["post"]
    assert 400 in operation["responses"]


def test_a_nul_character_in_a_query_filter_is_not_a_500(org):
    # when the approval rules are filtered by a kind holding a NUL character (PostgreSQL refuses it in any string)
    response = admin_client(org).get("/api/v1/approval-rules", {"kind": "quote\x00"})
    # then it is dropped like elsewhere: the quote rules are listed, no server error
    assert response.status_code == 200, response.content
    assert {rule["kind"] for rule in response.json()} <= {"quote"}


def test_dedupe_rules_are_documented_with_their_own_schema():
    # the duplicate rules' answer is documented as kind/action/similarity, not as an approval rule
    schema = documented()
    answer = schema["paths"]["/api/v1/dedupe/rules"]["get"]["responses"][200]["content"]["application/json"]
    ref = answer["schema"]["items"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"kind", "action", "similarity"}


def test_text_fields_are_trimmed_like_the_forms_do(org):
    # given a client that sends a customer's name with spaces around it, and another with only spaces
    client = admin_client(org)
    body = {"kind": "company", "name": "  杭州留白科技有限公司 \t", "remarks": "  备注  "}
    # when both are created
    created = client.post("/api/v1/customers", data=json.dumps(body), content_type="application/json")
    blank = client.post(
        "/api/v1/customers", data=json.dumps({"kind": "company", "name": "   "}), content_type="application/json"
    )
    # then the first is stored trimmed, and the second is refused as blank, naming the field
    assert created.status_code == 201, created.content
    customer = Customer.objects.get(pk=created.json()["id"])
    assert (customer.name, customer.remarks) == ("杭州留白科技有限公司", "备注")
    assert "name" in error_of(blank, 422)["fields"]
    assert not Customer.objects.filter(name="").exists()


def test_times_are_stored_in_utc_whatever_offset_they_carry(org):
    # given a task due at 20:52 at an offset of -18:36 (valid ISO 8601; PostgreSQL refuses such offsets)
    client = admin_client(org)
    body = {"title": "回访华信", "due_at": "2026-05-27T20:52:23-18:36"}
    # when it is created, and another one due in the first hours of year 1 at +05:00 (before the calendar starts)
    created = client.post("/api/v1/tasks", data=json.dumps(body), content_type="application/json")
    too_early = client.post(
        "/api/v1/tasks",
        data=json.dumps({"title": "太早", "due_at": "0001-01-01T01:00:00+05:00"}),
        content_type="application/json",
    )
    # then the first is stored as the same moment in UTC, and the second is refused by name
    assert created.status_code == 201, created.content
    assert created.json()["due_at"].startswith("2026-05-28T15:28:23")
    assert "due_at" in error_of(too_early, 422)["fields"]


def _operations_on_one_record() -> list[tuple[str, str, dict[str, Any]]]:
    """Every GET of the document whose path names records by integer id and that needs nothing else (the shape a
    new router adds most)."""
    schema = documented()
    found = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        parameters = [p for p in (operation or {}).get("parameters", []) if p["in"] == "path"]
        required_query = [
            p for p in (operation or {}).get("parameters", []) if p["in"] == "query" and p.get("required")
        ]
        if parameters and not required_query and all(p["schema"].get("type") == "integer" for p in parameters):
            found.append((path, operation["operationId"], operation))
    return found


def test_a_record_that_does_not_exist_is_a_documented_404(org):
    # one client for every operation (a test each would set the company up fifty times)
    client = admin_client(org)
    operations = _operations_on_one_record()
    wrong = []
    for path, _id, operation in operations:
        # when an administrator reads a record by an id no row has (every path id replaced by it)
        url = path
        for parameter in operation["parameters"]:
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", "2147483000")
        response = client.get(url)
        # then the answer is a 404 in the envelope, and the document lists it for that operation (a router that
        # forgets `404` in its responses fails here at once, not in a later fuzz run)
        if response.status_code != 404 or response.json()["error"]["code"] != "not_found":
            wrong.append(f"{url}: {response.status_code} {response.content[:120]!r}")
        elif 404 not in operation["responses"]:
            wrong.append(f"{path}: 404 is not documented")
    assert len(operations) > 40 and wrong == []
