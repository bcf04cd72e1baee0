"""What the approvals app registers with lower apps at start-up: the reminder job, navigation and the demo step."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.ports import APPROVAL_ENGINE
from guanxi.core.registry import DayCard, HandoverKind, NavItem, NotificationTopic, PeriodicJob, registry

from . import ports


def _approval_reminders() -> Any:
    from .services import approval_send_reminders

    return approval_send_reminders()


# Hourly; a step is reminded once its wait passes the policy's hours, and at most once a day.
registry.add_periodic(PeriodicJob(key="approval_reminders", every_minutes=60, run=_approval_reminders))


def _demo(**kwargs: Any) -> None:
    from .demo import demo_approvals

    demo_approvals(**kwargs)


registry.add_demo_step(_demo)


def _pending_count(user: Any) -> int:
    from .selectors import approvals_pending_count

    return approvals_pending_count(user)


registry.add_nav(
    NavItem(
        key="approvals",
        label=_("Approvals"),
        url_name="approvals:inbox",
        icon="ti-rubber-stamp",
        order=38,
        match_prefix="/approvals/",
        badge=_pending_count,
        refresh_on="approvals",
    )
)


def _day_card(request: Any) -> str:
    """The requests waiting for the reader's decision, on their day page (managers and finance start there)."""
    from django.template.loader import render_to_string

    from .selectors import approvals_pending_for

    waiting = approvals_pending_for(request.user).select_related("applicant")
    requests = list(waiting[:5])
    if not requests:
        return ""
    context = {"requests": requests, "count": _pending_count(request.user)}
    return render_to_string("approvals/_day_card.html", context, request=request)


registry.add_day_card(DayCard(key="approvals", render=_day_card, order=10))
# The rules and the reminder policy, next to the other settings pages of administrators.
registry.add_nav(
    NavItem(
        key="approval_rules",
        label=_("Approval rules"),
        url_name="approvals:rule_list",
        icon="ti-route",
        order=906,
        permission="org.admin",
        match_prefix="/approvals/rules/",
    )
)


# --- hand-over when a user leaves: their undecided approvals go to the successor ------------------------------
def _count_undecided(*, leaving: Any) -> int:
    from .selectors import approval_assignments_undecided

    return approval_assignments_undecided(user=leaving).count()


def _approvals_hand_over(**kwargs: Any) -> int:
    from .services import approval_steps_hand_over

    return approval_steps_hand_over(**kwargs)


registry.add_handover_kind(
    HandoverKind(
        key="approval_steps",
        label=_("Pending approvals"),
        count=_count_undecided,
        hand_over=_approvals_hand_over,
        order=60,
    )
)


# --- the engine lent to org (below it) through the registry --------------------------------------
registry.provide(APPROVAL_ENGINE, ports.approval_engine)


# --- permission change requests (权限变更申请): org's document, approved here ------------------------
def _permission_change_decided(**kwargs: Any) -> None:
    from guanxi.org.permission_requests.services import permission_change_request_decided

    permission_change_request_decided(**kwargs)


def _permission_change_summary(request: Any) -> str:
    granted = "、".join(str(r) for r in request.add_roles.all())
    removed = "、".join(str(r) for r in request.remove_roles.all())
    parts = [str(request.user), f"+ {granted}" if granted else "", f"− {removed}" if removed else ""]
    return " · ".join(p for p in parts if p)


def _register_permission_change_kind() -> None:
    from guanxi.org.permission_requests.defaults import KIND

    from .kinds import DocumentKind, FactSpec, register_document_kind

    register_document_kind(
        DocumentKind(
            code=KIND,
            label=_("Permission change"),
            model="org.permissionchangerequest",
            facts={
                "grants_admin": FactSpec(_("Grants the right to administer users and roles"), "bool"),
                "department_id": FactSpec(_("Department"), "department"),
            },
            on_decided=_permission_change_decided,
            url=lambda request: reverse("org:permission_request_detail", args=[request.pk]),
            summary=_permission_change_summary,
        )
    )


_register_permission_change_kind()

registry.add_notification_topic(
    NotificationTopic(
        key="approvals",
        label=_("Approvals"),
        kinds=("approval", "approval_reminder"),
        help=_("Requests waiting for your decision, reminders, and the outcome of your own requests."),
        order=10,
    )
)
