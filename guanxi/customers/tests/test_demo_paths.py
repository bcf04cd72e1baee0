"""`guanxi demo` entry paths: refusing a used database, determinism, the bulk path, the docs."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import F, Max
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.core.search import build_search_text
from guanxi.customers import demo
from guanxi.customers.dedupe.services import customer_keys_rebuild
from guanxi.customers.models import Contact, Customer, CustomerKey, FollowUp
from guanxi.customers.services import customer_create
from guanxi.customers.validators import is_valid_credit_code
from guanxi.org.models import User
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run_demo(**options) -> str:
    out = StringIO()
    call_command("guanxi_demo", stdout=out, **options)
    return out.getvalue()


def test_refuses_a_database_that_already_has_users():
    # given a real database with one account
    UserFactory(username="real_admin")
    # when the demo is asked to load
    out = run_demo(customers=5)
    # then it says so and writes nothing
    assert "demo data already loaded" in out
    assert not Customer.objects.exists() and User.objects.count() == 1


def test_the_same_seed_gives_the_same_company():
    a, b, c = demo.Generator(5), demo.Generator(5), demo.Generator(6)
    first = [a.customer_data("north") for _ in range(20)]
    assert first == [b.customer_data("north") for _ in range(20)]
    assert first != [c.customer_data("north") for _ in range(20)]


def test_generated_credit_codes_pass_the_checksum():
    gen = demo.Generator(1)
    codes = [demo.credit_code(gen.rng, "110105") for _ in range(200)]
    assert all(is_valid_credit_code(code) and code.startswith("91110105") for code in codes)


def test_bulk_path_writes_exact_volumes_with_searchable_text(org):
    # given two owners
    owners = [org["east_rep"], org["west_rep"]]
    now = timezone.now()
    # when 60 customers with 150 follow-ups are bulk-generated
    counts = demo.customers_bulk_generate(owners=owners, customers=60, follow_ups=150, seed=3, batch_size=25, now=now)
    # then the volumes are exact
    assert counts["customers"] == Customer.objects.count() == 60
    assert counts["follow_ups"] == FollowUp.objects.count() == 150
    assert 60 <= Contact.objects.count() <= 180 and counts["contacts"] == Contact.objects.count()
    # and search text is what the services would have written
    for c in Customer.objects.all():
        assert c.search_text == build_search_text(names=[c.name], phones=[c.phone], others=[c.email, c.credit_code])
        assert c.owner in owners and c.department == c.owner.department
    for ct in Contact.objects.all():
        assert ct.search_text == build_search_text(
            names=[ct.name], phones=[ct.mobile, ct.phone], others=[ct.email, ct.wechat]
        )
    # and duplicate detection's keys are exactly what its own rebuild writes
    fields = ("customer_id", "contact_id", "kind", "value")
    written = set(CustomerKey.objects.values_list(*fields))
    assert counts["dedupe_keys"] == len(written) > 60
    customer_keys_rebuild(customer_ids=Customer.objects.values_list("pk", flat=True))
    assert set(CustomerKey.objects.values_list(*fields)) == written
    # and the customer facts agree with the follow-ups
    for c in Customer.objects.annotate(latest=Max("follow_ups__occurred_at")):
        assert c.last_contact_at == c.latest
    assert not FollowUp.objects.exclude(contact__customer=F("customer")).exists()
    # and edit times are spread out, not all "now"
    assert Customer.objects.values("updated_at").distinct().count() > 30
    assert not AuditLog.objects.exists()  # the bulk path is for volume, not history
    # and ordinary creation carries on after the bulk ids (PostgreSQL's sequences were moved on)
    later = customer_create(actor=org["east_rep"], data={"name": "后来的客户有限公司"})
    assert later.pk > max(Customer.objects.exclude(pk=later.pk).values_list("pk", flat=True))


def test_large_demo_uses_the_bulk_path_after_the_audited_part(monkeypatch):
    # given a small threshold so the test stays quick
    monkeypatch.setattr(demo, "BULK_THRESHOLD", 30)
    monkeypatch.setattr(demo, "SERVICE_PART", 20)
    # when 80 customers are asked for
    run_demo(customers=80)
    # then 20 (+2 waiting for review, +2 converted from the demo's leads) went through the services and 60 were
    # bulk-inserted
    assert Customer.all_objects.count() == 84
    audited = AuditLog.objects.filter(action="create", content_type__model="customer").count()
    assert audited == 24
    assert Customer.objects.filter(name="北京华信科技有限公司", owner__username="zhangwei").exists()


def test_docs_list_every_demo_user_with_the_password():
    text = (Path(settings.BASE_DIR) / "docs" / "demo.md").read_text()
    for spec in demo.DEMO_USERS:
        assert f"`{spec.username}`" in text and spec.name in text
    assert demo.DEMO_PASSWORD in text


def test_a_company_name_is_found_when_every_brand_is_taken():
    # given a generator whose distinct brands are used up (a bulk demo of many thousands before the story's last ones)
    from guanxi.customers.demo.world import _BRAND_CHARS

    gen = demo.Generator(7)
    gen.distinct_brands = True
    gen.used_brands = {a + b for a in _BRAND_CHARS for b in _BRAND_CHARS}
    # when it needs one more company
    name = gen.company_name("京", next(iter(gen.industries)))
    # then it still makes one (a brand may repeat)
    assert name.startswith("京") and len(name) > 4
