"""The duplicate check on every entry path: block, warn and confirm, keys kept in step with edits,
fuzzy possible duplicates, and the bulk check imports use."""

from __future__ import annotations

import pytest

from guanxi.core.errors import ConflictError
from guanxi.customers import services
from guanxi.customers.dedupe import selectors as dd
from guanxi.customers.dedupe.services import DuplicateBlocked, DuplicateWarning, customer_keys_rebuild
from guanxi.customers.models import Customer, CustomerKey, DedupeRule
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CODE = "91350100M000100Y43"  # a valid unified social credit code (see test_validators)


def create(actor, **data):
    return services.customer_create(actor=actor, data=data)


def set_rule(kind, action, similarity=90):
    DedupeRule.objects.update_or_create(kind=kind, defaults={"action": action, "similarity": similarity})


# --- block -----------------------------------------------------------------------------------
def test_same_credit_code_is_blocked_on_create_with_the_error_under_the_field(org):
    # given a rep registered a customer with a credit code
    first = create(org["east_rep"], name="甲方科技有限公司", credit_code=CODE)
    # when the same rep enters another name with the same code, in lower case
    with pytest.raises(DuplicateBlocked) as exc:
        create(org["east_rep"], name="完全不同的名字", credit_code=CODE.lower())
    # then it is refused with a 409 naming the field and the existing customer
    assert exc.value.http_status == 409 and exc.value.code == "duplicate_blocked"
    assert list(exc.value.fields) == ["credit_code"]
    assert first.name in exc.value.message
    assert Customer.objects.count() == 1


def test_normalised_name_with_another_suffix_and_full_width_characters_is_blocked(org):
    create(org["east_rep"], name="北京华信科技有限公司")
    # when the name is entered full-width, with spaces and another legal form
    with pytest.raises(DuplicateBlocked) as exc:
        create(org["east_rep"], name="北京 华信科技 股份有限公司（）")
    assert "name" in exc.value.fields
    # and so is the bare name, typed with full-width brackets around a legal form
    with pytest.raises(ConflictError):
        create(org["east_rep"], name="北京华信科技（有限公司）")
    assert Customer.objects.count() == 1


def test_latin_names_with_different_legal_forms_are_blocked(org):
    create(org["east_rep"], name="Acme Co., Ltd.")
    with pytest.raises(DuplicateBlocked):
        create(org["east_rep"], name="ＡＣＭＥ Inc")


def test_deleted_customers_do_not_block_but_their_restore_is_refused_when_someone_took_the_name(org):
    # given a customer in the recycle bin
    old = create(org["east_manager"], name="回收站公司")
    services.customer_delete(actor=org["east_manager"], customer=old)
    # then the same name may be registered again
    new = create(org["east_rep"], name="回收站有限公司")
    # and restoring the old one is refused: the live customer wins
    with pytest.raises(DuplicateBlocked):
        services.customer_restore(actor=org["east_manager"], customer_id=old.pk)
    old.refresh_from_db()
    assert old.deleted_at is not None and new.deleted_at is None


def test_a_persons_name_does_not_block(org):
    create(org["east_rep"], name="张伟", kind="individual")
    create(org["east_rep"], name="张伟", kind="individual")
    assert Customer.objects.filter(name="张伟").count() == 2


def test_rules_are_data_an_off_rule_lets_duplicates_through(org):
    create(org["east_rep"], name="规则公司")
    set_rule("name", DedupeRule.Action.OFF)
    create(org["east_rep"], name="规则有限公司")
    set_rule("name", DedupeRule.Action.WARN)
    with pytest.raises(DuplicateWarning):
        create(org["east_rep"], name="规则股份有限公司")
    assert Customer.objects.count() == 2


def test_default_rules_are_created_lazily():
    assert not DedupeRule.objects.exists()
    rules = dd.dedupe_rules()
    assert {k: r.action for k, r in rules.items()} == {
        "credit_code": "block",
        "name": "block",
        "phone": "warn",
        "email": "warn",
    }


