"""The import API (guanxi/core/imports), importing customers: upload with Idempotency-Key, status, run, report,
template; permissions.

The router is mounted here on a test API (same auth and error handling as /api/v1/), so these tests
do not depend on where guanxi/api/main.py mounts it.
"""

from __future__ import annotations

import json

import pytest
from django.urls import include, path

from guanxi.core.api import API_AUTH, GuanxiAPI, register_exception_handlers
from guanxi.core.imports.api import router
from guanxi.core.imports.testing import xlsx_bytes
from guanxi.core.models import ImportJob
from guanxi.customers.models import Customer

api = GuanxiAPI(title="imports test", version="test", urls_namespace="imports_test_api", auth=API_AUTH, docs_url=None)
register_exception_handlers(api)
api.add_router("", router, url_name_prefix="imports_test")
urlpatterns = [path("api/test/", api.urls), path("", include("guanxi.urls"))]

pytestmark = pytest.mark.urls(__name__)
BASE = "/api/test/imports"
HEADER = ["客户名称", "手机"]
ROWS = [["北京华信科技有限公司", "13812345678"], ["上海申达贸易有限公司", "13912345678"]]


def post_file(client, data: bytes, name: str = "c.xlsx", headers: dict | None = None, **form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {"kind": "customers", **form, "file": SimpleUploadedFile(name, data)}
    return client.post(BASE, body, headers=headers or {})


def test_upload_dry_run_then_run_then_report(client, org, django_capture_on_commit_callbacks):
    client.force_login(org["east_manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, xlsx_bytes([HEADER, *ROWS]))
    assert response.status_code == 201
    job_id = response.json()["id"]
    state = client.get(f"{BASE}/{job_id}").json()
    assert state["status"] == "checked" and state["counts"]["create"] == 2 and state["progress"] == 100.0
    assert state["mapping"] == {"0": "name", "1": "phone"} and state["rows"][0]["row"] == 2
    assert Customer.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/{job_id}/run", {}, content_type="application/json")
    assert response.status_code == 202
    state = client.get(f"{BASE}/{job_id}").json()
    assert state["status"] == "done" and state["created_count"] == 2
    assert {r["record_id"] for r in state["rows"]} == set(Customer.objects.values_list("pk", flat=True))
    report = client.get(f"{BASE}/{job_id}/report")
    assert report.status_code == 200 and "spreadsheetml" in report["Content-Type"]
    listing = client.get(BASE).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == job_id


def test_idempotency_key_returns_the_first_import(client, org, django_capture_on_commit_callbacks):
    client.force_login(org["east_manager"])
    data = xlsx_bytes([HEADER, *ROWS])
    with django_capture_on_commit_callbacks(execute=True):
        first = post_file(client, data, headers={"Idempotency-Key": "abc"}, dry_run="false")
        second = post_file(client, data, headers={"Idempotency-Key": "abc"}, dry_run="false")
    assert first.status_code == 201 and second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert ImportJob.objects.count() == 1 and Customer.objects.count() == 2


def test_a_given_mapping_and_straight_import(client, org, django_capture_on_commit_callbacks):
    client.force_login(org["east_manager"])
    data = xlsx_bytes([["A", "B"], *ROWS])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, data, mapping=json.dumps({"0": "name", "1": "phone"}), dry_run="false")
    assert response.status_code == 201
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Customer.objects.filter(phone="13912345678").exists()


@pytest.mark.parametrize(
    "data,form,field",
    [
        (b"%PDF-1.4 renamed", {}, "file"),
        (b"", {}, "file"),
        (xlsx_bytes([HEADER, *ROWS]), {"mapping": "not json"}, "mapping"),
        (xlsx_bytes([HEADER, *ROWS]), {"mapping": json.dumps({"0": "phone"})}, "mapping"),
        (xlsx_bytes([HEADER, *ROWS]), {"mode": "sometimes"}, "mode"),
        (xlsx_bytes([HEADER, *ROWS]), {"kind": "planets"}, "kind"),
    ],
)
def test_bad_uploads_get_400_and_store_nothing(client, org, data, form, field):
    client.force_login(org["east_manager"])
    response = post_file(client, data, **form)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert ImportJob.objects.count() == 0 and Customer.objects.count() == 0


def test_without_permission_403_and_nothing_written(client, org):
    client.force_login(org["east_rep"])
    response = post_file(client, xlsx_bytes([HEADER, *ROWS]))
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert ImportJob.objects.count() == 0 and Customer.objects.count() == 0
    assert client.get(f"{BASE}/templates/customers").status_code == 403


def test_another_users_import_is_404(client, org, django_capture_on_commit_callbacks):
    client.force_login(org["east_manager"])
    job_id = post_file(client, xlsx_bytes([HEADER, *ROWS])).json()["id"]
    client.force_login(org["west_manager"])
    assert client.get(f"{BASE}/{job_id}").status_code == 404
    assert client.post(f"{BASE}/{job_id}/run", {}, content_type="application/json").status_code == 404
    assert client.get(f"{BASE}/{job_id}/report").status_code == 404


def test_report_before_the_dry_run_is_409(client, org):
    client.force_login(org["east_manager"])
    job_id = post_file(client, xlsx_bytes([HEADER, *ROWS])).json()["id"]  # the dry run is queued, not run
    assert client.get(f"{BASE}/{job_id}/report").status_code == 409


def test_template(client, org):
    client.force_login(org["east_manager"])
    response = client.get(f"{BASE}/templates/contacts")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_a_failed_all_or_nothing_import_reports_0_created(client, org, django_capture_on_commit_callbacks):
    # given a file with two good rows and one bad one, imported straight away, all or nothing
    client.force_login(org["east_manager"])
    bad = ["广州坏数据有限公司", "not a phone number at all, far too long to be one 123456789012345678901234567890"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, xlsx_bytes([HEADER, *ROWS, bad]), dry_run="false")
    assert response.status_code == 201
    # when its state is read
    state = client.get(f"{BASE}/{response.json()['id']}").json()
    # then it failed, nothing was written, and its counts say so; the rows' verdicts are given apart
    assert state["status"] == "failed" and "nothing was imported" in state["error"]
    assert Customer.objects.count() == 0
    assert (state["created_count"], state["updated_count"], state["rejected_count"]) == (0, 0, 1)
    assert state["counts"] == {"create": 0, "update": 0, "unchanged": 0, "reject": 1}
    assert state["verdicts"] == {"create": 2, "update": 0, "unchanged": 0, "reject": 1}
