"""The approvals inbox, declared for the shared list toolkit (guanxi.org.lists): the boxes 待我审批 / 我已审批 /
我发起的 / all the reader may see as scene tabs with their counts, filters on type, status, applicant, amount and
date, an export of the requests the reader sees (for whoever holds an export right somewhere), and per row the
applicant, type, amount, current step, the linked document and the reader's decision buttons (approve at once;
reject or return with a comment in a dialog). Registered in ApprovalsConfig.ready(); the page is
`list_page("approvals")`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy

from guanxi.org.lists.spec import Choice, Column, EmptyState, Field, ListDefinition, Scene
from guanxi.org.models import User
from guanxi.org.policies import has_permission, holds_action

from . import selectors
from .kinds import document_kinds
from .models import ApprovalRequest
from .views import decorate_request

# The API's and the old page's `box` values are the scene keys (a bookmarked ?box=done still opens its tab).
BOX_LABELS = {
    "pending": gettext_lazy("Awaiting my approval"),
    "done": gettext_lazy("Decided by me"),
    "mine": gettext_lazy("Submitted by me"),
    "all": gettext_lazy("All"),
}


def _box(key: str) -> Scene:
    return Scene(key, BOX_LABELS[key], lambda qs, user: selectors.approval_box(qs, user=user, box=key))


def _kind_choices(user: Any) -> list[Choice]:
    kinds = [k for k in document_kinds() if not k.code.startswith("test")]
    return sorted((Choice(k.code, k.label) for k in kinds), key=lambda c: str(c.label))


def _status_choices(user: Any) -> list[Choice]:
    return [Choice(value, label) for value, label in ApprovalRequest.Status.choices]


def _applicant_choices(user: Any) -> list[Choice]:
    applicants = User.objects.filter(pk__in=selectors.approval_list(user=user).values("applicant_id"))
    return [Choice(str(u.pk), str(u)) for u in applicants.order_by("name", "username")]


def _step(row: ApprovalRequest) -> str:
    current = getattr(row, "current", None)
    return current.display_label if current is not None else ""


class ApprovalList(ListDefinition):
    key = "approvals"
    title = gettext_lazy("Approvals")
    model = ApprovalRequest
    permission = ""  # no module right: every signed-in user reads their own requests (may_read, rows)
    url_name = "approvals:inbox"
    template = "approvals/inbox.html"
    search_placeholder = gettext_lazy("Title or applicant")
    star = False
    default_sort = "-submitted"
    empty = EmptyState(
        gettext_lazy("No approval requests here."),
        gettext_lazy(
            "Requests waiting for your decision, those you decided and those you submitted appear in these tabs."
        ),
        icon="rubber-stamp",
    )
    no_action_text = gettext_lazy(
        "To ask for an approval, submit a quote, a contract or an expense claim from its own page."
    )

    scenes = tuple(_box(key) for key in selectors.INBOX_BOXES)
    columns = (
        Column("title", gettext_lazy("Title"), template="approvals/cells/title.html", sort=("title",), fixed=True),
        Column(
            "kind",
            gettext_lazy("Type"),
            value=lambda r: getattr(r, "kind_label", r.kind),
            template="approvals/cells/kind.html",
            sort=("kind",),
            phone_inline=True,
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda r: r.get_status_display(),
            template="approvals/cells/status.html",
            sort=("status",),
            phone_inline=True,
        ),
        Column(
            "applicant",
            gettext_lazy("Applicant"),
            value=lambda r: str(r.applicant),
            sort=("applicant__name", "applicant__username"),
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            value=lambda r: r.amount,  # the export's plain number; the cell shows it with its currency
            template="approvals/cells/amount.html",
            sort=("amount",),
            numeric=True,
        ),
        Column("step", gettext_lazy("Current step"), value=_step, template="approvals/cells/step.html"),
        Column(
            "document",
            gettext_lazy("Document"),
            value=lambda r: getattr(r, "summary", ""),
            template="approvals/cells/document.html",
            default=False,
            phone=False,
        ),
        Column(
            "submitted",
            gettext_lazy("Submitted at"),
            value=lambda r: r.submitted_at,
            template="org/cells/datetime.html",
            sort=("submitted_at",),
        ),
        Column(
            "decided",
            gettext_lazy("Decided at"),
            value=lambda r: r.decided_at,
            template="org/cells/datetime.html",
            sort=("decided_at",),
            default=False,
            phone=False,
        ),
        Column("decide", gettext_lazy("Actions"), template="approvals/cells/decide.html", export=False),
    )
    fields = (
        Field("kind", gettext_lazy("Type"), "kind", "choice", choices=_kind_choices, quick=True),
        Field("status", gettext_lazy("Status"), "status", "choice", choices=_status_choices, quick=True),
        Field("applicant", gettext_lazy("Applicant"), "applicant_id", "user", choices=_applicant_choices, quick=True),
        Field("amount", gettext_lazy("Amount"), "amount", "money"),
        Field("submitted", gettext_lazy("Submitted at"), "submitted_at", "datetime"),
    )

    def may_read(self, user: Any) -> bool:
        return bool(user.is_authenticated)

    def may_export(self, user: Any) -> bool:
        """No module right of its own: whoever holds an export right in some module exports the requests this
        list shows them (rows(): their own, those they decide or decided; all for administrators), no others."""
        return self.may_read(user) and holds_action(user, "export")

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.approval_list(user=user)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.approval_search(qs, text)

    def prepare_rows(self, *, user: Any, rows: list[Any]) -> None:
        """Each request's document (one query per document type), current step and the reader's buttons."""
        documents = selectors.approval_documents(rows)
        for row in rows:
            decorate_request(row, user, document=documents.get((row.content_type_id, row.object_id)))

    def row_url(self, row: Any) -> str:
        return reverse("approvals:detail", args=[row.pk])

    def clean_params(self, *, params: QueryDict, warnings: list[str]) -> None:
        box = params.pop("box", [None])[-1]
        if box and "scene" not in params:
            params["scene"] = box

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"perms_admin": has_permission(user, "org.admin")}