# --- warn and confirm ------------------------------------------------------------------------
def test_phone_with_country_code_warns_and_confirming_saves(org):
    create(org["east_rep"], name="电话公司", phone="138-1234-5678")
    # when another customer is entered with the same mobile written +86 …
    with pytest.raises(DuplicateWarning) as exc:
        create(org["east_rep"], name="别的公司", phone="+86 138 1234 5678")
    # then it is a 409 duplicate_warning under the phone field, and nothing was saved
    assert exc.value.code == "duplicate_warning" and exc.value.http_status == 409
    assert list(exc.value.fields) == ["phone"]
    assert "电话公司" in exc.value.fields["phone"][0]
    assert Customer.objects.count() == 1
    # when the user confirms, it is saved
    c = services.customer_create(
        actor=org["east_rep"], data={"name": "别的公司", "phone": "+86 138 1234 5678"}, confirm_warnings=True
    )
    assert c.pk and Customer.objects.count() == 2


def test_a_contacts_mobile_counts_as_its_customers_phone(org):
    owner = create(org["east_rep"], name="联系人公司")
    services.contact_create(actor=org["east_rep"], customer=owner, data={"name": "王经理", "mobile": "13900001111"})
    with pytest.raises(DuplicateWarning) as exc:
        create(org["east_rep2"], name="另一家", phone="0086 139 0000 1111")
    assert exc.value.result.warnings[0].customer_id == owner.pk


def test_email_warns(org):
    create(org["east_rep"], name="邮件公司", email="Sales@Example.com")
    with pytest.raises(DuplicateWarning):
        create(org["east_rep"], name="邮件二公司", email=" sales@example.COM")


# --- edits keep keys in step -----------------------------------------------------------------
def test_update_checks_changed_fields_and_rewrites_keys(org):
    a = create(org["east_rep"], name="甲公司一号", phone="13800000001")
    b = create(org["east_rep"], name="乙公司二号")
    # editing b's name onto a's is blocked, and b is unchanged
    with pytest.raises(DuplicateBlocked):
        services.customer_update(actor=org["east_rep"], customer=b, data={"name": "甲公司一号有限公司"})
    b.refresh_from_db()
    assert b.name == "乙公司二号"
    # editing other fields of a customer is not checked again
    services.customer_update(actor=org["east_rep"], customer=a, data={"remarks": "老客户"})
    # renaming a frees its old key and takes the new one
    services.customer_update(actor=org["east_rep"], customer=a, data={"name": "丙公司三号"})
    assert set(CustomerKey.objects.filter(customer=a, kind="name").values_list("value", flat=True)) == {"丙公司三号"}
    create(org["east_rep"], name="甲公司一号")


def test_contact_edits_and_deletes_maintain_keys(org):
    c = create(org["east_rep"], name="键公司")
    contact = services.contact_create(
        actor=org["east_rep"], customer=c, data={"name": "李", "mobile": "13700000001", "email": "li@x.cn"}
    )
    assert set(CustomerKey.objects.filter(contact=contact).values_list("kind", "value")) == {
        ("phone", "13700000001"),
        ("email", "li@x.cn"),
    }
    services.contact_update(actor=org["east_rep"], contact=contact, data={"mobile": "13700000002"})
    assert set(CustomerKey.objects.filter(contact=contact, kind="phone").values_list("value", flat=True)) == {
        "13700000002"
    }
    services.contact_delete(actor=org["east_manager"], contact=contact)
    assert not CustomerKey.objects.filter(contact=contact).exists()


def test_rebuild_recomputes_keys_set_based(org, django_assert_max_num_queries):
    # given customers written around the services (bulk loader), without keys
    customers = [
        CustomerFactory(owner=org["east_rep"], name=f"批量{i}有限公司", phone=f"1380000{i:04d}") for i in range(30)
    ]
    assert not CustomerKey.objects.exists()
    # when the keys are rebuilt, in a few queries
    with django_assert_max_num_queries(8):
        written = customer_keys_rebuild(customer_ids=[c.pk for c in customers])
    # then each has its name and phone key
    assert written == 60
    assert CustomerKey.objects.get(kind="name", value="批量7").customer_id == customers[7].pk


