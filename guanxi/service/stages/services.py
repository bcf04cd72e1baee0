"""Writes of staged tasks: administrators edit stage templates (audited); an agent starts one on a ticket or an
asset and moves it through its stages. Entering a stage creates that stage's tasks (customers' to-dos, due the
stage's offsets in days from now) for the record's owner — the ticket's agent, or the asset's customer owner —
and lands on the ticket's history and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error, pick
from guanxi.core.services import audit_record, model_create, model_update, notify
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, require_permission

from ..models import Asset, Ticket, TicketEvent
from .models import StageRun, StageTemplate

STAGES_MAX = 20
TASKS_MAX = 20
DUE_DAYS_MAX = 365


# --- templates -------------------------------------------------------------------------------------------
def stages_parse(text: str) -> list[dict[str, Any]]:
    """The administrator's text → stages. A line is a stage's name; a line starting with "-" is a task of the
    stage above, "title | due in days" (days default 0):

        报案
        - 登记报案信息 | 0
        查勘
        - 现场查勘拍照 | 1
    """
    stages: list[dict[str, Any]] = []
    for number, raw in enumerate(str(text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line[0] in "-*－":
            if not stages:
                raise field_error("stages", _("Line %(n)s: a task needs a stage above it.") % {"n": number})
            title, _sep, days_text = line[1:].replace("｜", "|").partition("|")
            title = " ".join(title.split())
            try:
                days = int(days_text.strip() or 0)
            except ValueError:
                days = -1
            if not title or not 0 <= days <= DUE_DAYS_MAX or len(title) > 200:
                raise field_error(
                    "stages", _("Line %(n)s: write a task as “- title | days” (0 to %(max)s days).")
                    % {"n": number, "max": DUE_DAYS_MAX},
                )  # fmt: skip
            stages[-1]["tasks"].append({"title": title, "due_days": days})
            if len(stages[-1]["tasks"]) > TASKS_MAX:
                raise field_error("stages", _("At most %(max)s tasks a stage.") % {"max": TASKS_MAX})
        else:
            stages.append({"name": " ".join(line.split())[:100], "tasks": []})
    if not stages:
        raise field_error("stages", _("Name at least one stage."))
    if len(stages) > STAGES_MAX:
        raise field_error("stages", _("At most %(max)s stages.") % {"max": STAGES_MAX})
    return stages


def stages_text(stages: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for stage in stages or []:
        lines.append(str(stage.get("name", "")))
        lines.extend(f"- {t.get('title', '')} | {t.get('due_days', 0)}" for t in stage.get("tasks", []))
    return "\n".join(lines)


@transaction.atomic
def stage_template_save(*, actor: User, data: dict[str, Any], template: StageTemplate | None = None) -> StageTemplate:
    """Create or change a stage template (org.admin). Audited."""
    require_permission(actor, "org.admin")
    data = pick(data, {"name", "target", "type_code", "stages", "is_active", "auto_start"})
    target = str(data.get("target") or StageTemplate.Target.TICKET)
    if target not in StageTemplate.Target.values:
        raise field_error("target", _("Choose one of the list."))
    stages = data["stages"] if isinstance(data.get("stages"), list) else stages_parse(data.get("stages", ""))
    values = {
        "name": clean_text(data.get("name"), "name", max_length=100, required=True),
        "target": target,
        "type_code": clean_text(data.get("type_code"), "type_code", max_length=30),
        "stages": stages_parse(stages_text(stages)),
        "is_active": data.get("is_active", True) not in (False, "", None, "0", "off"),
        "auto_start": data.get("auto_start", False) not in (False, "", None, "0", "off"),
    }
    if values["auto_start"]:
        _check_auto_start(values, template)
    if template is None:
        return model_create(instance=StageTemplate(**values), actor=actor)
    template = StageTemplate.objects.select_for_update(of=("self",)).get(pk=template.pk)
    template, _c = model_update(instance=template, data=values, actor=actor)
    return template


def _check_auto_start(values: dict[str, Any], template: StageTemplate | None) -> None:
    """Starting by itself needs a ticket template with a ticket type, and one such template a type."""
    if values["target"] != StageTemplate.Target.TICKET or not values["type_code"]:
        raise field_error("auto_start", _("Only a ticket template with a ticket type can start by itself."))
    if not values["is_active"]:
        return
    others = StageTemplate.objects.filter(auto_start=True, is_active=True, type_code=values["type_code"])
    other = (others.exclude(pk=template.pk) if template else others).first()
    if other is not None:
        raise field_error(
            "auto_start", _("“%(name)s” already starts by itself on this ticket type.") % {"name": other.name}
        )


@transaction.atomic
def stage_template_delete(*, actor: User, template: StageTemplate) -> None:
    """Delete a template nobody used yet; one in use is switched off instead (its runs keep their stages)."""
    require_permission(actor, "org.admin")
    if template.runs.exists():
        model_update(instance=template, data={"is_active": False}, actor=actor)
        return
    audit_record(actor=actor, action="delete", obj=template, message=template.name)
    template.delete()


def templates_for(record: Ticket | Asset) -> list[StageTemplate]:
    """The active templates offered for a ticket (by its type) or an asset (by its kind)."""
    target, code = ("ticket", record.type) if isinstance(record, Ticket) else ("asset", record.kind)
    rows = StageTemplate.objects.filter(is_active=True, target=target)
    return [t for t in rows if t.type_code in ("", code)]


# --- runs -------------------------------------------------------------------------------------------------
def _record_for_change(actor: User, *, ticket: Ticket | None, asset: Asset | None) -> Ticket | Asset:
    if ticket is not None:
        require_permission(actor, "tickets.edit")
        return get_scoped_or_404(actor, Ticket.objects.select_related("customer", "owner"), ticket.pk, "edit")
    assert asset is not None
    require_permission(actor, "assets.edit")
    return get_scoped_or_404(actor, Asset.objects.select_related("customer", "customer__owner"), asset.pk, "edit")


def _owner_of(record: Ticket | Asset, actor: User | None) -> User | None:
    owner = record.owner if isinstance(record, Ticket) else record.customer.owner
    return owner if owner is not None and owner.is_active else actor


def _enter_stage(run: StageRun, record: Ticket | Asset, actor: User | None, now: dt.datetime) -> list[Any]:
    """Create the tasks of the stage the run is at, for the record's owner; note it on the ticket's history."""
    from guanxi.customers.models import Task

    stage = run.stages[run.stage_index]
    owner = _owner_of(record, actor) or record.customer.owner
    label = f"{record.number}" if isinstance(record, Ticket) else str(record)
    tasks = []
    for spec in stage.get("tasks", []):
        task = Task(
            title=str(spec["title"])[:200], assignee=owner, customer=run.customer, created_by=actor,
            due_at=now + dt.timedelta(days=int(spec.get("due_days", 0))),
            description=f"{run.template.name} · {stage['name']} · {label}",
        )  # fmt: skip
        tasks.append(model_create(instance=task, actor=actor))
    run.tasks.add(*tasks)
    if tasks and owner is not None and owner.pk != getattr(actor, "pk", None):
        notify(
            recipient=owner, kind="task_assigned", url=_record_url(record),
            title=Message(gettext_noop("Stage %(stage)s: %(count)s new tasks"),
                          {"stage": stage["name"], "count": len(tasks)}),
            body=label,
        )  # fmt: skip
    if isinstance(record, Ticket):
        TicketEvent.objects.create(
            ticket=record, at=now, actor=actor, kind=TicketEvent.Kind.NOTE,
            text=_("Stage: %(stage)s") % {"stage": stage["name"]},
        )  # fmt: skip
    audit_record(actor=actor, action="update", obj=record,
                 message=Message(gettext_noop("Stage reached: %(stage)s"), {"stage": stage["name"]}))  # fmt: skip
    return tasks


def _record_url(record: Ticket | Asset) -> str:
    kind = "tickets" if isinstance(record, Ticket) else "assets"
    return f"/service/{kind}/{record.pk}/"


@transaction.atomic
def stage_start(
    *, actor: User, template: StageTemplate, ticket: Ticket | None = None, asset: Asset | None = None,
    now: dt.datetime | None = None,
) -> StageRun:  # fmt: skip
    """Start a template on a ticket or an asset (tickets.edit / assets.edit on it): its first stage's tasks."""
    now = now or timezone.now()
    record = _record_for_change(actor, ticket=ticket, asset=asset)
    if template.pk not in {t.pk for t in templates_for(record)}:
        raise field_error("template", _("Choose one of the list."))
    if record.stage_runs.filter(finished_at__isnull=True).exists():
        raise InvalidStateError(_("Finish the stages under way first."))
    return _run_create(template, record, actor, now)


