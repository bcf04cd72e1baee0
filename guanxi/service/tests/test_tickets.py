"""Tickets: numbered, assigned (the new owner hears), moved through their life cycle with a history, reopened
within the configurable window only, attachments scope-checked, lists with their scenes, the 360 Service tab."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.files import download_url
from guanxi.core.models import AuditLog, Notification
from guanxi.service import services
from guanxi.service.models import ServicePolicy, Ticket, TicketEvent

from .factories import make_asset, make_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_is_numbered_and_its_history_starts(people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    today = timezone.localdate()
    assert ticket.number == f"FW{today:%Y%m%d}-0001"
    assert make_ticket(people["east_rep"], customer).number.endswith("-0002")
    assert ticket.status == Ticket.Status.NEW and ticket.owner is None
    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEvent.Kind.CREATED]


def test_assigning_notifies_the_new_owner_and_is_audited(people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=people["agent"])
    ticket.refresh_from_db()
    assert ticket.owner == people["agent"] and ticket.status == Ticket.Status.ASSIGNED
    assert Notification.objects.filter(recipient=people["agent"], kind="ticket_assigned").count() == 1
    assert AuditLog.objects.filter(object_id=str(ticket.pk), changes__has_key="owner").exists()


def test_a_rep_may_not_assign_and_nobody_is_assigned_a_ticket_who_does_not_work_tickets(people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    with pytest.raises(PermissionDeniedError):
        services.ticket_assign(actor=people["east_rep"], ticket=ticket, owner=people["agent"])
    with pytest.raises(ValidationFailed) as err:
        services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=people["east_rep2"])
    assert "owner" in err.value.fields


def test_the_life_cycle_with_first_response_and_resolution(people, customer):
    agent = people["agent"]
    ticket = make_ticket(people["east_rep"], customer)
    services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=agent)
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="start")
    assert ticket.status == "in_progress" and ticket.first_response_at is not None
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="wait", note="等客户提供照片")
    assert ticket.status == "waiting"
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="resume")
    with pytest.raises(ValidationFailed) as err:
        services.ticket_transition(actor=agent, ticket=ticket, action="resolve")
    assert "resolution" in err.value.fields
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="resolve", resolution="更换风扇")
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="close")
    assert ticket.status == "closed"
    with pytest.raises(InvalidStateError):
        services.ticket_transition(actor=agent, ticket=ticket, action="wait")
    kinds = list(ticket.events.order_by("at", "id").values_list("to_status", flat=True))
    assert kinds == ["new", "assigned", "in_progress", "waiting", "in_progress", "resolved", "closed"]


def test_reopening_is_allowed_only_within_the_window_an_administrator_sets(people, customer):
    agent = people["agent"]
    ticket = make_ticket(agent, customer)
    resolved_at = timezone.now()
    ticket = services.ticket_transition(
        actor=agent, ticket=ticket, action="resolve", resolution="已处理", now=resolved_at
    )
    services.service_policy_update(actor=people["admin"], data={"reopen_days": 3})
    assert ServicePolicy.objects.get().reopen_days == 3
    with pytest.raises(InvalidStateError):
        services.ticket_transition(actor=agent, ticket=ticket, action="reopen", now=resolved_at + dt.timedelta(days=4))
    ticket = services.ticket_transition(
        actor=agent, ticket=ticket, action="reopen", now=resolved_at + dt.timedelta(days=2, hours=23)
    )
    assert ticket.status == "in_progress" and ticket.resolved_at is None
    with pytest.raises(PermissionDeniedError):
        services.service_policy_update(actor=agent, data={"reopen_days": 30})
    with pytest.raises(ValidationFailed):
        services.service_policy_update(actor=people["admin"], data={"reopen_days": "-1"})


def test_the_assigned_agent_works_on_it_and_the_customers_owner_sees_it(people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=people["agent"])
    services.ticket_note(actor=people["agent"], ticket=ticket, text="已电话联系客户")
    from guanxi.service.selectors import ticket_get, ticket_list

    assert ticket_get(user=people["east_rep"], pk=ticket.pk)
    assert not ticket_list(user=people["west_rep"]).filter(pk=ticket.pk).exists()
    with pytest.raises(PermissionDeniedError):
        services.ticket_transition(actor=people["east_rep"], ticket=ticket, action="start")


def test_an_attachment_downloads_only_for_who_may_see_the_ticket(client, people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    upload = SimpleUploadedFile("定损照片.txt", b"photo", content_type="text/plain")
    row = services.ticket_attach(actor=people["agent"], ticket=ticket, upload=upload)
    url = download_url(row, "file")
    client.force_login(people["east_rep"])
    assert client.get(url).status_code == 200
    client.force_login(people["west_rep"])
    assert client.get(url).status_code == 404


def test_the_seam_for_inbound_mail_matches_the_sender_to_a_contact(people, customer):
    ticket = services.ticket_create_from_message(
        actor=people["agent"], sender_email="LiMing@hengxin.example", subject="发票问题", body="请补开发票"
    )
    assert ticket is not None and ticket.customer == customer and ticket.channel == "email"
    assert ticket.contact.name == "李明"
    assert (
        services.ticket_create_from_message(actor=people["agent"], sender_email="x@y.example", subject="", body="")
        is None
    )


def test_pages_scenes_and_actions(client, people, customer):
    asset = make_asset(people["east_rep"], customer, plate_number="京E·12345")
    complaint = make_ticket(people["east_rep"], customer, type="complaint", subject="理赔款未到账投诉", asset=asset.pk)
    mine = make_ticket(people["east_rep"], customer, subject="咨询续保")
    services.ticket_assign(actor=people["service_manager"], ticket=mine, owner=people["agent"])
    client.force_login(people["agent"])
    url = reverse("service:ticket_list")
    assert complaint.number in client.get(url, {"scene": "complaints"}).text
    assert mine.number not in client.get(url, {"scene": "complaints"}).text
    unassigned = client.get(url, {"scene": "unassigned"}).text
    assert complaint.number in unassigned and mine.number not in unassigned
    assert mine.number in client.get(url, {"scene": "mine"}).text
    assert complaint.number in client.get(url, {"q": "京e 12345"}).text
    detail = client.get(reverse("service:ticket_detail", args=[mine.pk]))
    assert detail.status_code == 200 and "ticket-start" in detail.text
    response = client.post(reverse("service:ticket_action", args=[mine.pk, "start"]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "in_progress"
    tab = client.get(reverse("customers:detail", args=[customer.pk]))
    assert complaint.number in tab.text and "京E·12345" in tab.text


def test_the_form_creates_a_ticket_with_an_attachment(client, people, customer):
    client.force_login(people["agent"])
    url = reverse("service:ticket_create")
    assert client.get(url, {"customer": customer.pk}).status_code == 200
    bad = client.post(url, {"customer": customer.pk, "type": "repair", "priority": "high", "channel": "phone"})
    assert bad.status_code == 200 or bad.status_code == 400
    assert not Ticket.objects.exists()
    ok = client.post(url, {"customer": customer.pk, "type": "repair", "priority": "high", "channel": "phone",
                           "subject": "设备报修", "attachment": SimpleUploadedFile("a.txt", b"x")})  # fmt: skip
    assert ok.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.attachments.count() == 1 and ticket.priority == "high"


def test_the_api_creates_assigns_and_resolves(people, customer):
    from guanxi.core.tests.clients import JsonClient

    api = JsonClient(people["service_manager"])
    created = api.call("post", "/tickets", {"customer_id": customer.pk, "subject": "API 报修", "type": "repair",
                                           "owner_id": people["agent"].pk})  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "assigned" and body["owner"]["id"] == people["agent"].pk
    bad = api.call("post", f"/tickets/{body['id']}/resolve", {})
    assert bad.status_code == 400 and "resolution" in bad.json()["error"]["fields"]
    done = api.call("post", f"/tickets/{body['id']}/resolve", {"resolution": "远程处理"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    asset = api.call("post", "/assets", {"customer_id": customer.pk, "name": "车险", "plate_number": "京A12345"})
    assert asset.status_code == 201
    found = api.client.get("/api/v1/assets", {"q": "京ａ 12345"}).json()
    assert found["count"] == 1