# --- fuzzy -----------------------------------------------------------------------------------
def test_similar_names_are_possible_duplicates_that_only_warn(org):
    create(org["east_rep"], name="北京华信科技有限公司")
    # when a longer variant of the name is entered
    with pytest.raises(DuplicateWarning) as exc:
        create(org["east_rep"], name="北京华信科技发展有限公司")
    (m,) = exc.value.result.possible
    assert m.customer_name == "北京华信科技有限公司" and m.similarity >= 90 and m.action == "warn"
    assert "name" in exc.value.fields
    # then confirming saves it
    services.customer_create(actor=org["east_rep"], data={"name": "北京华信科技发展有限公司"}, confirm_warnings=True)
    # an unrelated brand is not reported
    result = dd.dedupe_check(actor=org["east_rep"], data={"name": "北京华瑞电子有限公司"})
    assert not result.matches


def test_fuzzy_threshold_comes_from_the_name_rule(org):
    create(org["east_rep"], name="北京华信科技有限公司")
    # "北京华信软件科技" is 86% alike: below the default 90 it is not reported
    create(org["east_rep"], name="北京华信软件科技有限公司")
    assert not dd.dedupe_check(actor=org["east_rep"], data={"name": "北京华信科技"}).possible
    # with the threshold lowered to 80 it is a possible duplicate
    set_rule("name", DedupeRule.Action.BLOCK, similarity=80)
    result = dd.dedupe_check(actor=org["east_rep"], data={"name": "北京华信科技"})
    assert [(m.customer_name, m.similarity) for m in result.possible] == [("北京华信软件科技有限公司", 86)]
    assert [m.customer_name for m in result.blocks] == ["北京华信科技有限公司"]


def test_region_moved_into_parentheses_is_a_possible_duplicate(org):
    create(org["east_rep"], name="北京华信科技有限公司")
    result = dd.dedupe_check(actor=org["east_rep"], data={"name": "华信科技（北京）有限公司"})
    assert [m.customer_name for m in result.possible] == ["北京华信科技有限公司"]


# --- scope in what the check tells -----------------------------------------------------------
def test_check_hides_customers_the_reader_may_not_see(org):
    create(org["west_rep"], name="西部秘密客户有限公司", phone="13911112222")
    result = dd.dedupe_check(actor=org["east_rep"], data={"name": "西部秘密客户", "phone": "13911112222"})
    assert len(result.exact) == 2
    for m in result.matches:
        public = m.public()
        assert public["customer_id"] is None and public["customer_name"] is None and public["owner_name"] is None
        assert "西部秘密" not in m.message
    # the west manager sees it
    visible = dd.dedupe_check(actor=org["west_manager"], data={"name": "西部秘密客户"})
    assert visible.matches[0].public()["customer_name"] == "西部秘密客户有限公司"


# --- bulk (imports) --------------------------------------------------------------------------
def test_bulk_check_finds_existing_and_in_batch_duplicates(org):
    existing = create(org["east_rep"], name="已存在有限公司", credit_code=CODE)
    rows = [
        {"name": "新公司甲"},
        {"name": "已存在股份有限公司"},
        {"name": "新公司乙", "credit_code": CODE},
        {"name": "新公司甲有限公司"},  # same as row 0
        {"name": "新公司丙", "contacts": [{"mobile": "13000000000"}]},
    ]
    matches = dd.dedupe_find_matches_bulk(rows, actor=org["east_rep"])
    assert set(matches) == {1, 2, 3}
    assert matches[1][0].customer_id == existing.pk and matches[1][0].action == "block"
    assert matches[2][0].kind == "credit_code"
    assert matches[3][0].batch_row == 0 and matches[3][0].customer_id is None


def test_bulk_check_of_10k_rows_uses_a_bounded_number_of_queries(org, django_assert_max_num_queries):
    # given existing customers with keys
    CustomerFactory.create_batch(20, owner=org["east_rep"])
    customer_keys_rebuild()
    existing = Customer.objects.order_by("pk").first()
    rows = [
        {"name": f"导入客户{i}有限公司", "phone": f"139{i:08d}", "email": f"c{i}@example.com"} for i in range(10_000)
    ]
    rows[5000]["name"] = existing.name
    dd.dedupe_rules()
    # when 10k rows are checked, then it takes a handful of IN queries, not one per row
    with django_assert_max_num_queries(15):
        matches = dd.dedupe_find_matches_bulk(rows, actor=org["east_manager"])
    assert list(matches) == [5000] and matches[5000][0].customer_id == existing.pk
