"""Web UI for customers, contacts, follow-ups and tasks. Thin: parse, call a selector/service, render.

Every POST goes through a service (which checks permission and scope), then redirects with a message;
htmx requests get the partial they swap in. Bad ids answer 404, bad query strings a page with a note.
"""

from .activity import (  # noqa: F401
    contact_create,
    contact_delete,
    contact_edit,
    customer_email,
    follow_up_create,
    follow_up_delete,
    follow_up_edit,
    my_day,
    quick_pick,
    task_create,
    task_done,
)
from .customer import (  # noqa: F401
    customer_check_duplicate,
    customer_create,
    customer_delete,
    customer_detail,
    customer_edit,
    customer_review,
    customer_review_resubmit,
    customer_transfer,
)
from .lists import (  # noqa: F401
    customer_restore,
    recycle_bin,
    review_queue,
)
