"""The left navigation marks the section the user is in (longest matching URL prefix)."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def active_items(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [e["item"].key for e in response.context["nav_items"] if e["active"]]


def test_one_current_section_per_page(org):
    client = Client()
    client.login(username="admin", password=PASSWORD)
    assert active_items(client, "/customers/") == ["customers"]
    assert active_items(client, "/customers/contacts/") == ["contacts"]
    assert active_items(client, "/customers/my-day/") == ["my_day"]
    assert active_items(client, "/org/audit/") == ["audit"]
    assert active_items(client, "/org/users/") == ["org"]


def test_items_the_role_cannot_list_are_hidden(org):
    client = Client()
    client.login(username="east_rep", password=PASSWORD)
    keys = [e["item"].key for e in client.get("/customers/").context["nav_items"]]
    assert "customers" in keys and "org" not in keys and "audit" not in keys


def test_the_navigation_follows_the_sales_cycle():
    # given every app's navigation items
    from guanxi.core.registry import registry

    keys = [n.key for n in registry.nav]
    # then they read in the order of the work (UX.md): my day, leads, customers (pool beside them), contacts,
    # opportunities, quotes, contracts, money, approvals; settings come last
    cycle = ["my_day", "leads", "customers", "pool", "contacts", "opportunities", "quotes", "contracts", "receivables"]
    assert [k for k in keys if k in cycle] == cycle
    assert keys.index("approvals") > keys.index("receivables")
    settings = [n.key for n in registry.nav if n.order >= 900]
    assert keys[-len(settings) :] == settings


def test_a_counting_entry_shows_its_count_and_an_empty_one_stays_refreshable(org, monkeypatch):
    # given an entry that counts what waits for the reader (as the approvals inbox does), and one with nothing waiting
    from guanxi.core.registry import NavItem, registry

    waiting = NavItem("waiting", "Waiting", "core:notifications", "ti-bell", badge=lambda user: 7, refresh_on="x")
    idle = NavItem("idle", "Idle", "core:notifications", "ti-bell", badge=lambda user: 0, refresh_on="x")
    monkeypatch.setattr(registry, "nav", [*registry.nav, waiting, idle])
    client = Client()
    client.login(username="east_rep", password=PASSWORD)
    # when any page opens, then the menu shows the count, and the empty entry keeps its place for a refresh
    html = client.get("/customers/").content.decode()
    assert 'data-nav-badge="waiting">7' in html
    assert 'id="nav-badge-idle"' in html and 'data-nav-badge="idle"' not in html
