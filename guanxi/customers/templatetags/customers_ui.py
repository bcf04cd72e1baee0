"""Small display helpers for the customer pages: badges (icon + text, never colour alone), sortable
column headers and the "no contact for N days" warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.customers.models import Customer

register = template.Library()

# Icons of the seeded codes; the colour is the dictionary entry's, which an administrator picks.
LEVEL_ICON = {"A": "ti-star-filled", "B": "ti-star-half-filled", "C": "ti-star"}
STATUS_ICON = {
    "potential": "ti-seeding",
    "following": "ti-progress",
    "won": "ti-trophy",
    "lost": "ti-circle-x",
    "dormant": "ti-zzz",
}
REVIEW_STYLE = {"pending": ("bg-yellow-lt", "ti-hourglass"), "rejected": ("bg-red-lt", "ti-ban")}
METHOD_ICON = {
    "phone": "ti-phone",
    "visit": "ti-walk",
    "email": "ti-mail",
    "wechat": "ti-brand-wechat",
    "meeting": "ti-users",
    "other": "ti-dots",
}


def _badge(css: str, icon: str, text: Any) -> SafeString:
    return format_html('<span class="badge {}"><i class="ti {}" aria-hidden="true"></i> {}</span>', css, icon, text)


def dictionary_badge(key: str, code: str, icon: str) -> SafeString:
    """A dictionary value as a badge in its entry's colour; a retired entry says so."""
    found = dictionaries.entry(key, code)
    css = found.badge_class if found else "bg-secondary-lt"
    return _badge(css, icon, dictionaries.label_of(key, code, mark_retired=True))


@register.simple_tag
def level_badge(customer: Customer) -> SafeString:
    return dictionary_badge("customer_level", customer.level, LEVEL_ICON.get(customer.level, "ti-star"))


@register.simple_tag
def status_badge(customer: Customer) -> SafeString:
    return dictionary_badge("customer_status", customer.status, STATUS_ICON.get(customer.status, "ti-point"))


@register.simple_tag
def review_badge(customer: Customer) -> SafeString:
    if customer.review_status not in REVIEW_STYLE:
        return SafeString("")
    css, icon = REVIEW_STYLE[customer.review_status]
    return _badge(css, icon, customer.get_review_status_display())


def days_without_contact(customer: Customer, now: dt.datetime | None = None) -> int:
    """Days since the last contact (or since the customer was entered, if never contacted)."""
    since = customer.last_contact_at or customer.created_at
    return max(0, ((now or timezone.now()) - since).days)


@register.simple_tag
def contact_age_badge(customer: Customer) -> SafeString:
    """30 days without contact is a warning, 60 days is urgent (DESIGN: the public-pool thresholds)."""
    days = days_without_contact(customer)
    if days >= 60:
        return _badge("bg-red-lt", "ti-alert-octagon", _("No contact for %(days)s days") % {"days": days})
    if days >= 30:
        return _badge("bg-yellow-lt", "ti-alert-triangle", _("No contact for %(days)s days") % {"days": days})
    return SafeString("")


@register.filter
def method_icon(method: str) -> str:
    return METHOD_ICON.get(method, "ti-message")


@register.filter
def is_overdue_date(value: dt.date | None) -> bool:
    return bool(value and value < timezone.localdate())


@register.simple_tag(takes_context=True)
def sort_header(context: Any, key: str, label: str, css: str = "") -> SafeString:
    """A column header that sorts on the server: click once ascending, again descending."""
    request = context["request"]
    current = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = f"-{key}" if current == key else key
    if current == key:
        aria, icon = "ascending", "ti-sort-ascending"
    elif current == f"-{key}":
        aria, icon = "descending", "ti-sort-descending"
    else:
        aria, icon = "none", "ti-arrows-sort"
    return format_html(
        '<th class="{}" aria-sort="{}"><a class="table-sort-link text-reset" href="?{}">{} '
        '<i class="ti {} text-secondary" aria-hidden="true"></i></a></th>',
        css,
        aria,
        params.urlencode(),
        label,
        icon,
    )


@register.simple_tag
def query_without(params: Any, key: str, value: str = "") -> str:
    """The query string without one filter value (for a removable chip)."""
    out = params.copy()
    if value:
        out.setlist(key, [v for v in out.getlist(key) if v != value])
    else:
        out.pop(key, None)
    out.pop("page", None)
    return out.urlencode()


@register.simple_tag
def query_string(**kwargs: Any) -> str:
    return urlencode({k: v for k, v in kwargs.items() if v not in (None, "")})


@register.filter
def follow_up_method_label(method: str) -> str:
    return dictionaries.label_of("follow_up_method", method)


@register.simple_tag
def dictionary_label(key: str, code: str) -> str:
    """Any dictionary value's label in the reader's language, "(retired)" after a retired one."""
    return dictionaries.label_of(key, code, mark_retired=True)


@register.filter
def indent(depth: int) -> str:
    """Non-breaking spaces that indent a department under its parent in a <select>."""
    return "\u00a0\u00a0" * max(0, int(depth or 0))