def _run_create(template: StageTemplate, record: Ticket | Asset, actor: User | None, now: dt.datetime) -> StageRun:
    run = StageRun.objects.create(
        template=template, customer=record.customer, stages=template.stages, started_by=actor,
        ticket=record if isinstance(record, Ticket) else None, asset=record if isinstance(record, Asset) else None,
    )  # fmt: skip
    _enter_stage(run, record, actor, now)
    return run


def stage_auto_start(*, ticket: Ticket, actor: User | None, now: dt.datetime | None = None) -> StageRun | None:
    """A new ticket (by hand, API, e-mail or the web form; after its assignment) starts the template set to start
    by itself for its type, in the creation's transaction; the start is audited on the ticket. Nothing when no
    template is set, or when nobody could take its tasks (no owner, customer owner or actor)."""
    template = StageTemplate.objects.filter(
        target=StageTemplate.Target.TICKET, auto_start=True, is_active=True, type_code=ticket.type
    ).first()
    if template is None or not template.stages:
        return None
    ticket = Ticket.objects.select_related("customer", "customer__owner", "owner").get(pk=ticket.pk)
    if (_owner_of(ticket, actor) or ticket.customer.owner) is None:
        return None
    audit_record(actor=actor, action="update", obj=ticket, message=Message(
        gettext_noop("Stage template %(template)s started automatically for this ticket type"),
        {"template": template.name},
    ))  # fmt: skip
    return _run_create(template, ticket, actor, now or timezone.now())


@transaction.atomic
def stage_advance(*, actor: User, run: StageRun, now: dt.datetime | None = None) -> StageRun:
    """Move to the next stage (creating its tasks), or finish after the last. The tasks of the stage left stay as
    they are: whatever is still open shows on the owner's unfinished work."""
    now = now or timezone.now()
    record = _record_for_change(actor, ticket=run.ticket, asset=run.asset)
    run = StageRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if run.finished_at is not None:
        raise InvalidStateError(_("These stages are finished."))
    if run.is_last_stage:
        run.finished_at = now
        run.save(update_fields=["finished_at", "updated_at"])
        finished = Message(gettext_noop("Stages finished: %(name)s"), {"name": run.template.name})
        audit_record(actor=actor, action="update", obj=record, message=finished)
        return run
    run.stage_index += 1
    run.save(update_fields=["stage_index", "updated_at"])
    _enter_stage(run, record, actor, now)
    return run


def stage_runs_for(record: Ticket | Asset) -> list[StageRun]:
    return list(
        record.stage_runs.select_related("template").prefetch_related("tasks__assignee").order_by("-created_at")[:5]
    )
