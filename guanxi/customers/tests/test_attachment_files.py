"""Follow-up attachments leave only through the scoped download view, and opening a customer's 360 page is in the
access log at the cost of one INSERT."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import AccessLog
from guanxi.customers import services
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.tests.factories import UserFactory


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def visit(org: Any) -> Any:
    customer = CustomerFactory(name="杭州明远电子有限公司", owner=org["east_rep"])
    return services.follow_up_create(
        actor=org["east_rep"],
        customer=customer,
        data={"content": "送报价单", "method": "visit"},
        attachments=[SimpleUploadedFile("报价单 V2.pdf", b"%PDF-1.4 quote", content_type="application/pdf")],
    )


def test_attachment_link_on_the_360_page_and_in_the_api_is_the_scoped_download(org: Any, visit: Any) -> None:
    attachment = visit.attachments.get()
    url = f"/files/followup-attachment/{attachment.pk}/"
    # when the owner opens the customer page and lists the follow-ups through the API
    page = client_for(org["east_rep"]).get(f"/customers/{visit.customer_id}/").content.decode()
    api = client_for(org["east_rep"]).get(f"/api/v1/follow-ups?customer={visit.customer_id}")
    # then both link the download view, never a bare media path
    assert url in page and settings.MEDIA_URL not in page
    assert api.json()["items"][0]["attachments"][0]["url"] == url and settings.MEDIA_URL not in api.content.decode()
    # and the link gives the file under its original name
    response = client_for(org["east_rep"]).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 quote"
    assert "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20V2.pdf" in response["Content-Disposition"]


def test_attachment_download_follows_the_follow_up_scope(org: Any, visit: Any) -> None:
    url = f"/files/followup-attachment/{visit.attachments.get().pk}/"
    finance = UserFactory(username="finance", department=org.hq, roles=["finance"])
    # the rep's manager reads it; another department's rep gets 404
    assert client_for(org["east_manager"]).get(url).status_code == 200
    assert client_for(org["west_rep"]).get(url).status_code == 404
    # a reader without follow-ups.view gets 403, even though finance may see the customer itself
    assert client_for(finance).get(url).status_code == 403
    assert client_for(org["nobody"]).get(url).status_code == 403
    # and only the allowed download is in the access log
    assert list(AccessLog.objects.values_list("actor__username", "kind")) == [("east_manager", "download")]


def test_opening_the_360_page_is_recorded_with_one_insert(org: Any, visit: Any, monkeypatch: Any) -> None:
    client = client_for(org["east_manager"])
    page = f"/customers/{visit.customer_id}/"
    client.get(page)  # warm per-process caches (content types)
    AccessLog.objects.all().delete()

    # when the manager opens the customer's page
    with CaptureQueriesContext(connection) as recorded:
        response = client.get(page, REMOTE_ADDR="10.0.0.8")
    # then the access log names who opened which customer, from where
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.kind, entry.object_repr) == (org["east_manager"], "view", "杭州明远电子有限公司")
    assert (entry.object_id, entry.ip) == (str(visit.customer_id), "10.0.0.8")
    assert entry.request_id == response["X-Request-ID"]
    # and it cost exactly one extra query, an INSERT into the access log
    inserts = [q["sql"] for q in recorded.captured_queries if "core_accesslog" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")
    monkeypatch.setattr("guanxi.customers.views.customer.access_log_record", lambda **kwargs: None)
    with CaptureQueriesContext(connection) as unrecorded:
        client.get(page)
    assert len(recorded.captured_queries) == len(unrecorded.captured_queries) + 1


def test_the_360_api_is_recorded_and_a_denied_read_is_not(org: Any, visit: Any) -> None:
    # when the owner reads the 360 API and another department's rep tries to
    assert client_for(org["east_rep"]).get(f"/api/v1/customers/{visit.customer_id}/360").status_code == 200
    assert client_for(org["west_rep"]).get(f"/api/v1/customers/{visit.customer_id}/360").status_code == 404
    assert client_for(org["west_rep"]).get(f"/customers/{visit.customer_id}/").status_code == 404
    # then only the read that happened is recorded
    assert list(AccessLog.objects.values_list("actor__username", "kind", "object_id")) == [
        ("east_rep", "view", str(visit.customer_id))
    ]
