"""What the customers app registers at start-up: navigation, search, hand-over, jobs (with core) and the
new-customer review document kind (with the approval engine)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import (
    CalendarSource,
    CustomFieldTarget,
    DefaultApprovalRules,
    EventType,
    FileKind,
    HandoverKind,
    LeaverExport,
    MailboxHandler,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    QuickCreate,
    SearchSource,
    registry,
)
from guanxi.core.search_rows import USER_STR, under


def _customer_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_customers

    return search_customers(user=user, query=query, limit=limit)


def _customer_hit(c: Any) -> dict[str, Any]:
    return {
        "kind": "customer",
        "title": c.name,
        "subtitle": " · ".join(filter(None, [c.city, str(c.owner or "")])),
        "url": reverse("customers:detail", args=[c.pk]),
    }


def _contact_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_contacts

    return search_contacts(user=user, query=query, limit=limit)


def _contact_hit(c: Any) -> dict[str, Any]:
    return {
        "kind": "contact",
        "title": c.name,
        "subtitle": " · ".join(filter(None, [c.customer.name, c.mobile])),
        "url": reverse("customers:detail", args=[c.customer_id]) + f"#contact-{c.pk}",
    }


def _customers_hand_over(**kwargs: Any) -> int:
    from .services import customers_hand_over

    return customers_hand_over(**kwargs)


def _tasks_hand_over(**kwargs: Any) -> int:
    from .services import tasks_hand_over

    return tasks_hand_over(**kwargs)


def _count_customers(*, leaving: Any) -> int:
    from .models import Customer

    return Customer.objects.filter(owner=leaving).count()


def _count_contacts(*, leaving: Any) -> int:
    from .models import Contact

    return Contact.objects.filter(customer__owner=leaving, customer__deleted_at__isnull=True).count()


def _contacts_go_with_customers(*, leaving: Any, **_kwargs: Any) -> int:
    """Nothing to write: the contacts move with the customers (next). Counted for the audit row."""
    return _count_contacts(leaving=leaving)


def _count_open_tasks(*, leaving: Any) -> int:
    from .models import Task

    return Task.objects.filter(assignee=leaving, done=False).count()


def _task_reminders() -> Any:
    from .services import task_send_reminders

    return task_send_reminders()


registry.add_nav(NavItem(key="my_day", label=_("My day"), url_name="customers:my_day", icon="ti-sun", order=10))
registry.add_nav(
    NavItem(
        key="customers",
        label=_("Customers"),
        url_name="customers:list",
        icon="ti-users",
        order=22,
        permission="customers.view",
    )
)
registry.add_nav(
    NavItem(
        key="contacts",
        label=_("Contacts"),
        url_name="customers:contact_list",
        icon="ti-address-book",
        order=26,
        permission="contacts.view",
    )
)


def _customer_probes(*, user: Any, query: str) -> list[tuple[Any, str, list[str]]]:
    from guanxi.org.policies import has_permission

    from .filters import apply_search_probes
    from .models import Customer

    if not has_permission(user, "customers.view"):
        return []
    return apply_search_probes(Customer, query)


def _contact_probes(*, user: Any, query: str) -> list[tuple[Any, str, list[str]]]:
    from guanxi.org.policies import has_permission

    from .filters import apply_search_probes
    from .models import Contact

    if not has_permission(user, "contacts.view"):
        return []
    return apply_search_probes(Contact, query)


registry.add_search(
    SearchSource(
        key="customers",
        label=_("Customers"),
        rows=_customer_rows,
        fields=("name", "city", *under("owner", USER_STR)),
        hit=_customer_hit,
        order=10,
        probes=_customer_probes,
    )
)
registry.add_search(
    SearchSource(
        key="contacts",
        label=_("Contacts"),
        rows=_contact_rows,
        fields=("name", "mobile", "customer__name"),
        hit=_contact_hit,
        order=20,
        probes=_contact_probes,
    )
)
# A leaver's customers with their contacts, and open tasks, go to the successor (contacts have no owner of their
# own: they move with their customer, so their kind only counts them, before the customers move).
registry.add_handover_kind(
    HandoverKind(
        key="contacts",
        label=_("Contacts (with their customers)"),
        count=_count_contacts,
        hand_over=_contacts_go_with_customers,
        order=9,
    )
)
registry.add_handover_kind(
    HandoverKind(
        key="customers", label=_("Customers"), count=_count_customers, hand_over=_customers_hand_over, order=10
    )
)
registry.add_handover_kind(
    HandoverKind(key="tasks", label=_("Open tasks"), count=_count_open_tasks, hand_over=_tasks_hand_over, order=15)
)
registry.add_periodic(PeriodicJob(key="task_reminders", every_minutes=5, run=_task_reminders))


def _followup_counts_compact() -> Any:
    from .followup_counts import followup_counts_compact

    return {"rows": followup_counts_compact()}


# The follow-ups of each day kept by the database (followup_counts): each write adds a row; folded into one per key.
registry.add_periodic(PeriodicJob(key="followup_counts_compact", every_minutes=5, run=_followup_counts_compact))


def _customer_level_counts_compact() -> Any:
    from .level_counts import customer_level_counts_compact

    return {"rows": customer_level_counts_compact()}


# The customers by owner, department and level kept by the database (level_counts), folded likewise.
registry.add_periodic(
    PeriodicJob(key="customer_level_counts_compact", every_minutes=5, run=_customer_level_counts_compact)
)


# --- new-customer review (录入审核) through the approval engine ---------------------------------
def _review_decided(**kwargs: Any) -> None:
    from .services import customer_review_decided

    customer_review_decided(**kwargs)


def _register_review_kind() -> None:
    from guanxi.approvals.kinds import DocumentKind, FactSpec, register_document_kind

    from .review import REVIEW_KIND, REVIEW_RULE, review_summary

    register_document_kind(
        DocumentKind(
            code=REVIEW_KIND,
            label=_("New customer review"),
            model="customers.customer",
            facts={
                "department_id": FactSpec(_("Department"), "department"),
                "source": FactSpec(_("Source"), "str"),
                "kind": FactSpec(_("Customer type"), "str"),
                "level": FactSpec(_("Level"), "str"),
            },
            on_decided=_review_decided,
            url=lambda customer: reverse("customers:detail", args=[customer.pk]),
            summary=review_summary,
        )
    )
    # Seeded on a new database when migrate applies customers' 0008, which wrote it before (editable afterwards).
    registry.add_default_approval_rules(
        DefaultApprovalRules(
            key="customers", rules=(REVIEW_RULE,), seeded_with=("customers", "0008_customer_review_rule")
        )
    )


_register_review_kind()


def _attachment_get(*, user: Any, pk: Any) -> Any:
    from .selectors import attachment_get

    return attachment_get(user=user, pk=pk)


registry.add_file_kind(
    FileKind(
        key="followup-attachment",
        model="customers.attachment",
        field="file",
        label=_("Follow-up attachment"),
        get=_attachment_get,
        file_name=lambda attachment: attachment.name,
    )
)
# Features of this app that live in sub-packages register themselves on import.
from . import importers as _importers  # noqa: E402,F401,I001  (spreadsheet import of customers and contacts)
from .dedupe import providers as _dedupe_providers  # noqa: E402,F401
from .pool import providers as _pool_providers  # noqa: E402,F401


# --- a leaving user's data export: one sheet per kind -----------------------------------------------------
def _leaver_table(name: str) -> Any:
    def table(*, actor: Any, leaving: Any) -> Any:
        from . import selectors

        return getattr(selectors, name)(user=actor, leaving=leaving)

    return table


for _export in (
    LeaverExport(key="customers", label=_("Customers"), table=_leaver_table("leaver_customers_table"), order=10),
    LeaverExport(key="contacts", label=_("Contacts"), table=_leaver_table("leaver_contacts_table"), order=11),
    LeaverExport(key="follow_ups", label=_("Follow-ups"), table=_leaver_table("leaver_follow_ups_table"), order=12),
    LeaverExport(key="tasks", label=_("Tasks"), table=_leaver_table("leaver_tasks_table"), order=13),
):
    registry.add_leaver_export(_export)


# --- the top bar's "+" menu (quick create) --------------------------------------------------------
def _contact_for(pk: int) -> str:
    return reverse("customers:contact_create", args=[pk])


def _follow_up_for(pk: int) -> str:
    return reverse("customers:detail", args=[pk]) + "#composer"


def _task_for(pk: int) -> str:
    return reverse("customers:task_create") + f"?customer={pk}"


registry.add_quick_create(
    QuickCreate(
        key="customer",
        label=_("Customer"),
        url_name="customers:create",
        icon="ti-building",
        permission="customers.create",
        order=10,
    )
)
registry.add_quick_create(
    QuickCreate(
        key="contact",
        label=_("Contact"),
        url_name="customers:quick_pick",
        icon="ti-address-book",
        permission="contacts.create",
        order=20,
        for_customer=_contact_for,
    )
)
registry.add_quick_create(
    QuickCreate(
        key="follow_up",
        label=_("Follow-up"),
        url_name="customers:quick_pick",
        icon="ti-message-plus",
        permission="followups.create",
        order=30,
        for_customer=_follow_up_for,
    )
)
registry.add_quick_create(
    QuickCreate(
        key="task",
        label=_("Task"),
        url_name="customers:quick_pick",
        icon="ti-checkbox",
        permission="tasks.create",
        order=40,
        for_customer=_task_for,
    )
)

registry.add_notification_topic(
    NotificationTopic(
        key="tasks",
        label=_("Tasks"),
        kinds=("task_assigned", "task_due", "task_overdue"),
        help=_("A task given to you, due soon or overdue."),
        order=20,
    )
)
registry.add_notification_topic(
    NotificationTopic(
        key="customers",
        label=_("Customers"),
        kinds=(
            "customer_transfer",
            "customer_merged",
            "customer_review",
            "customer_review_result",
            "registration_conflict",
            "registration_conflict_decided",
        ),
        help=_("Customers handed to you, merged duplicates, reviews of new customers, registration conflicts."),
        order=30,
    )
)


# --- business events (webhooks) and the calendar feed ---------------------------------------------------------
def _customer_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas import CustomerOut

    return api_shape(CustomerOut)(obj)


def _customer_load(pk: Any) -> Any:
    from .models import Customer

    return Customer.all_objects.select_related("owner", "department").prefetch_related("tags").get(pk=pk)


for _key, _label, _order in (
    ("customer.created", _("Customer created"), 10),
    ("customer.updated", _("Customer updated"), 11),
    ("customer.transferred", _("Customer transferred"), 12),
    ("customer.returned_to_pool", _("Customer returned to the public pool"), 13),
):
    registry.add_event_type(
        EventType(
            key=_key,
            label=_label,
            model="customers.customer",
            serialise=_customer_out,
            load=_customer_load,
            order=_order,
        )
    )


def _task_entries(**kwargs: Any) -> Any:
    from .calendar_feed import task_entries

    return task_entries(**kwargs)


def _follow_up_entries(**kwargs: Any) -> Any:
    from .calendar_feed import follow_up_entries

    return follow_up_entries(**kwargs)


registry.add_calendar_source(CalendarSource(key="tasks", label=_("Tasks"), entries=_task_entries, order=10))
registry.add_calendar_source(
    CalendarSource(key="follow_ups", label=_("Next follow-ups"), entries=_follow_up_entries, order=20)
)


def _register_dictionaries() -> None:
    from .dictionaries import CUSTOMER_DICTIONARIES

    registry.add_default_dictionaries(CUSTOMER_DICTIONARIES)


_register_dictionaries()


# --- metrics analytics reads (new customers, customers by level, follow-ups, contact frequency) ----------------
from .metrics import METRICS as _CUSTOMER_METRICS  # noqa: E402

for _metric in _CUSTOMER_METRICS:
    registry.add_metric(_metric)

# Custom fields (自定义字段): administrators may add fields to customers and contacts.
registry.add_custom_field_target(
    CustomFieldTarget(
        model="customers.customer", label=_("Customers"), module="customers", order=10,
        search_text="guanxi.customers.search_text.customer_search_text",
    )
)  # fmt: skip
registry.add_custom_field_target(
    CustomFieldTarget(
        model="customers.contact", label=_("Contacts"), module="contacts", order=20,
        search_text="guanxi.customers.search_text.contact_search_text",
    )
)  # fmt: skip


def _user_mailboxes() -> Any:
    from .mail import user_mailboxes

    return user_mailboxes()


def _user_mail_file(**kwargs: Any) -> str:
    from .mail import user_mail_file

    return user_mail_file(**kwargs)


# Users' own mailboxes (guanxi/org/mailboxes): the core mail poll files their mail, received and sent (the Sent
# folder), as e-mail follow-ups.
registry.add_mailbox_handler(
    MailboxHandler(key="user", mailboxes=_user_mailboxes, file=_user_mail_file, sent_folder=True)
)
