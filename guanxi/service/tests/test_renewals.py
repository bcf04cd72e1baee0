"""Renewals (续保/续约): the worker opens the list from the assets' end dates and reminds the owner at the lead times
an administrator sets; the owner decides, renews (a new term) or opens a renewal opportunity; the renewal rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.service.models import Asset
from guanxi.service.renewals import services
from guanxi.service.renewals.metrics import renewal_rate
from guanxi.service.renewals.models import Renewal

from .factories import make_asset

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 1)


def _policy(people, customer, ends_on, **data):
    start = ends_on - dt.timedelta(days=364)
    return make_asset(people["east_rep"], customer, plate_number="京A·8K3M2", policy_number="PDAA2025001",
                      starts_on=start.isoformat(), ends_on=ends_on.isoformat(), **data)  # fmt: skip


def test_assets_ending_within_the_window_join_the_list_once_owned_by_the_customer_owner(people, customer):
    # given today's assets: one ending within the 90-day window, one beyond it, one not in force
    today = timezone.localdate()
    due = _policy(people, customer, today + dt.timedelta(days=45))
    later = _policy(people, customer, today + dt.timedelta(days=200))
    _policy(people, customer, today + dt.timedelta(days=10), status="cancelled")
    # then the one within the window has its renewal the moment it is saved, audited as the person who saved it
    renewal = Renewal.objects.get()
    assert renewal.asset == due and renewal.owner == people["east_rep"] and renewal.status == "undecided"
    assert AuditLog.objects.filter(object_id=str(renewal.pk), action="create", actor=people["east_rep"]).exists()
    # and the worker opens nothing twice; the later one joins when its end comes within the window
    assert services.renewals_open(today=today) == 0
    assert services.renewals_open(today=today + dt.timedelta(days=120)) == 1
    assert services.renewals_open(today=today + dt.timedelta(days=120)) == 0
    assert Renewal.objects.filter(asset=later).exists()


def test_editing_an_asset_into_the_window_opens_its_renewal_at_once(people, customer):
    from guanxi.service.services import asset_update

    today = timezone.localdate()
    asset = _policy(people, customer, today + dt.timedelta(days=300))
    assert not Renewal.objects.exists()
    asset_update(actor=people["east_rep"], asset=asset, data={"ends_on": (today + dt.timedelta(days=20)).isoformat()})
    assert Renewal.objects.get().ends_on == today + dt.timedelta(days=20)
    asset_update(actor=people["east_rep"], asset=asset, data={"notes": "续保意向强"})
    assert Renewal.objects.count() == 1


def test_an_undecided_renewal_follows_the_assets_new_end_date_and_a_decided_one_stays(people, customer):
    from guanxi.service.services import asset_update

    today = timezone.localdate()
    asset = _policy(people, customer, today + dt.timedelta(days=30))
    first = Renewal.objects.get()
    # when the end date is corrected within the window, the same renewal moves with it (one on the list)
    asset_update(actor=people["east_rep"], asset=asset, data={"ends_on": (today + dt.timedelta(days=40)).isoformat()})
    assert list(Renewal.objects.values_list("pk", "ends_on")) == [(first.pk, today + dt.timedelta(days=40))]
    # when the term is extended beyond the window, the undecided renewal is withdrawn
    asset.refresh_from_db()
    asset_update(actor=people["east_rep"], asset=asset, data={"ends_on": (today + dt.timedelta(days=300)).isoformat()})
    assert not Renewal.objects.exists()
    # a renewal already decided stays as it was when the end date changes
    asset.refresh_from_db()
    asset_update(actor=people["east_rep"], asset=asset, data={"ends_on": (today + dt.timedelta(days=20)).isoformat()})
    decided = Renewal.objects.get()
    services.renewal_decide(actor=people["east_rep"], renewal=decided, status="renewing")
    asset.refresh_from_db()
    asset_update(actor=people["east_rep"], asset=asset, data={"ends_on": (today + dt.timedelta(days=25)).isoformat()})
    assert sorted(Renewal.objects.values_list("status", "ends_on")) == [
        ("renewing", today + dt.timedelta(days=20)),
        ("undecided", today + dt.timedelta(days=25)),
    ]


def test_reminders_go_out_once_at_each_lead_time(people, customer):
    _policy(people, customer, TODAY + dt.timedelta(days=45))
    services.renewals_open(today=TODAY)
    assert services.renewals_remind(today=TODAY) == 1  # 60 days reached
    assert services.renewals_remind(today=TODAY) == 0
    assert services.renewals_remind(today=TODAY + dt.timedelta(days=14)) == 0  # 31 days left
    assert services.renewals_remind(today=TODAY + dt.timedelta(days=15)) == 1  # 30 days left
    assert Notification.objects.filter(recipient=people["east_rep"], kind="renewal_due").count() == 2
    assert Renewal.objects.get().reminded_days == [30, 60]


def test_an_administrator_sets_the_lead_times_and_bad_input_names_the_field(people, customer):
    admin = people["admin"]
    with pytest.raises(PermissionDeniedError):
        services.renewal_settings_update(actor=people["east_rep"], data={"window_days": 30, "reminder_days": "7"})
    with pytest.raises(ValidationFailed) as err:
        services.renewal_settings_update(actor=admin, data={"window_days": 30, "reminder_days": "7, soon"})
    assert "reminder_days" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        services.renewal_settings_update(actor=admin, data={"window_days": "0", "reminder_days": ""})
    assert "window_days" in err.value.fields
    saved = services.renewal_settings_update(actor=admin, data={"window_days": "120", "reminder_days": "7，90, 30"})
    assert saved.reminder_days == [90, 30, 7] and services.renewal_settings().window_days == 120
    assert AuditLog.objects.filter(object_id=str(saved.pk), actor=admin).exists()
    _policy(people, customer, TODAY + dt.timedelta(days=100))
    services.renewals_open(today=TODAY)
    assert services.renewals_remind(today=TODAY) == 0  # in the 120-day window, before the first lead time (90)
    _policy(people, customer, TODAY + dt.timedelta(days=85))
    services.renewals_open(today=TODAY)
    assert services.renewals_remind(today=TODAY) == 1


def test_renewing_records_the_next_term_and_links_it(people, customer):
    old = _policy(people, customer, dt.date(2026, 10, 31))
    services.renewals_open(today=TODAY)
    renewal = services.renewal_renew(actor=people["east_rep"], renewal=Renewal.objects.get(),
                                     data={"policy_number": "PDAA2026999"})  # fmt: skip
    new = renewal.renewed_asset
    assert renewal.status == "renewed" and new is not None and new.pk != old.pk
    assert (new.starts_on, new.ends_on) == (dt.date(2026, 11, 1), dt.date(2027, 10, 31))
    assert new.policy_number == "PDAA2026999" and new.plate_number == old.plate_number
    with pytest.raises(InvalidStateError):
        services.renewal_renew(actor=people["east_rep"], renewal=renewal)
    assert Asset.objects.count() == 2


def test_not_renewing_needs_a_reason_and_out_of_scope_changes_nothing(people, customer):
    _policy(people, customer, TODAY + dt.timedelta(days=20))
    services.renewals_open(today=TODAY)
    renewal = Renewal.objects.get()
    with pytest.raises(ValidationFailed) as err:
        services.renewal_decide(actor=people["east_rep"], renewal=renewal, status="lost")
    assert "reason" in err.value.fields
    with pytest.raises(NotFoundError):
        services.renewal_decide(actor=people["west_rep"], renewal=renewal, status="lost", reason="价格")
    assert Renewal.objects.get().status == "undecided"
    done = services.renewal_decide(actor=people["east_rep"], renewal=renewal, status="lost", reason="换了保险公司")
    assert done.status == "lost" and done.lost_reason == "换了保险公司"


def test_a_renewal_opportunity_opens_in_sales_linked_to_the_renewal(people, customer):
    _policy(people, customer, TODAY + dt.timedelta(days=20))
    services.renewals_open(today=TODAY)
    renewal = services.renewal_opportunity(actor=people["east_rep"], renewal=Renewal.objects.get())
    assert renewal.status == "renewing" and renewal.opportunity is not None
    assert renewal.opportunity.customer_id == customer.pk and renewal.opportunity.owner == people["east_rep"]
    with pytest.raises(InvalidStateError):
        services.renewal_opportunity(actor=people["east_rep"], renewal=renewal)


def test_the_renewal_rate_is_renewed_over_decided_by_owner(people, customer):
    rep = people["east_rep"]
    for days in (5, 10, 15, 20):
        _policy(people, customer, TODAY + dt.timedelta(days=days))
    services.renewals_open(today=TODAY)
    rows = list(Renewal.objects.order_by("ends_on"))
    services.renewal_renew(actor=rep, renewal=rows[0])
    services.renewal_renew(actor=rep, renewal=rows[1])
    services.renewal_decide(actor=rep, renewal=rows[2], status="lost", reason="价格")
    period = {"date_from": TODAY, "date_to": TODAY + dt.timedelta(days=30)}
    assert renewal_rate(user=rep, group_by="owner", **period) == {rep.pk: Decimal("66.67")}
    assert renewal_rate(user=people["west_rep"], group_by="total", **period) == {}


def test_the_list_scenes_and_the_detail_page(people, customer, client):
    _policy(people, customer, dt.date.today() + dt.timedelta(days=20))
    services.renewals_open()
    renewal = Renewal.objects.get()
    client.force_login(people["east_rep"])
    page = client.get(reverse("service:renewal_list") + "?scene=due30")
    assert page.status_code == 200 and customer.name in page.content.decode()
    assert customer.name not in client.get(reverse("service:renewal_list") + "?scene=renewed").content.decode()
    detail = client.get(reverse("service:renewal_detail", args=[renewal.pk]))
    assert detail.status_code == 200 and "PDAA2025001" in detail.content.decode()
    posted = client.post(reverse("service:renewal_action", args=[renewal.pk, "decide"]), {"status": "renewing"})
    assert posted.status_code == 302 and Renewal.objects.get().status == "renewing"
    client.force_login(people["west_rep"])
    assert client.get(reverse("service:renewal_detail", args=[renewal.pk])).status_code == 404


def test_the_api_lists_decides_and_renews(people, customer):
    from guanxi.core.tests.clients import JsonClient

    _policy(people, customer, dt.date.today() + dt.timedelta(days=20))
    services.renewals_open()
    api = JsonClient(people["east_rep"])
    listed = api.client.get("/api/v1/renewals", {"status": "undecided"}).json()
    assert listed["count"] == 1 and listed["items"][0]["asset"]["policy_number"] == "PDAA2025001"
    pk = listed["items"][0]["id"]
    bad = api.call("post", f"/renewals/{pk}/decide", {"status": "lost"})
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    done = api.call("post", f"/renewals/{pk}/renew", {"policy_number": "PDAA2026001"})
    assert done.status_code == 200 and done.json()["status"] == "renewed" and done.json()["renewed_asset_id"]
    again = api.call("post", f"/renewals/{pk}/decide", {"status": "renewing"})
    assert again.status_code == 409
    assert JsonClient(people["west_rep"]).client.get(f"/api/v1/renewals/{pk}").status_code == 404
