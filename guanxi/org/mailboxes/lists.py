"""The administrators' list of users' mailboxes (org.admin), on the shared list toolkit: whose, which address and
server, whether it is on, when it was last read and its last error. Registered in OrgConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.mail.models import MailboxState

from ..lists.spec import Column, EmptyState, ListDefinition, Scene
from ..policies import require_permission
from .models import UserMailbox


class MailboxList(ListDefinition):
    key = "mailboxes"
    title = gettext_lazy("Mailboxes")
    model = UserMailbox
    permission = "org.admin"
    url_name = "org:mailbox_list"
    template = "org/mailboxes/list_page.html"
    search_placeholder = gettext_lazy("Address, user or server")
    star = False
    default_sort = "address"
    empty = EmptyState(
        gettext_lazy("No mailboxes connected yet."),
        gettext_lazy("Each user connects their own mailbox under My account → My mailbox."),
        icon="mail",
    )
    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("errors", gettext_lazy("With an error"), lambda qs, user: qs.exclude(last_error="")),
        Scene("off", gettext_lazy("Switched off"), lambda qs, user: qs.filter(is_active=False)),
    )
    columns = (
        Column("address", gettext_lazy("E-mail address"), sort=("address",), fixed=True),
        Column("user", gettext_lazy("User"), value=lambda m: str(m.user), sort=("user__username",)),
        Column("imap_host", gettext_lazy("IMAP server"), sort=("imap_host",), phone=False),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda m: _("Active") if m.is_active else _("Switched off"),
            sort=("is_active",),
            phone_inline=True,
        ),  # fmt: skip
        Column(
            "polled_at",
            gettext_lazy("Last checked"),
            value=lambda m: m.polled_at,
            template="org/cells/datetime.html",
            sort=("polled_at",),
        ),  # fmt: skip
        Column("last_error", gettext_lazy("Last error"), sort=("last_error",)),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, "org.admin")
        state = MailboxState.objects.filter(key=Concat(Value("user:"), Cast(OuterRef("user_id"), CharField())))
        return UserMailbox.objects.select_related("user").annotate(
            polled_at=Subquery(state.values("polled_at")[:1]),
            last_error=Subquery(state.values("last_error")[:1]),
        )

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(address__icontains=text) | Q(user__username__icontains=text) | Q(imap_host__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("org:user_edit", args=[row.user_id])

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        from ..views_admin import admin_tabs

        return {"admin_tabs": admin_tabs(user, "mailboxes")}
