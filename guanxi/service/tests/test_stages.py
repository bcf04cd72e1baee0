"""Staged tasks: an administrator's stage template (stages with tasks and due offsets) started on a claim ticket or
a policy; each stage entered creates its tasks for the owner; the unfinished work of each person in reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.models import Task
from guanxi.service import services as service_services
from guanxi.service.stages import services
from guanxi.service.stages.models import StageRun
from guanxi.service.stages.work import unfinished_work

from .factories import make_asset


def make_ticket(actor, customer, owner=None, **data):
    values = {"customer": customer.pk, "subject": "车辆追尾理赔报案", "type": "claim", **data}
    return service_services.ticket_create(actor=actor, data=values, owner=owner, auto_assign=False)


pytestmark = pytest.mark.django_db
CLAIM = "报案\n- 登记报案信息 | 0\n查勘\n- 联系客户 | 1\n- 现场查勘拍照 | 2\n结案\n- 回访客户 | 10"
NOW = timezone.make_aware(dt.datetime(2026, 10, 12, 10, 0))


def _claim_template(people):
    return services.stage_template_save(
        actor=people["admin"], data={"name": "理赔流程", "target": "ticket", "type_code": "claim", "stages": CLAIM}
    )


def test_the_administrator_writes_stages_as_text_and_bad_lines_name_the_field(people):
    with pytest.raises(PermissionDeniedError):
        services.stage_template_save(actor=people["east_rep"], data={"name": "x", "stages": CLAIM})
    for bad in ("- 没有阶段的任务 | 1", "报案\n- 登记 | soon", "", "报案\n- 登记 | 999"):
        with pytest.raises(ValidationFailed) as err:
            services.stage_template_save(actor=people["admin"], data={"name": "x", "stages": bad})
        assert "stages" in err.value.fields
    template = _claim_template(people)
    assert template.stage_names == ["报案", "查勘", "结案"]
    assert template.stages[1]["tasks"][1] == {"title": "现场查勘拍照", "due_days": 2}
    assert services.stages_parse(services.stages_text(template.stages)) == template.stages
    assert AuditLog.objects.filter(object_id=str(template.pk), action="create").exists()


def test_moving_through_the_stages_creates_each_stages_tasks_for_the_owner(people, customer):
    template = _claim_template(people)
    ticket = make_ticket(people["service_manager"], customer, owner=people["agent"])
    run = services.stage_start(actor=people["agent"], template=template, ticket=ticket, now=NOW)
    assert run.stage_name == "报案" and [t.title for t in run.tasks.all()] == ["登记报案信息"]
    with pytest.raises(InvalidStateError):
        services.stage_start(actor=people["agent"], template=template, ticket=ticket, now=NOW)
    run = services.stage_advance(actor=people["agent"], run=run, now=NOW)
    new = Task.objects.filter(stage_runs=run, title__in=["联系客户", "现场查勘拍照"]).order_by("due_at")
    assert [t.assignee for t in new] == [people["agent"]] * 2
    assert [t.due_at for t in new] == [NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=2)]
    assert ticket.events.filter(text__contains="查勘").exists()
    run = services.stage_advance(actor=people["agent"], run=run, now=NOW)
    run = services.stage_advance(actor=people["agent"], run=run, now=NOW)
    assert run.finished_at == NOW and run.tasks.count() == 4
    with pytest.raises(InvalidStateError):
        services.stage_advance(actor=people["agent"], run=run, now=NOW)


def test_a_template_is_offered_only_for_its_type_and_out_of_scope_changes_nothing(people, customer):
    template = _claim_template(people)
    repair = make_ticket(people["service_manager"], customer, type="repair")
    with pytest.raises(ValidationFailed):
        services.stage_start(actor=people["service_manager"], template=template, ticket=repair)
    claim = make_ticket(people["east_rep"], customer)
    with pytest.raises((NotFoundError, PermissionDeniedError)):
        services.stage_start(actor=people["west_rep"], template=template, asset=None, ticket=claim)
    assert not StageRun.objects.exists() and not Task.objects.exists()


def test_an_asset_template_gives_the_customer_owner_the_tasks(people, customer):
    template = services.stage_template_save(
        actor=people["admin"], data={"name": "投保", "target": "asset", "stages": "投保\n- 收集资料 | 0\n出单"}
    )
    asset = make_asset(people["east_rep"], customer, plate_number="京A12345")
    run = services.stage_start(actor=people["service_manager"], template=template, asset=asset, now=NOW)
    assert run.tasks.get().assignee == people["east_rep"]


def test_unfinished_work_shows_each_persons_open_work_within_the_readers_scope(people, customer):
    template = _claim_template(people)
    ticket = make_ticket(people["service_manager"], customer, owner=people["agent"])
    services.stage_start(actor=people["agent"], template=template, ticket=ticket, now=NOW)
    mine = unfinished_work(user=people["agent"])
    assert [r.person for r in mine] == [people["agent"]]
    row = mine[0]
    assert (row.tasks, row.tickets) == (1, 1) and row.overdue >= 1
    assert row.items[0].overdue and any(i.stage for i in row.items)
    assert unfinished_work(user=people["west_rep"]) == []
    manager = unfinished_work(user=people["service_manager"])
    assert people["agent"] in [r.person for r in manager]


def test_the_pages(people, customer, client):
    template = _claim_template(people)
    ticket = make_ticket(people["service_manager"], customer, owner=people["agent"])
    client.force_login(people["agent"])
    page = client.get(reverse("service:ticket_detail", args=[ticket.pk]))
    assert "理赔流程" in page.content.decode()
    started = client.post(reverse("service:stage_start", args=["ticket", ticket.pk]), {"template": template.pk})
    assert started.status_code == 302 and StageRun.objects.filter(ticket=ticket).exists()
    run = StageRun.objects.get()
    assert client.post(reverse("service:stage_advance", args=[run.pk])).status_code == 302
    assert StageRun.objects.get().stage_name == "查勘"
    work = client.get(reverse("service:work"))
    assert work.status_code == 200 and "现场查勘拍照" in work.content.decode()
    client.force_login(people["west_rep"])
    assert client.post(reverse("service:stage_advance", args=[run.pk])).status_code == 404
    assert StageRun.objects.get().stage_index == 1
    client.force_login(people["admin"])
    assert client.get(reverse("service:stage_template_list")).status_code == 200
    assert client.get(reverse("service:stage_template_edit", args=[template.pk])).status_code == 200
    bad = client.post(reverse("service:stage_template_create"), {"name": "x", "stages": "- 无阶段 | 1"})
    assert bad.status_code == 400


def test_a_template_set_to_start_by_itself_starts_on_every_new_ticket_of_its_type(people, customer, client):
    # given the claim template set to start by itself (a second one for claims, or one without a type, is refused)
    template = services.stage_template_save(
        actor=people["admin"],
        data={"name": "理赔流程", "target": "ticket", "type_code": "claim", "stages": CLAIM, "auto_start": True},
    )
    for data in ({"type_code": "claim"}, {"type_code": ""}, {"target": "asset", "type_code": "vehicle_policy"}):
        with pytest.raises(ValidationFailed) as refused:
            services.stage_template_save(
                actor=people["admin"], data={"name": "另一个", "target": "ticket", "stages": CLAIM,
                                             "auto_start": "on", **data},
            )  # fmt: skip
        assert "auto_start" in refused.value.fields
    # when a claim and a consultation are logged
    claim = make_ticket(people["service_manager"], customer, owner=people["agent"])
    other = make_ticket(people["service_manager"], customer, owner=people["agent"], type="consultation")
    # then the claim is at the first stage with its tasks for its owner, the start audited; the other has none
    run = StageRun.objects.get(ticket=claim)
    assert run.template == template and run.stage_name == "报案"
    assert [(t.title, t.assignee) for t in run.tasks.all()] == [("登记报案信息", people["agent"])]
    started = AuditLog.objects.filter(object_id=str(claim.pk), message_params={"template": "理赔流程"})
    assert started.filter(message_id__contains="started automatically").exists()
    assert not StageRun.objects.filter(ticket=other).exists()
    # and switching it off stops it
    services.stage_template_save(
        actor=people["admin"], template=template,
        data={"name": "理赔流程", "target": "ticket", "type_code": "claim", "stages": CLAIM, "auto_start": False},
    )  # fmt: skip
    assert not StageRun.objects.filter(ticket=make_ticket(people["service_manager"], customer)).exists()
    # and the form carries the switch
    client.force_login(people["admin"])
    page = client.get(reverse("service:stage_template_edit", args=[template.pk])).content.decode()
    assert 'name="auto_start"' in page
