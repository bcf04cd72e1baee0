"""The opportunity form: contact roles, free product lines, collaborators and competitors on create and edit.
Errors name the field and row; a refused form writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.sales.models import Competitor, Opportunity, OpportunityContact
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_post(customer=None, **extra):
    data = {"name": "数据平台项目", "amount": "500000", "source": "customer", **extra}
    if customer is not None:
        data["customer"] = str(customer.pk)
    return data


def test_create_saves_contact_roles_lines_collaborators_and_competitors(org):
    # given a customer of the rep with two contacts, and a competitor
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    boss, user = ContactFactory(customer=customer, name="王总"), ContactFactory(customer=customer, name="小李")
    rival = Competitor.objects.create(name="某云科技")
    # when the rep fills the form with two contact rows, two product lines (one left empty) and both lists
    data = form_post(
        customer,
        **{
            "contact_role-contact": [str(boss.pk), str(user.pk)],
            "contact_role-role": ["decision_maker", "user"],
            "line-description": ["数据中台", "实施服务", ""],
            "line-quantity": ["1", "20", ""],
            "line-unit_price": ["300000", "10000", ""],
            "collaborators": [str(org["east_rep2"].pk)],
            "competitors": [str(rival.pk)],
        },
    )
    response = client_for(rep).post("/sales/opportunities/new/", data)
    # then the deal exists with every row
    assert response.status_code == 302
    opp = Opportunity.objects.get(name="数据平台项目")
    roles = {r.contact.name: r.role for r in opp.contact_roles.select_related("contact")}
    assert roles == {"王总": "decision_maker", "小李": "user"}
    assert [(ln.description, ln.quantity, ln.unit_price) for ln in opp.lines.all()] == [
        ("数据中台", Decimal("1.00"), Decimal("300000.00")),
        ("实施服务", Decimal("20.00"), Decimal("10000.00")),
    ]
    assert list(opp.collaborators.all()) == [org["east_rep2"]]
    assert list(opp.competitors.all()) == [rival]
    # and the record page shows them
    html = client_for(rep).get(f"/sales/opportunities/{opp.pk}/").content.decode()
    assert "王总" in html and "Decision maker" in html and "实施服务" in html and "某云科技" in html


def test_edit_replaces_rows_and_keeps_an_audit_of_them(org):
    # given a deal with one contact role and one line
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    boss, other = ContactFactory(customer=customer), ContactFactory(customer=customer)
    opp = services.opportunity_create(
        actor=rep,
        customer=customer,
        data={"name": "旧项目", "amount": "1000"},
        contacts=[(boss, "influencer")],
        lines=[{"description": "旧产品", "quantity": "1", "unit_price": "1000"}],
    )
    # when the rep changes the role, swaps the contact set and the lines on the edit page
    data = form_post(
        version=str(opp.version),
        **{
            "contact_role-contact": [str(other.pk)],
            "contact_role-role": ["decision_maker"],
            "line-description": ["新产品"],
            "line-quantity": ["2"],
            "line-unit_price": ["750.5"],
        },
    )
    response = client_for(rep).post(f"/sales/opportunities/{opp.pk}/edit/", data)
    # then only the new rows remain, the version moved and the change is audited
    assert response.status_code == 302
    opp.refresh_from_db()
    assert list(opp.contact_roles.values_list("contact_id", "role")) == [(other.pk, "decision_maker")]
    assert list(opp.lines.values_list("description", "unit_price")) == [("新产品", Decimal("750.50"))]
    audit = AuditLog.objects.filter(object_id=opp.pk, action=AuditLog.Action.UPDATE).order_by("-id")
    assert any("lines" in (row.changes or {}) and "contacts" in (row.changes or {}) for row in audit)


def test_edit_with_only_row_changes_moves_the_version(org):
    # given a deal, when only a product line is added
    rep = org["east_rep"]
    opp = services.opportunity_create(
        actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目", "amount": "0"}
    )
    before = opp.version
    services.opportunity_update(actor=rep, opportunity=opp, data={}, lines=[{"description": "服务器", "quantity": 3}])
    # then the version moves, so a stale edit form cannot overwrite the line
    opp.refresh_from_db()
    assert opp.version == before + 1


def test_a_bad_row_names_the_row_and_writes_nothing(org):
    # given a deal with a line
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    opp = services.opportunity_create(
        actor=rep,
        customer=customer,
        data={"name": "原名", "amount": "1000"},
        lines=[{"description": "原产品", "quantity": "1", "unit_price": "1000"}],
    )
    audits = AuditLog.objects.count()
    # when the edit renames it but its second product line has quantity 0
    data = form_post(
        **{
            "line-description": ["新产品", "坏行"],
            "line-quantity": ["1", "0"],
            "line-unit_price": ["1", "1"],
        }
    )
    response = client_for(rep).post(f"/sales/opportunities/{opp.pk}/edit/", data)
    # then the page says which row is wrong, keeps the typed rows, and nothing was written
    assert response.status_code == 400
    html = response.content.decode()
    assert "Row 2: Enter a quantity above 0." in html and "坏行" in html
    opp.refresh_from_db()
    assert opp.name == "原名"
    assert list(opp.lines.values_list("description", flat=True)) == ["原产品"]
    assert AuditLog.objects.count() == audits


def test_a_contact_of_another_customer_is_refused_on_create(org):
    # given a contact of some other customer
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    stranger = ContactFactory(customer=CustomerFactory(owner=rep))
    # when it is posted as a contact role of a new deal
    data = form_post(customer, **{"contact_role-contact": [str(stranger.pk)], "contact_role-role": ["user"]})
    response = client_for(rep).post("/sales/opportunities/new/", data)
    # then the form is refused with the row named, and no deal exists
    assert response.status_code == 400
    assert "Row 1: Choose a contact of this customer." in response.content.decode()
    assert not Opportunity.objects.filter(name="数据平台项目").exists()
    assert not OpportunityContact.objects.exists()


def test_service_refuses_a_contact_listed_twice(org):
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    contact = ContactFactory(customer=customer)
    # when the same contact is given twice, then the error names the row and no deal is left behind
    with pytest.raises(Exception) as exc:
        services.opportunity_create(
            actor=rep, customer=customer, data={"name": "重复"}, contacts=[(contact, "user"), (contact, "influencer")]
        )
    assert exc.value.fields == {"contacts": ["Row 2: This contact is listed twice."]}
    assert not Opportunity.objects.filter(name="重复").exists()


def test_contact_rows_follow_the_chosen_customer(org):
    # given two customers, one of them out of the rep's reach
    rep = org["east_rep"]
    mine = CustomerFactory(owner=rep)
    ContactFactory(customer=mine, name="张经理")
    theirs = CustomerFactory(owner=org["west_rep"])
    ContactFactory(customer=theirs, name="外部联系人")
    client = client_for(rep)
    # when the new-opportunity form asks for the contact rows of each
    own = client.get("/sales/opportunities/new/contact-rows/", {"customer": mine.pk}).content.decode()
    other = client.get("/sales/opportunities/new/contact-rows/", {"customer": theirs.pk}).content.decode()
    # then only the reachable customer's contacts are offered
    assert "张经理" in own
    assert "外部联系人" not in other and "Choose a customer with contacts" in other
