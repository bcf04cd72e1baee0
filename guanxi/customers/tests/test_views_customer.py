"""Web UI: the customer form, the 360 page, follow-ups, contacts, review, recycle bin."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.customers import services
from guanxi.customers.models import Attachment, Contact, Customer, FollowUp, Tag
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID_CREDIT_CODE = "91350100M000100Y43"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides) -> dict:
    data = {"kind": "company", "name": "杭州新客户有限公司", "level": "B", "status": "potential"}
    data.update(overrides)
    return data


# --- create ----------------------------------------------------------------------------------
def test_create_with_invalid_credit_code_shows_field_error_and_creates_nothing(org):
    # given a rep on the new-customer form
    client = client_for(org["east_rep"])
    before = (Customer.all_objects.count(), AuditLog.objects.count())
    # when they save with a credit code whose checksum is wrong
    response = client.post("/customers/new/", form_data(credit_code="91350100M000100Y44"))
    # then the form comes back with the error under the credit code and their input kept
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the errors below." in html
    assert 'value="91350100M000100Y44"' in html and 'value="杭州新客户有限公司"' in html
    credit_block = html.split('name="credit_code"', 1)[1].split("</fieldset>", 1)[0]
    assert "invalid-feedback" in credit_block
    # and nothing was written
    assert (Customer.all_objects.count(), AuditLog.objects.count()) == before


def test_create_with_missing_name_is_a_field_error(org):
    response = client_for(org["east_rep"]).post("/customers/new/", form_data(name=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Customer.objects.exists()


def test_create_with_tags_and_collaborators(org):
    # given an existing tag
    existing = Tag.objects.create(name="重点")
    client = client_for(org["east_rep"])
    # when the rep saves a customer with that tag, two new ones and a collaborator
    response = client.post(
        "/customers/new/",
        form_data(
            credit_code=VALID_CREDIT_CODE.lower(),
            tags=[existing.pk],
            new_tags="制造业，华东, 重点",
            collaborators=[org["east_rep2"].pk],
            next_follow_up_on="2030-01-15",
        ),
    )
    # then it is created, owned by the rep, and the page of the new customer opens
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == org["east_rep"] and customer.credit_code == VALID_CREDIT_CODE
    assert sorted(t.name for t in customer.tags.all()) == sorted(["重点", "制造业", "华东"])
    assert list(customer.collaborators.all()) == [org["east_rep2"]]
    assert str(customer.next_follow_up_on) == "2030-01-15"


def test_duplicate_name_is_refused_on_the_form(org):
    # given the rep's customer
    services.customer_create(actor=org["east_rep"], data={"name": "北京华信科技有限公司"})
    # when they enter the same company again (another legal form)
    response = client_for(org["east_rep"]).post("/customers/new/", form_data(name="北京华信科技股份有限公司"))
    # then the name field says so and nothing is created
    html = response.content.decode()
    assert response.status_code == 200
    assert "matches your customer 北京华信科技有限公司" in html
    assert Customer.objects.count() == 1


def test_possible_duplicate_needs_confirmation(org):
    # given a customer with a similar name
    services.customer_create(actor=org["east_rep"], data={"name": "北京华信科技有限公司"})
    client = client_for(org["east_rep"])
    # when saving a similar name, the form asks for confirmation and saves nothing
    first = client.post("/customers/new/", form_data(name="北京华信技术有限公司"))
    assert 'name="confirm_duplicates"' in first.content.decode()
    assert Customer.objects.count() == 1
    # when the user confirms, it is saved
    second = client.post("/customers/new/", form_data(name="北京华信技术有限公司", confirm_duplicates="on"))
    assert second.status_code == 302
    assert Customer.objects.filter(name="北京华信技术有限公司").exists()


def test_owner_field_only_for_users_who_may_assign(org):
    # given a rep (no assign) and a manager (assign)
    rep_form = client_for(org["east_rep"]).get("/customers/new/").content.decode()
    manager_form = client_for(org["east_manager"]).get("/customers/new/").content.decode()
    # then only the manager sees the owner field
    assert 'name="owner"' not in rep_form
    assert 'name="owner"' in manager_form
    # and a rep posting an owner anyway still gets the customer themselves
    client_for(org["east_rep"]).post("/customers/new/", form_data(owner=org["east_rep2"].pk))
    assert Customer.objects.get().owner == org["east_rep"]


def test_manager_creates_for_a_rep(org):
    client_for(org["east_manager"]).post("/customers/new/", form_data(owner=org["east_rep"].pk))
    assert Customer.objects.get().owner == org["east_rep"]


def test_create_without_permission_is_403(org):
    from guanxi.org.models import Role

    org["east_rep2"].roles.set(Role.objects.filter(code="finance"))
    client = client_for(org["east_rep2"])
    assert client.get("/customers/new/").status_code == 403
    assert client.post("/customers/new/", form_data()).status_code == 403
    assert not Customer.objects.exists()


# --- edit ------------------------------------------------------------------------------------
def test_edit_saves_and_records_the_change(org):
    customer = CustomerFactory(owner=org["east_rep"], name="旧名字", level="B")
    client = client_for(org["east_rep"])
    response = client.post(
        f"/customers/{customer.pk}/edit/", form_data(name="新名字", level="A", version=customer.version)
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.level, customer.version) == ("新名字", "A", 2)


def test_edit_with_stale_version_keeps_input_and_saves_nothing(org):
    # given a rep opens the edit form (version 1), then a colleague saves the customer
    customer = CustomerFactory(owner=org["east_rep"], name="原名", phone="010-1")
    services.customer_update(actor=org["east_manager"], customer=customer, data={"phone": "010-2"})
    client = client_for(org["east_rep"])
    # when the rep saves their stale copy
    response = client.post(f"/customers/{customer.pk}/edit/", form_data(name="我的改动", phone="010-3", version=1))
    # then nothing is saved, the form shows a clear message, their input, and what the other person saved
    html = response.content.decode()
    customer.refresh_from_db()
    assert response.status_code == 200
    assert (customer.name, customer.phone, customer.version) == ("原名", "010-2", 2)
    assert "Someone else saved this customer while you were editing." in html
    assert 'value="我的改动"' in html and 'value="010-3"' in html
    assert '<td>Phone</td><td>010-2</td><td class="fw-bold">010-3</td>' in html
    # and the re-rendered form carries the current version, so saving again keeps the rep's input
    assert 'name="version" value="2"' in html
    client.post(f"/customers/{customer.pk}/edit/", form_data(name="我的改动", phone="010-3", version=2))
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("我的改动", "010-3")


def test_edit_owner_change_is_a_transfer(org):
    customer = CustomerFactory(owner=org["east_rep"])
    client_for(org["east_manager"]).post(
        f"/customers/{customer.pk}/edit/", form_data(owner=org["east_rep2"].pk, version=1)
    )
    customer.refresh_from_db()
    assert customer.owner == org["east_rep2"]
    assert AuditLog.objects.filter(object_id=str(customer.pk), action=AuditLog.Action.TRANSFER).exists()


def test_edit_out_of_scope_is_404_and_without_permission_403(org):
    theirs = CustomerFactory(owner=org["west_rep"])
    assert client_for(org["east_rep"]).get(f"/customers/{theirs.pk}/edit/").status_code == 404
    # the executive may see everything but edit nothing
    assert client_for(org["executive"]).get(f"/customers/{theirs.pk}/edit/").status_code == 403
    response = client_for(org["executive"]).post(f"/customers/{theirs.pk}/edit/", form_data(version=1))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.name != "杭州新客户有限公司"


# --- duplicate check -------------------------------------------------------------------------
def test_duplicate_check_links_visible_customers_only(org):
    # given one customer the rep owns and one of another department with a known credit code
    mine = CustomerFactory(owner=org["east_rep"], name="北京华信科技有限公司")
    CustomerFactory(owner=org["west_rep"], name="成都秘密客户有限公司", credit_code=VALID_CREDIT_CODE)
    client = client_for(org["east_rep"])
    # when typing the name of their own customer (full-width space and case differences ignored)
    own = client.get("/customers/check-duplicate/", {"name": "北京华信科技有限公司 "}).content.decode()
    # then it links to it
    assert f"/customers/{mine.pk}/" in own
    # when typing the other department's credit code
    hidden = client.get("/customers/check-duplicate/", {"credit_code": VALID_CREDIT_CODE.lower()}).content.decode()
    # then it only says it exists, without name, owner or link
    assert "already exists (owned by someone else)" in hidden
    assert "成都秘密客户" not in hidden and "/customers/" not in hidden
    # and on the edit form the customer itself is not its own duplicate
    assert (
        "already exists"
        not in client.get("/customers/check-duplicate/", {"name": mine.name, "exclude": mine.pk}).content.decode()
    )


# --- the 360 page ----------------------------------------------------------------------------
def test_360_page_shows_follow_ups_tasks_and_changes(org):
    # given a customer with a follow-up, a task, a contact and a recorded level change
    customer = CustomerFactory(owner=org["east_rep"], name="华信", level="B")
    FollowUpFactory(customer=customer, content="上门拜访，谈了报价")
    TaskFactory(assignee=org["east_rep"], customer=customer, title="寄送合同")
    ContactFactory(customer=customer, name="刘总", is_primary=True, is_decision_maker=True)
    services.customer_update(actor=org["east_rep"], customer=customer, data={"level": "A"})
    # when the owner opens the page with everything in the timeline
    response = client_for(org["east_rep"]).get(f"/customers/{customer.pk}/", {"type": "all"})
    html = response.content.decode()
    # then the timeline holds all three kinds, the change with the field's label and choice names
    assert response.status_code == 200
    assert "上门拜访，谈了报价" in html and "寄送合同" in html
    assert "Level:</span> B · ordinary → A · key" in html
    # and the contacts tab, the primary contact and the fact strip are there
    assert "刘总" in html and "Decision maker" in html and "Primary contact" in html
    assert "Log follow-up" in html and "Change log" in html


def timeline_of(html: str) -> str:
    return html.split('id="timeline"', 1)[1].split('id="tab-details"', 1)[0]


def test_the_timeline_opens_on_follow_ups_and_names_each_lines_record(org):
    # given a customer with a follow-up, a task, a change of its own and a contact's change
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="华信精密")
    FollowUpFactory(customer=customer, content="电话沟通报价")
    TaskFactory(assignee=rep, customer=customer, title="寄送样品")
    services.customer_update(actor=rep, customer=customer, data={"level": "A"})
    contact = services.contact_create(actor=rep, customer=customer, data={"name": "刘经理", "mobile": "13800000001"})
    services.contact_update(actor=rep, contact=contact, data={"title": "采购总监"})
    client = client_for(rep)
    # when the rep opens the page: follow-ups only, the other kinds a click away
    opened = timeline_of(client.get(f"/customers/{customer.pk}/").content.decode())
    assert "电话沟通报价" in opened and "寄送样品" not in opened and "采购总监" not in opened
    assert re.search(r'class="nav-link py-1 active" aria-current="true" href="[^"]*\?type=followup', opened)
    assert "?type=all" in opened and "?type=change" in opened
    # when they pick the changes: each line names its record (the customer, the contact)
    changes = timeline_of(client.get(f"/customers/{customer.pk}/", {"type": "change"}).content.decode())
    assert '<strong class="gx-record">Customer 华信精密</strong>' in changes
    assert '<strong class="gx-record">Contact 刘经理</strong>' in changes
    # and "everything" has all kinds
    everything = timeline_of(client.get(f"/customers/{customer.pk}/", {"type": "all"}).content.decode())
    assert "电话沟通报价" in everything and "寄送样品" in everything and "采购总监" in everything


def test_a_reader_without_follow_ups_opens_on_everything_they_may_see(org):
    finance = UserFactory(username="finance_360", department=org.hq, roles=["finance"])
    customer = CustomerFactory(owner=org["east_rep"], name="华信财务视角")
    services.customer_update(actor=org["east_rep"], customer=customer, data={"level": "A"})
    opened = timeline_of(client_for(finance).get(f"/customers/{customer.pk}/").content.decode())
    assert "Customer 华信财务视角" in opened and "?type=followup" not in opened


def test_timeline_filters_by_kind(org):
    customer = CustomerFactory(owner=org["east_rep"])
    FollowUpFactory(customer=customer, content="只看跟进")
    TaskFactory(assignee=org["east_rep"], customer=customer, title="一个任务")
    client = client_for(org["east_rep"])
    timeline = client.get(f"/customers/{customer.pk}/", {"type": "followup"}).content.decode()
    timeline = timeline.split('id="timeline"', 1)[1].split('id="tab-details"', 1)[0]
    assert "只看跟进" in timeline and "一个任务" not in timeline


def test_360_page_ids_out_of_scope_or_missing_are_404(org):
    theirs = CustomerFactory(owner=org["west_rep"])
    client = client_for(org["east_rep"])
    assert client.get(f"/customers/{theirs.pk}/").status_code == 404
    assert client.get("/customers/987654/").status_code == 404
    assert client.get("/customers/99999999999999999999999999/").status_code == 404
    assert client.get("/customers/abc/").status_code == 404


def _count_360_queries(client: Client, pk: int) -> int:
    client.get(f"/customers/{pk}/")  # warm per-process caches (content types) so only the page's own queries count
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/customers/{pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_360_page_query_count_does_not_grow(org, django_assert_max_num_queries):
    # given a customer with 3 of everything
    customer = CustomerFactory(owner=org["east_rep"])
    client = client_for(org["east_rep"])

    def add(n: int) -> None:
        for i in range(n):
            contact = ContactFactory(customer=customer)
            follow_up = FollowUpFactory(customer=customer, contact=contact)
            Attachment.objects.create(follow_up=follow_up, file=SimpleUploadedFile(f"f{i}.txt", b"x"), name="f.txt")
            TaskFactory(assignee=org["east_rep"], customer=customer)
            services.customer_update(actor=org["east_rep"], customer=customer, data={"phone": f"010-{i}-{n}"})

    add(3)
    few = _count_360_queries(client, customer.pk)
    # when there are 30
    add(27)
    many = _count_360_queries(client, customer.pk)
    # then the page costs the same number of queries
    assert few == many
    # and stays within budget: the page's own queries plus at most three per tab the later apps register
    # (opportunities, quotes, contracts, money…), so a new tab cannot bring an N+1 with it unnoticed
    from guanxi.core.registry import registry

    with django_assert_max_num_queries(30 + 3 * len(registry.tabs_for("customers.customer"))):
        client.get(f"/customers/{customer.pk}/")


def test_the_360_page_counts_the_menu_badges_and_the_bell_once(org):
    # given the 360 page, whose tabs each render with the request (and so run the context processors again)
    customer = CustomerFactory(owner=org["east_rep"])
    client = client_for(org["east_rep"])
    # when the rep opens it
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/customers/{customer.pk}/").status_code == 200
    # then the bell's unread count is one query, not one per tab
    bell = [q["sql"] for q in ctx.captured_queries if 'FROM "core_notification"' in q["sql"] and "COUNT" in q["sql"]]
    assert len(bell) == 1


# --- follow-ups ------------------------------------------------------------------------------
def test_logging_a_follow_up_updates_last_contact_and_keeps_attachments(org):
    # given a customer never contacted
    customer = CustomerFactory(owner=org["east_rep"], status="potential")
    contact = ContactFactory(customer=customer)
    client = client_for(org["east_rep"])
    # when the rep logs a visit with a file and a next follow-up date
    response = client.post(
        f"/customers/{customer.pk}/follow-ups/new/",
        {
            "method": "visit",
            "contact": contact.pk,
            "occurred_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "content": "拜访客户",
            "next_follow_up_on": "2031-05-06",
            "attachments": [SimpleUploadedFile("纪要.txt", b"notes"), SimpleUploadedFile("b.txt", b"more")],
        },
    )
    # then the follow-up is stored with its files and the customer's last contact moved
    assert response.status_code == 302 and response["Location"].endswith("#tab-activity")
    follow_up = FollowUp.objects.get()
    customer.refresh_from_db()
    assert follow_up.author == org["east_rep"] and follow_up.contact == contact
    assert sorted(a.name for a in follow_up.attachments.all()) == ["b.txt", "纪要.txt"]
    assert customer.last_contact_at == follow_up.occurred_at
    assert str(customer.next_follow_up_on) == "2031-05-06"
    assert customer.status == Customer.Status.FOLLOWING


def test_follow_up_errors_are_shown_on_the_page(org):
    customer = CustomerFactory(owner=org["east_rep"])
    other_contact = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]))
    client = client_for(org["east_rep"])
    future = (timezone.localtime() + timezone.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        f"/customers/{customer.pk}/follow-ups/new/",
        {"method": "phone", "content": "未来的跟进", "occurred_at": future, "contact": other_contact.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice." in html  # another customer's contact is not offered
    response = client.post(
        f"/customers/{customer.pk}/follow-ups/new/", {"method": "phone", "content": "未来", "occurred_at": future}
    )
    assert "A follow-up cannot be in the future." in response.content.decode()
    assert "未来</textarea>" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_only_the_author_may_edit_or_delete_a_follow_up(org):
    # given the rep's follow-up on a customer the manager can also see and edit
    customer = CustomerFactory(owner=org["east_rep"])
    follow_up = FollowUpFactory(customer=customer, author=org["east_rep"], content="原始记录")
    manager = client_for(org["east_manager"])
    # then the manager sees no edit/delete buttons on it
    page = manager.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/follow-ups/{follow_up.pk}/edit/" not in page
    # and posting an edit or a delete is refused, changing nothing
    edit = manager.post(
        f"/customers/follow-ups/{follow_up.pk}/edit/", {"method": "phone", "content": "篡改", "version": 1}
    )
    delete = manager.post(f"/customers/follow-ups/{follow_up.pk}/delete/")
    assert edit.status_code == 403 and delete.status_code == 403
    assert manager.get(f"/customers/follow-ups/{follow_up.pk}/edit/").status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.content == "原始记录" and follow_up.deleted_at is None


def test_author_edits_and_deletes_their_follow_up(org):
    # given the administrator's own follow-up (of the default roles only theirs may delete follow-ups)
    customer = CustomerFactory(owner=org["east_rep"])
    follow_up = FollowUpFactory(customer=customer, author=org["admin"], content="原始")
    client = client_for(org["admin"])
    assert f"/customers/follow-ups/{follow_up.pk}/edit/" in client.get(f"/customers/{customer.pk}/").content.decode()
    # the inline editor (htmx) and the save
    partial = client.get(f"/customers/follow-ups/{follow_up.pk}/edit/", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    response = client.post(
        f"/customers/follow-ups/{follow_up.pk}/edit/",
        {
            "method": "email",
            "content": "更正后",
            "occurred_at": timezone.localtime(follow_up.occurred_at).strftime("%Y-%m-%d %H:%M"),
            "version": follow_up.version,
        },
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.content, follow_up.method) == ("更正后", "email")
    client.post(f"/customers/follow-ups/{follow_up.pk}/delete/")
    assert FollowUp.all_objects.get(pk=follow_up.pk).deleted_at is not None


def test_rep_without_delete_permission_sees_no_delete_button(org):
    customer = CustomerFactory(owner=org["east_rep"])
    follow_up = FollowUpFactory(customer=customer, author=org["east_rep"])
    client = client_for(org["east_rep"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/follow-ups/{follow_up.pk}/edit/" in page
    assert f"/customers/follow-ups/{follow_up.pk}/delete/" not in page
    assert client.post(f"/customers/follow-ups/{follow_up.pk}/delete/").status_code == 403


# --- contacts (inline, htmx) -----------------------------------------------------------------
def test_contacts_add_edit_delete_inline(org):
    customer = CustomerFactory(owner=org["east_manager"])
    client = client_for(org["east_manager"])
    htmx = {"HX-Request": "true"}
    # add: the form partial, then the refreshed panel
    assert "New contact" in client.get(f"/customers/{customer.pk}/contacts/new/", headers=htmx).content.decode()
    added = client.post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "王总", "title": "CEO", "mobile": "13800000000", "is_primary": "on"},
        headers=htmx,
    )
    assert added.status_code == 200 and 'id="contacts-panel"' in added.content.decode()
    contact = Contact.objects.get()
    assert contact.is_primary and "Primary" in added.content.decode()
    # what else on the 360 page shows the contacts is swapped out of band: the tab's count, the primary-contact
    # card and the follow-up composer's contact choice
    html = added.content.decode()
    assert re.search(r'id="contacts-count" hx-swap-oob="true">1<', html)
    card = html[html.index('id="primary-contact-card"') :]
    assert card.startswith('id="primary-contact-card" hx-swap-oob="true"') and "13800000000" in card
    composer_choice = html[html.index('id="composer-contact"') :]
    assert f'<option value="{contact.pk}"' in composer_choice
    # an invalid save comes back as the form, retargeted onto itself
    invalid = client.post(f"/customers/{customer.pk}/contacts/new/", {"name": "  "}, headers=htmx)
    assert invalid["HX-Retarget"] == "#contact-form-new" and "This field is required." in invalid.content.decode()
    # edit
    edited = client.post(
        f"/customers/contacts/{contact.pk}/edit/",
        {"name": "王总", "title": "董事长", "version": contact.version},
        headers=htmx,
    )
    assert "董事长" in edited.content.decode()
    # delete
    deleted = client.post(f"/customers/contacts/{contact.pk}/delete/", headers=htmx)
    assert "No contacts yet." in deleted.content.decode()
    assert not Contact.objects.exists()


def test_contact_delete_needs_permission(org):
    contact = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]))
    response = client_for(org["east_rep"]).post(f"/customers/contacts/{contact.pk}/delete/")
    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_list_searches_and_links_to_the_customer(org):
    customer = CustomerFactory(owner=org["east_rep"], name="华信")
    ContactFactory(customer=customer, name="刘德华", mobile="13912345678")
    ContactFactory(customer=customer, name="张学友")
    ContactFactory(customer=CustomerFactory(owner=org["west_rep"]), name="刘别人")
    client = client_for(org["east_rep"])
    html = client.get("/customers/contacts/", {"q": "liu"}).content.decode()
    assert "刘德华" in html and "张学友" not in html and "刘别人" not in html
    assert f"/customers/{customer.pk}/" in html
    assert client.get("/customers/contacts/", {"q": "1391234"}).content.decode().count("刘德华") >= 1
    assert client.get("/customers/contacts/", {"page": "abc", "customer": "x"}).status_code == 200
    assert client_for(org["nobody"]).get("/customers/contacts/").status_code == 403


# --- review, transfer, delete, recycle bin ---------------------------------------------------
@pytest.fixture
def pending(org):
    org.east.requires_customer_review = True
    org.east.save(update_fields=["requires_customer_review"])
    return services.customer_create(actor=org["east_rep"], data={"name": "待审客户"})


def test_review_bar_and_approve(org, pending):
    assert pending.review_status == Customer.Review.PENDING
    assistant = client_for(org["east_assistant"])
    # the reviewer sees the bar and the queue; the rep sees neither
    assert "Approve" in assistant.get(f"/customers/{pending.pk}/").content.decode()
    assert "待审客户" in assistant.get("/customers/review/").content.decode()
    rep = client_for(org["east_rep"])
    assert 'name="decision"' not in rep.get(f"/customers/{pending.pk}/").content.decode()
    assert rep.get("/customers/review/").status_code == 403
    assert rep.post(f"/customers/{pending.pk}/review/", {"decision": "approve"}).status_code == 403
    # approving activates it
    assistant.post(f"/customers/{pending.pk}/review/", {"decision": "approve", "next": "/customers/review/"})
    pending.refresh_from_db()
    assert pending.review_status == Customer.Review.ACTIVE


def test_reject_needs_a_reason(org, pending):
    manager = client_for(org["east_manager"])
    response = manager.post(f"/customers/{pending.pk}/review/", {"decision": "reject", "reason": " "}, follow=True)
    assert "Give a reason for the rejection." in response.content.decode()
    pending.refresh_from_db()
    assert pending.review_status == Customer.Review.PENDING
    manager.post(f"/customers/{pending.pk}/review/", {"decision": "reject", "reason": "重复录入"})
    pending.refresh_from_db()
    assert (pending.review_status, pending.review_reason) == (Customer.Review.REJECTED, "重复录入")


def test_transfer_from_the_360_page(org):
    customer = CustomerFactory(owner=org["east_rep"])
    response = client_for(org["east_manager"]).post(
        f"/customers/{customer.pk}/transfer/", {"owner": org["east_rep2"].pk, "keep_as_collaborator": "on"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == org["east_rep2"] and org["east_rep"] in customer.collaborators.all()


def test_delete_then_restore_from_recycle_bin(org):
    customer = CustomerFactory(owner=org["east_rep"], name="将被删除")
    manager = client_for(org["east_manager"])
    # a rep may not delete
    assert client_for(org["east_rep"]).post(f"/customers/{customer.pk}/delete/").status_code == 403
    assert client_for(org["east_rep"]).get("/customers/recycle-bin/").status_code == 403
    # the manager deletes it: gone from the list, in the bin
    manager.post(f"/customers/{customer.pk}/delete/")
    assert manager.get(f"/customers/{customer.pk}/").status_code == 404
    assert "将被删除" in manager.get("/customers/recycle-bin/").content.decode()
    # and restores it
    response = manager.post(f"/customers/{customer.pk}/restore/", follow=True)
    assert "was restored" in response.content.decode()
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert manager.post(f"/customers/{customer.pk}/restore/").status_code == 404


def test_post_views_refuse_get(org):
    customer = CustomerFactory(owner=org["east_manager"])
    client = client_for(org["east_manager"])
    for url in [
        f"/customers/{customer.pk}/delete/",
        "/lists/customers/bulk/delete/",
        f"/customers/{customer.pk}/restore/",
    ]:
        assert client.get(url).status_code == 405
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_csrf_is_required(org):
    customer = CustomerFactory(owner=org["east_manager"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["east_manager"])
    assert client.post(f"/customers/{customer.pk}/delete/").status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_tabs_registered_by_later_modules_are_rendered(org):
    # given a module that registers a tab on the customer page
    from django.utils.html import format_html

    from guanxi.core.registry import RecordTab, registry

    tab = RecordTab(
        model="customers.customer",
        key="test_widgets",
        label="Widgets",
        render=lambda request, obj: (2, format_html("<p>合同 of {}</p>", obj.name)),
        order=50,
    )
    registry.add_tab(tab)
    try:
        customer = CustomerFactory(owner=org["east_rep"], name="华信")
        # when the page is opened
        html = client_for(org["east_rep"]).get(f"/customers/{customer.pk}/").content.decode()
        # then the tab, its count and its content are there
        assert 'data-bs-target="#tab-test_widgets"' in html
        assert "<p>合同 of 华信</p>" in html
    finally:
        registry.tabs.remove(tab)


def test_stale_contact_form_keeps_the_input_offers_a_reload_and_saves_nothing(org):
    # given a rep opened a contact's form at version 1, then a colleague saved the contact
    contact = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]), name="王经理", title="经理")
    services.contact_update(actor=org["east_manager"], contact=contact, data={"title": "总监"})
    audit_before = AuditLog.objects.count()
    # when the rep saves their copy
    response = client_for(org["east_rep"]).post(
        f"/customers/contacts/{contact.pk}/edit/", {"name": "王经理", "title": "副总", "mobile": "", "version": 1}
    )
    # then the form comes back with the rep's input, says someone else changed it and offers a reload link
    html = response.content.decode()
    assert "Someone else changed this record while you were editing, so nothing of yours was saved." in html
    assert 'value="副总"' in html
    assert f'href="/customers/contacts/{contact.pk}/edit/" data-stale-reload' in html
    # and nothing of the rep's write is stored, audit trail included
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("总监", 2)
    assert AuditLog.objects.count() == audit_before
