"""Web UI of the public pool: list, claim/assign, return to pool, the rules admin; bad input never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer, PoolEvent, PoolRule
from guanxi.customers.pool import services
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = "/customers/pool/"
BULK = "/lists/pool/bulk/"  # the list's bulk bar (the pool customer's page posts to LIST + "claim/" / "assign/")
DAY = dt.timedelta(days=1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pooled(department, **kwargs) -> Customer:
    return CustomerFactory(
        owner=None, department=department, pool_entered_at=timezone.now() - 3 * DAY, pool_reason="无人跟进", **kwargs
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_pool_page_lists_visible_pool_customers_with_days_and_reason(org):
    # given a pool customer in the rep's department and one in another department
    mine = pooled(org.east, name="华东公海客户", previous_owner=org["east_rep2"])
    pooled(org.west, name="华西公海客户")
    # when the rep opens the pool page
    response = client_for(org["east_rep"]).get(LIST)
    html = response.content.decode()
    # then it lists theirs with days in the pool, reason and previous owner, and offers "Claim" but not "Assign"
    assert response.status_code == 200
    assert mine.name in html and "华西公海客户" not in html
    assert "3 days" in html and "无人跟进" in html and str(org["east_rep2"]) in html
    assert f'formaction="{BULK}claim/"' in html and f'formaction="{BULK}assign/"' not in html
    assert 'data-label="Days in pool"' in html


def test_pool_page_is_in_the_navigation(org):
    html = client_for(org["east_rep"]).get(LIST).content.decode()
    assert 'href="/customers/pool/"' in html and "ti-lifebuoy" in html and "Public pool" in html


def test_pool_page_query_count_does_not_grow_with_rows(org):
    client = client_for(org["east_manager"])
    pooled(org.east)
    client.get(LIST)  # warm up: the company-wide rule is created on first use
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(15):
        pooled(org.east, previous_owner=org["east_rep"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) <= len(few) + 1


@pytest.mark.parametrize(
    "query",
    [
        "?min_days=abc",
        "?max_days=-1",
        "?min_days=99999999999999999999",
        "?previous_owner=abc",
        "?previous_owner=99999999999999999999999",
        "?level=Z",
        "?sort=bogus",
        "?page=abc",
        "?page=99999",
        "?q=" + "x" * 500,
        "?industry=%00",
    ],
)
def test_bad_filter_values_never_500(org, query):
    response = client_for(org["east_rep"]).get(LIST + query)
    assert response.status_code == 200


def test_claim_from_the_page_with_result_toast(org):
    # given two pool customers, one of them already taken by a colleague meanwhile
    free = pooled(org.east)
    taken = CustomerFactory(owner=org["east_rep2"])
    # when the rep ticks both and presses "Claim"
    response = client_for(org["east_rep"]).post(
        LIST + "claim/", {"ids": [free.pk, taken.pk], "next": LIST + "?level=B"}, follow=True
    )
    # then one is claimed, the toast says claimed 1, skipped 1 with the reason, and the filters are kept
    assert Customer.objects.get(pk=free.pk).owner == org["east_rep"]
    assert response.redirect_chain[-1][0] == LIST + "?level=B"
    text = " ".join(messages_of(response))
    assert "Claimed 1, skipped 1" in text and "someone else has claimed it" in text


def test_claim_from_the_lists_bulk_bar_keeps_the_rules(org):
    # given a daily cap of 1 and two pool customers ticked on the list
    rule = services.pool_rules_ensure_default()
    PoolRule.objects.filter(pk=rule.pk).update(daily_claim_cap=1)
    a, b = pooled(org.east), pooled(org.east)
    # when the rep claims both from the bulk bar
    response = client_for(org["east_rep"]).post(
        BULK + "claim/", {"ids": [a.pk, b.pk], "next": LIST + "?level=B"}, follow=True
    )
    # then one is claimed, the other skipped with the cap as the reason, and the list's filters are kept
    assert response.redirect_chain[-1][0] == LIST + "?level=B"
    text = " ".join(messages_of(response))
    assert "Claimed 1, skipped 1" in text and "limit of 1 claims" in text
    assert Customer.objects.filter(owner=org["east_rep"]).count() == 1


def test_claim_refused_shows_the_reason(org):
    # given a daily cap of 0 claims left: cap 1 and one claim today
    rule = services.pool_rules_ensure_default()
    PoolRule.objects.filter(pk=rule.pk).update(daily_claim_cap=1)
    a, b = pooled(org.east), pooled(org.east)
    client = client_for(org["east_rep"])
    client.post(LIST + "claim/", {"ids": [a.pk]})
    # when the rep claims another
    response = client.post(LIST + "claim/", {"ids": [b.pk]}, follow=True)
    # then the page explains the limit and nothing changed
    assert "limit of 1 claims" in " ".join(messages_of(response))
    assert Customer.objects.get(pk=b.pk).owner is None


def test_claim_with_garbage_ids_is_a_message_not_a_500(org):
    response = client_for(org["east_rep"]).post(
        LIST + "claim/", {"ids": ["abc", "99999999999999999999999"]}, follow=True
    )
    assert response.status_code == 200 and messages_of(response)


def test_manager_assigns_from_the_page(org):
    # given a pool customer
    c = pooled(org.east)
    client = client_for(org["east_manager"])
    html = client.get(LIST).content.decode()
    assert f'formaction="{BULK}assign/"' in html and f'value="{org["east_rep2"].pk}"' in html
    # when the manager assigns it to a rep from the bulk bar
    response = client.post(BULK + "assign/", {"ids": [c.pk], "owner": org["east_rep2"].pk}, follow=True)
    # then the rep owns it and the toast reports it
    assert Customer.objects.get(pk=c.pk).owner == org["east_rep2"]
    assert "Assigned 1, skipped 0" in " ".join(messages_of(response))


def test_rep_cannot_assign_from_the_page(org):
    # given a pool customer
    c = pooled(org.east)
    before = AuditLog.objects.count()
    # when a rep forges an assign request (the customer's page's form, the list's bulk bar)
    client = client_for(org["east_rep"])
    response = client.post(LIST + "assign/", {"ids": [c.pk], "owner": org["east_rep2"].pk}, follow=True)
    assert client.post(BULK + "assign/", {"ids": [c.pk], "owner": org["east_rep2"].pk}).status_code == 403
    # then it is refused with a message and nothing changed
    assert response.status_code == 200 and messages_of(response)
    assert Customer.objects.get(pk=c.pk).owner is None and AuditLog.objects.count() == before
    assert not PoolEvent.objects.exists()


def test_partner_user_sees_an_empty_pool_without_actions(org):
    c = pooled(org.east, name="代理商看不到")
    client = client_for(org["agent_rep"])
    response = client.get(LIST)
    assert "代理商看不到" not in response.content.decode() and response.context["page"].paginator.count == 0
    # and a forged claim from the bulk bar is refused, nothing taken
    assert client.post(BULK + "claim/", {"ids": [c.pk]}).status_code == 403
    assert Customer.objects.get(pk=c.pk).owner is None


def test_pool_customer_page(org):
    # given a pool customer the rep may see, and one they may not
    c = pooled(org.east, name="可见的公海客户")
    hidden = pooled(org.west)
    client = client_for(org["east_rep"])
    # then the rep sees its page with the pool details; the other one is a 404
    response = client.get(f"{LIST}{c.pk}/")
    assert response.status_code == 200 and "可见的公海客户" in response.content.decode()
    assert client.get(f"{LIST}{hidden.pk}/").status_code == 404


# --- return to pool (linked from the customer page) ------------------------------------------
def test_return_form_and_post(org):
    # given the rep's customer
    c = CustomerFactory(owner=org["east_rep"])
    client = client_for(org["east_rep"])
    url = f"{LIST}return/{c.pk}/"
    # the form shows
    response = client.get(url)
    assert response.status_code == 200 and 'name="reason"' in response.content.decode()
    # posting without a reason shows the error under the field and changes nothing
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
    assert Customer.objects.get(pk=c.pk).owner == org["east_rep"]
    # posting with a reason returns it and goes back to the customer list
    response = client.post(url, {"reason": "客户已注销"})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert Customer.objects.get(pk=c.pk).pool_reason == "客户已注销"


def test_return_of_someone_elses_customer_is_404(org):
    c = CustomerFactory(owner=org["east_rep2"])
    client = client_for(org["east_rep"])
    assert client.get(f"{LIST}return/{c.pk}/").status_code == 404
    assert client.post(f"{LIST}return/{c.pk}/", {"reason": "x"}).status_code == 404
    assert Customer.objects.get(pk=c.pk).owner == org["east_rep2"]


def test_collaborator_return_is_403(org):
    c = CustomerFactory(owner=org["east_rep2"])
    c.collaborators.add(org["east_rep"])
    assert client_for(org["east_rep"]).post(f"{LIST}return/{c.pk}/", {"reason": "x"}).status_code == 403
    assert Customer.objects.get(pk=c.pk).owner == org["east_rep2"]


# --- pool rules admin ------------------------------------------------------------------------
def test_rules_page_for_admins_only(org):
    assert client_for(org["admin"]).get(LIST + "rules/").status_code == 200
    for who in ("east_manager", "east_rep"):
        assert client_for(org[who]).get(LIST + "rules/").status_code == 403


def test_edit_rule_with_field_errors_then_save(org):
    rule = services.pool_rules_ensure_default()
    client = client_for(org["admin"])
    url = f"{LIST}rules/{rule.pk}/"
    assert client.get(url).status_code == 200
    data = {
        "name": "全公司规则",
        "is_active": "on",
        "first_warning_days": "40",
        "second_warning_days": "30",
        "reclaim_days": "20",
        "daily_claim_cap": "5",
        "reclaim_cooldown_days": "15",
        "levels": ["A", "B"],
    }
    # when the second warning and the reclaim come before the first warning
    response = client.post(url, data)
    # then each field shows its own error and nothing is saved
    html = response.content.decode()
    assert response.status_code == 400
    assert "The second warning cannot come before the first" in html
    assert "The return to the pool cannot come before the first warning" in html
    assert PoolRule.objects.get(pk=rule.pk).first_warning_days == 30
    # when corrected, it saves
    response = client.post(url, {**data, "second_warning_days": "60", "reclaim_days": "45"})
    assert response.status_code == 302
    saved = PoolRule.objects.get(pk=rule.pk)
    assert (saved.first_warning_days, saved.second_warning_days, saved.reclaim_days) == (40, 60, 45)
    assert saved.levels == ["A", "B"] and saved.daily_claim_cap == 5 and saved.name == "全公司规则"


def test_add_and_delete_a_department_rule(org):
    client = client_for(org["admin"])
    html = client.get(LIST + "rules/").content.decode()
    assert org.east.name in html
    response = client.post(
        f"{LIST}rules/new/?department={org.east.pk}",
        {
            "name": "华东规则",
            "is_active": "on",
            "first_warning_days": "20",
            "second_warning_days": "40",
            "reclaim_days": "45",
            "daily_claim_cap": "10",
            "reclaim_cooldown_days": "30",
        },
    )
    assert response.status_code == 302
    rule = PoolRule.objects.get(department=org.east)
    assert rule.reclaim_days == 45
    assert client.post(f"{LIST}rules/{rule.pk}/delete/").status_code == 302
    assert not PoolRule.objects.filter(department=org.east).exists()


def test_rule_pages_with_bad_ids(org):
    client = client_for(org["admin"])
    assert client.get(f"{LIST}rules/999999/").status_code == 404
    assert client.get(f"{LIST}rules/new/?department=abc").status_code == 404
    assert client.get(f"{LIST}rules/new/?department=99999999999999999999999").status_code == 404
    rule = services.pool_rules_ensure_default()
    bad = client.post(f"{LIST}rules/{rule.pk}/", {"first_warning_days": "9" * 30, "name": "x" * 500})
    assert bad.status_code == 400
