"""`guanxi demo`: the demo company is complete, realistic, built through the services and only loaded once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from guanxi.core.models import AuditLog, Notification
from guanxi.customers import demo
from guanxi.customers.models import Customer, CustomerKey, FollowUp, Task
from guanxi.customers.selectors import customer_list, my_day, search_customers
from guanxi.customers.validators import is_valid_credit_code
from guanxi.org.models import User
from guanxi.org.policies import subordinate_ids

pytestmark = pytest.mark.django_db


def run_demo(**options) -> str:
    out = StringIO()
    call_command("guanxi_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One demo company for the whole module (loading it takes a few seconds); each test runs in a
    savepoint inside this transaction, and everything is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_demo(customers=60, seed=11)
        transaction.set_rollback(True)


def test_demo_people_have_their_roles_departments_managers_and_password(small_demo):
    # then every demo user exists as documented and signs in with the demo password
    users = {u.username: u for u in User.objects.prefetch_related("roles").select_related("department", "manager")}
    # (the apps above customers may add people of their own, e.g. the approvers of the approval engine)
    assert {spec.username for spec in demo.DEMO_USERS} <= set(users)
    dept_names = {key: name for key, name, _kind, _parent in demo.DEPARTMENTS}
    for spec in demo.DEMO_USERS:
        user = users[spec.username]
        assert [r.code for r in user.roles.all()] == [spec.role], spec.username
        assert user.department.name == dept_names[spec.department]
        assert (user.manager.username if user.manager else None) == spec.manager
        assert user.check_password(demo.DEMO_PASSWORD), spec.username
        assert user.email == f"{spec.username}@{demo.EMAIL_DOMAIN}"
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["maqiang"].partner_org is not None and users["zhangwei"].partner_org is None
    # and "subordinates" reaches down the manager chain
    assert {users[u].pk for u in ("sunhao", "zhangwei", "lina", "liuting")} <= subordinate_ids(users["wangqiang"])
    assert users["zhangwei"].pk not in subordinate_ids(users["zhouli"])


def test_demo_org_chart_is_a_tree_with_managers(small_demo):
    from guanxi.org.models import Department

    depts = {d.name: d for d in Department.objects.select_related("parent", "manager")}
    assert depts["华北一组"].parent.name == "华北销售部"
    assert depts["华北销售部"].parent.name == "北京分公司"
    assert depts["北京分公司"].parent.name == "华信科技集团总部"
    assert depts["华东销售部"].parent.name == "上海分公司"
    assert depts["华信科技集团总部"].kind == Department.Kind.HEADQUARTERS
    assert depts["华北一组"].path.startswith(depts["华北销售部"].path)
    assert depts["华北销售部"].manager.username == "wangqiang"
    assert {"渠道部", "客服中心", "市场部", "财务部", "实施部"} <= set(depts)


def test_demo_customers_are_realistic_and_built_through_the_services(small_demo):
    # then the flagship customer belongs to zhangwei
    flagship = Customer.objects.get(name="北京华信科技有限公司")
    assert flagship.owner.username == "zhangwei" and flagship.level == "A"
    # and all 60 customers plus the two waiting for review and the two converted from leads exist, with valid
    # credit codes
    customers = Customer.all_objects.all()
    assert customers.count() == 64
    companies = customers.filter(kind=Customer.Kind.COMPANY)
    assert companies.count() > 50
    assert all(is_valid_credit_code(code) for code in companies.values_list("credit_code", flat=True))
    assert all(c.province and c.city and c.industry and c.phone for c in companies)
    assert customers.filter(review_status=Customer.Review.PENDING).count() == 2
    # and no two companies share a name as duplicate detection sees it
    assert not CustomerKey.objects.filter(kind="name").values("value").annotate(n=Count("customer")).filter(n__gt=1)
    # and each has one to three contacts
    counts = set(customers.annotate(n=Count("contacts")).values_list("n", flat=True))
    assert counts <= {1, 2, 3}
    # and the audit trail holds every creation (the services wrote it)
    created = AuditLog.objects.filter(action="create", content_type__model="customer")
    customer_ids = {str(pk) for pk in customers.values_list("pk", flat=True)}
    assert set(created.values_list("object_id", flat=True)) == customer_ids
    assert AuditLog.objects.filter(action="create", content_type__model="followup").count() == FollowUp.objects.count()
    # (the three customers 王强 handed over; the pool job's returns and lead assignments are transfers of their own)
    assert AuditLog.objects.filter(action="transfer", content_type__model="customer", actor__isnull=False).count() == 3
    assert Customer.all_objects.filter(deleted_at__isnull=False).count() == 2


def test_demo_follow_ups_span_a_year_and_some_customers_went_quiet(small_demo):
    now = timezone.now()
    times = FollowUp.objects.values_list("occurred_at", flat=True)
    assert min(times) > now - dt.timedelta(days=366) and max(times) <= now
    # the customer's last contact is its latest follow-up
    for c in Customer.objects.annotate(latest=Max("follow_ups__occurred_at")):
        assert c.last_contact_at == c.latest
    last = [t for t in Customer.objects.values_list("last_contact_at", flat=True) if t]
    assert any(now - t < dt.timedelta(days=30) for t in last)
    assert any(now - t > dt.timedelta(days=60) for t in last)
    # the "no contact for 60 days" filter finds some of them for the team lead
    sunhao = User.objects.get(username="sunhao")
    assert customer_list(user=sunhao, filters={"no_contact_days": "60"}).exists()


def test_zhangwei_has_overdue_and_todays_tasks_and_notifications(small_demo):
    zhangwei = User.objects.get(username="zhangwei")
    day = my_day(user=zhangwei)
    assert len(day["overdue"]) >= 2 and len(day["today"]) >= 2 and day["upcoming"]
    assert Task.objects.filter(assignee=zhangwei, done=True).count() >= 2  # the story's two and other apps' ones
    kinds = set(Notification.objects.filter(recipient=zhangwei).values_list("kind", flat=True))
    assert {"task_assigned", "customer_transfer"} <= kinds


def test_the_demo_greets_each_user_with_a_few_unread_notifications(small_demo):
    # the story's older notifications were read; each user finds at most three new ones, the newest
    for user in User.objects.all():
        notes = list(Notification.objects.filter(recipient=user).order_by("-created_at", "-id"))
        unread = [n for n in notes if n.read_at is None]
        assert len(unread) <= 3 and unread == notes[: len(unread)]
    # and none of them twice: one approval decision is one notification per person
    zhangwei = User.objects.get(username="zhangwei")
    urls = [n.url for n in Notification.objects.filter(recipient=zhangwei).exclude(url="") if "/quotes/" in n.url]
    assert urls and len(urls) == len(set(urls))


def test_demo_data_respects_data_scopes(small_demo):
    users = {u.username: u for u in User.objects.all()}
    zhangwei = users["zhangwei"]
    mine = customer_list(user=zhangwei)
    assert mine.exists() and not mine.exclude(owner=zhangwei).exclude(collaborators=zhangwei).exists()
    assert customer_list(user=users["chenjing"]).count() == Customer.objects.count()
    agent_sees = customer_list(user=users["maqiang"])
    assert not agent_sees.exclude(owner__partner_org=users["maqiang"].partner_org).exists()
    # and pinyin initials find the flagship customer
    assert [c.name for c in search_customers(user=users["zhangwei"], query="bjhx")] == ["北京华信科技有限公司"]


def test_second_run_changes_nothing(small_demo):
    counts = (User.objects.count(), Customer.all_objects.count(), AuditLog.objects.count())
    out = run_demo(customers=60)
    assert "demo data already loaded" in out
    assert (User.objects.count(), Customer.all_objects.count(), AuditLog.objects.count()) == counts


def test_the_approvers_of_the_default_rules_exist_and_sign_in_like_everyone(small_demo):
    # then the approval engine's positions are held by demo people who use the demo password
    holders = {u.position.code: u for u in User.objects.filter(position__code__isnull=False).select_related("position")}
    for code, username in [
        ("president", "liuyang"),
        ("sales_management_manager", "chenjing"),
        ("president_assistant", "zhaomin"),
        ("rd_vp", "wutao"),
        ("implementation_vp", "zhenghua"),
    ]:
        assert holders[code].username == username
        assert holders[code].check_password(demo.DEMO_PASSWORD), username
    assert holders["president_assistant"].email.endswith("@" + demo.EMAIL_DOMAIN)


def test_the_workers_first_pool_run_moves_only_a_few_customers(small_demo):
    from guanxi.customers.pool.services import pool_reclaim_idle

    # given the demo just loaded: the pool already holds what the daily job returned over the past weeks
    now = timezone.now()
    pooled = Customer.objects.filter(owner__isnull=True, pool_entered_at__isnull=False)
    entered = sorted({(now - c.pool_entered_at).days for c in pooled})
    assert pooled.exists() and len(entered) >= 2 and entered[-1] >= 14
    assert all(c.previous_owner_id and c.pool_reason for c in pooled)
    # when the worker starts and runs the pool's job for the first time
    stats = pool_reclaim_idle(dry_run=True)
    # then only the few customers that crossed the limit since yesterday's run go back, not every quiet one
    assert stats["reclaimed"] <= max(2, Customer.objects.count() // 30), stats
