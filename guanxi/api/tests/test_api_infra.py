"""The REST API's shared machinery: authentication, the error envelope, Idempotency-Key, If-Match,
OpenAPI and the offline docs page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from guanxi.core.api import expected_version, register_exception_handlers
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog, IdempotencyRecord
from guanxi.customers.models import Customer
from guanxi.org.models import ApiToken
from guanxi.org.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

JSON = "application/json"


def token_client(user, *, read_only: bool = False) -> Client:
    _token, secret = api_token_create(actor=user, name="test", read_only=read_only)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, url: str, body: object, **headers: str):
    return client.post(url, data=json.dumps(body), content_type=JSON, headers=headers)


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# --- authentication --------------------------------------------------------------------------
def test_request_without_credentials_is_401_in_the_error_shape(org):
    # when nobody signs in
    response = Client().get("/api/v1/customers")
    # then the API answers 401 with the envelope and says how to authenticate
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_valid_token_authenticates_as_its_user(org):
    client = token_client(org["east_rep"])
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "east_rep"
    assert "customers.view" in response.json()["permissions"]


def test_revoked_token_is_401(org):
    # given a token that worked, then was revoked
    user = org["east_rep"]
    token, secret = api_token_create(actor=user, name="laptop")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/me").status_code == 200
    api_token_revoke(actor=user, token=token)
    # then it no longer authenticates
    assert_envelope(client.get("/api/v1/me"), 401, "not_authenticated")


def test_expired_token_and_closed_account_are_401(org):
    # given an expired token and a token of a closed account
    _t, expired = api_token_create(actor=org["east_rep"], name="old", expires_at=timezone.now() - dt.timedelta(days=1))
    _t, closed = api_token_create(actor=org["west_rep"], name="ok")
    org["west_rep"].is_active = False
    org["west_rep"].save(update_fields=["is_active"])
    # then neither authenticates, and a garbage token neither
    for secret in (expired, closed, "gx_not-a-real-token", "not-even-prefixed"):
        response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
        assert_envelope(response, 401, "not_authenticated")


def test_read_only_token_may_read_but_not_write(org):
    # given a read-only token
    client = token_client(org["east_rep"], read_only=True)
    before = Customer.objects.count()
    # then GET works
    assert client.get("/api/v1/customers").status_code == 200
    # and POST is refused with 403 and creates nothing
    response = post(client, "/api/v1/customers", {"name": "只读客户"})
    assert_envelope(response, 403, "permission_denied")
    assert Customer.objects.count() == before


def test_token_is_stored_hashed_never_in_clear(org):
    # when a token is created through the API
    client = token_client(org["east_rep"])
    response = post(client, "/api/v1/tokens", {"name": "script"}, **{"Idempotency-Key": "tok-1"})
    assert response.status_code == 201
    secret = response.json()["secret"]
    assert secret.startswith("gx_")
    # then only its hash is in the database: not in the token row, the audit trail or an idempotency record
    row = ApiToken.objects.get(pk=response.json()["id"])
    assert row.key_hash == ApiToken.hash_key(secret)
    assert secret not in json.dumps([str(v) for v in row.__dict__.values()])
    assert not AuditLog.objects.filter(changes__icontains=secret[3:]).exists()
    assert not IdempotencyRecord.objects.exists()
    # and the secret is never shown again
    listed = client.get("/api/v1/tokens").json()
    assert all("secret" not in t for t in listed)
    # but it works
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me").status_code == 200


def test_session_write_needs_csrf_token(org):
    # given a signed-in browser session that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["east_rep"])
    assert client.get("/api/v1/me").status_code == 200
    # when it writes without the CSRF header
    response = post(client, "/api/v1/customers", {"name": "会话客户"})
    # then it is refused and nothing is created
    assert_envelope(response, 403, "permission_denied")
    assert not Customer.objects.filter(name="会话客户").exists()
    # and with the header (token from the docs page's cookie) it works
    client.get("/api/v1/docs")
    csrf = client.cookies["csrftoken"].value
    response = post(client, "/api/v1/customers", {"name": "会话客户"}, **{"X-CSRFToken": csrf})
    assert response.status_code == 201, response.content


def test_bad_token_without_session_is_401_not_a_csrf_error(org):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": "Bearer gx_wrong"})
    assert_envelope(post(client, "/api/v1/customers", {"name": "x"}), 401, "not_authenticated")


# --- errors ----------------------------------------------------------------------------------
def test_malformed_json_is_400_naming_the_body(org):
    client = token_client(org["east_rep"])
    response = client.post("/api/v1/customers", data="{not json", content_type=JSON)
    error = assert_envelope(response, 400, "validation_error")
    assert "body" in error["fields"]


def test_unknown_api_path_is_404_in_the_error_shape(org):
    client = token_client(org["east_rep"])
    assert_envelope(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_envelope(client.get("/api/v1/customers/not-a-number"), 404, "not_found")


def test_unexpected_exception_is_500_in_the_error_shape_and_logged(caplog):
    # given an endpoint with a bug, on an API with our handlers
    api = NinjaAPI(urls_namespace="test-errors-api")
    register_exception_handlers(api)
    router = Router()

    @router.get("/boom")
    def boom(request):
        raise RuntimeError("bug")

    api.add_router("", router)
    # when it is called
    response = TestClient(api).get("/boom")
    # then the client gets the envelope (no traceback) and the log has the error
    assert_envelope(response, 500, "server_error")
    assert "bug" not in response.content.decode()
    assert any("API error" in r.message for r in caplog.records)


def test_if_match_parsing():
    assert expected_version(None) is None
    assert expected_version(None, 4) == 4
    assert expected_version('"3"') == 3
    assert expected_version('W/"3"', 9) == 3
    assert expected_version("7") == 7
    assert expected_version("*", 2) == 2
    with pytest.raises(ValidationFailed) as exc:
        expected_version('"abc"')
    assert "If-Match" in exc.value.fields


def test_malformed_if_match_is_400_naming_the_header(org):
    from guanxi.customers.tests.factories import CustomerFactory

    customer = CustomerFactory(owner=org["east_rep"])
    client = token_client(org["east_rep"])
    response = client.patch(
        f"/api/v1/customers/{customer.pk}", data='{"level": "A"}', content_type=JSON, headers={"If-Match": "yesterday"}
    )
    error = assert_envelope(response, 400, "validation_error")
    assert "If-Match" in error["fields"]
    customer.refresh_from_db()
    assert customer.level == "B"


# --- idempotency -----------------------------------------------------------------------------
def test_idempotency_key_replays_the_first_answer_and_creates_one_row(org):
    client = token_client(org["east_rep"])
    body = {"name": "幂等客户有限公司", "level": "A"}
    # when the same create is sent twice with one key
    first = post(client, "/api/v1/customers", body, **{"Idempotency-Key": "abc-123"})
    second = post(client, "/api/v1/customers", body, **{"Idempotency-Key": "abc-123"})
    # then one customer exists and the repeat got the same status and body, marked as replayed
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Customer.objects.filter(name="幂等客户有限公司").count() == 1
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_repr="幂等客户有限公司").count() == 1


def test_concurrent_repeat_that_passed_the_check_is_rolled_back_and_answered_like_the_first(org, monkeypatch):
    from guanxi.core import api as core_api
    from guanxi.customers.models import Task

    client = token_client(org["east_rep"])
    body = {"title": "并发任务", "due_at": "2030-01-01T09:00:00+08:00"}
    first = post(client, "/api/v1/tasks", body, **{"Idempotency-Key": "race"})
    assert first.status_code == 201, first.content
    # given a repeat whose up-front check ran before the first request committed
    real_check = core_api._replay_or_conflict
    calls: list[str] = []

    def check_racing(user, key, request_hash):
        calls.append(key)
        return None if len(calls) == 1 else real_check(user, key, request_hash)

    monkeypatch.setattr(core_api, "_replay_or_conflict", check_racing)
    audit_before = AuditLog.objects.count()
    second = post(client, "/api/v1/tasks", body, **{"Idempotency-Key": "race"})
    # then its work is undone (the key is unique) and it answers with the first request's result
    assert len(calls) == 2, (second.status_code, second.content)
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Task.objects.filter(title="并发任务").count() == 1
    assert AuditLog.objects.count() == audit_before


def test_idempotency_key_ignores_json_key_order(org):
    client = token_client(org["east_rep"])
    post(client, "/api/v1/customers", {"name": "顺序客户", "level": "A"}, **{"Idempotency-Key": "k"})
    response = client.post(
        "/api/v1/customers",
        data='{ "level": "A",  "name": "顺序客户" }',
        content_type=JSON,
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 201
    assert response["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="顺序客户").count() == 1


def test_same_idempotency_key_with_another_body_is_409(org):
    client = token_client(org["east_rep"])
    post(client, "/api/v1/customers", {"name": "客户甲"}, **{"Idempotency-Key": "same"})
    response = post(client, "/api/v1/customers", {"name": "客户乙"}, **{"Idempotency-Key": "same"})
    error = assert_envelope(response, 409, "conflict")
    assert "Idempotency-Key" in error["fields"]
    assert not Customer.objects.filter(name="客户乙").exists()


def test_idempotency_keys_are_per_user(org):
    # given two users who happen to pick the same key
    rep, rep2 = token_client(org["east_rep"]), token_client(org["east_rep2"])
    post(rep, "/api/v1/customers", {"name": "甲的客户"}, **{"Idempotency-Key": "1"})
    response = post(rep2, "/api/v1/customers", {"name": "乙的客户"}, **{"Idempotency-Key": "1"})
    # then the second user's request is not a conflict or a replay of the first user's
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert response.json()["name"] == "乙的客户"


def test_failed_create_is_not_stored_so_a_corrected_retry_with_the_key_works(org):
    client = token_client(org["east_rep"])
    bad = post(client, "/api/v1/customers", {"name": "x", "credit_code": "123"}, **{"Idempotency-Key": "retry"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    # a different (corrected) body under the same key is a fresh request, not a conflict
    good = post(client, "/api/v1/customers", {"name": "x"}, **{"Idempotency-Key": "retry"})
    assert good.status_code == 201


def test_overlong_idempotency_key_is_400(org):
    client = token_client(org["east_rep"])
    response = post(client, "/api/v1/customers", {"name": "长键"}, **{"Idempotency-Key": "k" * 201})
    assert_envelope(response, 400, "validation_error")
    assert not Customer.objects.filter(name="长键").exists()


# --- OpenAPI and docs ------------------------------------------------------------------------
def test_openapi_documents_every_endpoint_with_summary_tags_and_schemas(org):
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 30
    for path, method, op in operations:
        assert op.get("summary"), (path, method)
        assert op.get("tags"), (path, method)
        ok = [code for code in op["responses"] if code.startswith("2")]
        assert ok, (path, method)
        if method == "patch" or (method == "post" and "{" not in path):  # updates and creates take a body
            assert "requestBody" in op, (path, method)
    # the bench's paths exist
    for path in ("/api/v1/customers", "/api/v1/search", "/api/v1/customers/{customer_id}/360"):
        assert "get" in schema["paths"][path]
    # creates document Idempotency-Key, writes If-Match
    create = schema["paths"]["/api/v1/customers"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    patch = schema["paths"]["/api/v1/customers/{customer_id}"]["patch"]
    assert any(p["name"] == "If-Match" for p in patch["parameters"])


def test_docs_page_works_offline(org):
    # the docs page loads its scripts from this server, not a CDN
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    # every script, style sheet and link points at this server (a random CSRF token may spell "cdn": read the
    # addresses, not the page)
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert addresses
    assert all(a.startswith(("/", "#", "?")) for a in addresses), addresses
    assert "https://" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert f"/api/v1/docs/assets/{asset}" in html
        asset_response = Client().get(f"/api/v1/docs/assets/{asset}")
        assert asset_response.status_code == 200
        assert b"".join(asset_response.streaming_content)
    assert Client().get("/api/v1/docs/assets/..%2Fsettings.py").status_code == 404
