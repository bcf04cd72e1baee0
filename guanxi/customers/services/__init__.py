"""Every write to customers, contacts, follow-ups and tasks. Permission-checked, transactional, audited.

One module per topic; the names are re-exported here, so `guanxi.customers.services.<name>` keeps working:
customers (register, edit, hand over, delete, the customer form's save), review (new-customer review through the
approval engine), contacts, follow_ups, tasks, tags and export.
"""

from __future__ import annotations

from .contacts import CONTACT_FIELDS, contact_create, contact_delete, contact_update
from .customers import (
    CUSTOMER_FIELDS,
    customer_bulk_delete,
    customer_create,
    customer_delete,
    customer_restore,
    customer_save,
    customer_transfer,
    customer_update,
    customers_hand_over,
)
from .export import EXPORT_TYPES, customer_export
from .follow_ups import FOLLOW_UP_FIELDS, attachments_check, follow_up_create, follow_up_delete, follow_up_update
from .review import (
    customer_review,
    customer_review_decided,
    customer_review_request,
    customer_review_resubmit,
    customer_reviewers,
)
from .tags import tag_get_or_create, tag_name_clean
from .tasks import (
    TASK_CHANGES,
    TASK_FIELDS,
    task_create,
    task_delete,
    task_send_reminders,
    task_set_done,
    task_update,
    tasks_hand_over,
)

__all__ = [
    "CONTACT_FIELDS",
    "CUSTOMER_FIELDS",
    "EXPORT_TYPES",
    "FOLLOW_UP_FIELDS",
    "TASK_CHANGES",
    "TASK_FIELDS",
    "attachments_check",
    "contact_create",
    "contact_delete",
    "contact_update",
    "customer_bulk_delete",
    "customer_create",
    "customer_delete",
    "customer_export",
    "customer_restore",
    "customer_review",
    "customer_review_decided",
    "customer_review_request",
    "customer_review_resubmit",
    "customer_reviewers",
    "customer_save",
    "customer_transfer",
    "customer_update",
    "customers_hand_over",
    "follow_up_create",
    "follow_up_delete",
    "follow_up_update",
    "tag_get_or_create",
    "tag_name_clean",
    "task_create",
    "task_delete",
    "task_send_reminders",
    "task_set_done",
    "task_update",
    "tasks_hand_over",
]
