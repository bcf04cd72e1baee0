"""A rep on a contract sees who records its payment plan and payments and can ask them (a notification with the
contract linked, audited, at most once an hour); the plan shows no empty "new" rows to a reader who cannot save."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.models import AuditLog, Notification
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_rep_sees_who_records_and_no_blank_rows(people: Any, contract: Any) -> None:
    # when the rep opens the contract's money page
    page = client_for(people["east_rep"]).get(f"/billing/contracts/{contract.pk}/").content.decode()
    # then finance is named as the recorder, with the button to ask them
    assert 'id="money-recorders"' in page and str(people["finance"]) in page
    assert f'action="/billing/contracts/{contract.pk}/ask/"' in page
    # and the plan has no empty rows labelled "new" (the rep cannot fill them)
    assert ">new<" not in page and "No payment plan yet." in page
    # while finance, who records, gets the blank rows and no "ask" box
    finance = client_for(people["finance"]).get(f"/billing/contracts/{contract.pk}/").content.decode()
    assert ">new<" in finance and 'id="money-recorders"' not in finance


def test_asking_notifies_the_recorders_once_an_hour(people: Any, contract: Any) -> None:
    rep = client_for(people["east_rep"])
    url = f"/billing/contracts/{contract.pk}/ask/"
    told = Notification.objects.filter(kind="contract_money_ask")
    # when the rep asks with a note
    response = rep.post(url, {"note": "客户已付首款 5 万"})
    # then finance is notified with the contract linked, and one audit row says who was asked
    assert response.status_code == 302
    note = Notification.objects.get(recipient=people["finance"], kind="contract_money_ask")
    assert f"/commerce/contracts/{contract.pk}/" in note.url and note.body == "客户已付首款 5 万"
    assert contract.number in note.title
    first = told.count()
    audits = AuditLog.objects.filter(object_id=str(contract.pk), actor=people["east_rep"], action="other")
    assert audits.count() == 1
    # when they click again at once, then it is refused and nobody is told twice
    again = rep.post(url, {"note": ""}, follow=True)
    assert "You asked at" in again.content.decode()
    assert told.count() == first and audits.count() == 1
    # and the page says when they last asked
    assert "You last asked them at" in rep.get(f"/billing/contracts/{contract.pk}/").content.decode()


def test_asking_about_a_contract_out_of_reach_changes_nothing(people: Any, contract: Any) -> None:
    # given a rep of another department, when they post the ask, then 404 and no notification or audit row
    response = client_for(people["west_rep"]).post(f"/billing/contracts/{contract.pk}/ask/", {"note": "x"})
    assert response.status_code == 404
    assert not Notification.objects.filter(kind="contract_money_ask").exists()
    assert not AuditLog.objects.filter(object_id=str(contract.pk), actor=people["west_rep"]).exists()


def test_a_note_too_long_is_refused_by_name(people: Any, contract: Any) -> None:
    response = client_for(people["east_rep"]).post(
        f"/billing/contracts/{contract.pk}/ask/", {"note": "长" * 301}, follow=True
    )
    assert "at most 300 characters" in response.content.decode()
    assert not Notification.objects.filter(kind="contract_money_ask").exists()


def test_contract_tab_names_the_recorders_to_a_reader_without_money_rights(people: Any, contract: Any, rf: Any) -> None:
    from guanxi.core.registry import registry

    # given someone who may see the contract but holds no payments right (no role grants it)
    reader = UserFactory(username="reader_no_money", department=people.east, roles=[])
    (tab,) = [t for t in registry.tabs_for("commerce.contract") if t.key == "money"]
    request = rf.get("/")
    request.user = reader
    # when the contract page renders the money tab, then it says who records the money and offers to ask
    _count, html = tab.render(request, contract)
    assert "No permission" in html and str(people["finance"]) in html and "/ask/" in html


def test_the_api_names_the_recorders_and_asks_them(people: Any, contract: Any, api_as: Any) -> None:
    rep = api_as(people["east_rep"])
    # the recorders of the contract
    who = rep.call("get", f"/contracts/{contract.pk}/money-recorders").json()
    assert people["finance"].pk in [u["id"] for u in who["payments"]]
    # asking notifies them; asking again at once is refused with 429 and tells nobody twice
    asked = rep.call("post", f"/contracts/{contract.pk}/money-ask", {"note": "请登记"})
    assert asked.status_code == 200 and people["finance"].pk in [u["id"] for u in asked.json()["notified"]]
    again = rep.call("post", f"/contracts/{contract.pk}/money-ask", {"note": ""})
    assert again.status_code == 429 and again.json()["error"]["code"] == "throttled"
    assert Notification.objects.filter(recipient=people["finance"], kind="contract_money_ask").count() == 1
    # out of reach: 404
    assert api_as(people["west_rep"]).call("get", f"/contracts/{contract.pk}/money-recorders").status_code == 404
