"""Each app owns its defaults. The default roles are org's, each app's grants in its own modules are registered by
that app (core.registry's DefaultGrants): the roles a new database gets, and what `roles upgrade` offers, are org's
grants plus every registered app's, exactly the permissions the roles held when org/roles.py listed them all. The
default approval rules are registered by the app owning each document (DefaultApprovalRules) and are the ones the
approvals app seeded before."""

from __future__ import annotations

import pytest

from guanxi.approvals.models import ApprovalRule
from guanxi.core.registry import registry
from guanxi.org.models import Role
from guanxi.org.policies import all_permissions
from guanxi.org.roles import DEFAULT_ROLES, default_roles
from guanxi.org.selectors import role_upgrades
from guanxi.org.services import roles_ensure_defaults, roles_upgrade

# The default roles' permissions before each app registered its own (the administrator holds every permission).
BEFORE_THE_MOVE = {
    "sales_rep": """
        contacts.create contacts.edit contacts.view contracts.create contracts.edit contracts.view
        customers.create customers.edit customers.export customers.view expenses.create expenses.edit
        expenses.view followups.create followups.edit followups.view invoices.view leads.edit leads.view
        opportunities.create opportunities.edit opportunities.view payments.view products.view quotes.create
        quotes.delete quotes.edit quotes.view tasks.create tasks.edit tasks.view
    """,
    "channel_rep": """
        contacts.create contacts.edit contacts.view contracts.create contracts.edit contracts.view
        customers.create customers.edit customers.export customers.view expenses.create expenses.edit
        expenses.view followups.create followups.edit followups.view invoices.view leads.edit leads.view
        opportunities.create opportunities.edit opportunities.view payments.view products.view quotes.create
        quotes.delete quotes.edit quotes.view tasks.create tasks.edit tasks.view
    """,
    "business_manager": """
        contacts.create contacts.edit contacts.view contracts.create contracts.edit contracts.view
        customers.assign customers.create customers.edit customers.export customers.import customers.view
        expenses.create expenses.edit expenses.view followups.create followups.edit followups.view
        implementation.create implementation.edit implementation.view invoices.view leads.assign
        leads.create leads.delete leads.edit leads.export leads.import leads.view opportunities.approve
        opportunities.assign opportunities.create opportunities.delete opportunities.edit
        opportunities.export opportunities.view orders.create orders.delete orders.edit orders.view
        payments.edit payments.view products.admin products.create products.delete products.edit
        products.export products.import products.view quotes.create quotes.delete quotes.edit quotes.view
        tasks.assign tasks.create tasks.edit tasks.view
    """,
    "department_manager": """
        contacts.create contacts.delete contacts.edit contacts.export contacts.view contracts.approve
        contracts.create contracts.delete contracts.edit contracts.export contracts.view customers.approve
        customers.assign customers.create customers.delete customers.edit customers.export customers.import
        customers.view expenses.create expenses.edit expenses.export expenses.view followups.create
        followups.edit followups.export followups.view implementation.view invoices.export invoices.view
        leads.assign leads.create leads.delete leads.edit leads.export leads.import leads.view
        opportunities.approve opportunities.assign opportunities.create opportunities.delete
        opportunities.edit opportunities.export opportunities.view orders.view payments.export payments.view
        products.view quotes.approve quotes.create quotes.delete quotes.edit quotes.export quotes.view
        tasks.assign tasks.create tasks.delete tasks.edit tasks.view
    """,
    "department_assistant": """
        contacts.create contacts.edit contacts.view contracts.view customers.approve customers.assign
        customers.create customers.edit customers.export customers.view expenses.create expenses.edit
        expenses.view followups.create followups.edit followups.view invoices.view leads.assign leads.create
        leads.edit leads.view opportunities.approve opportunities.view payments.view products.view
        quotes.view tasks.assign tasks.create tasks.edit tasks.view
    """,
    "sales_management": """
        audit.view contacts.create contacts.delete contacts.edit contacts.export contacts.view
        contracts.approve contracts.export contracts.view customers.approve customers.assign
        customers.create customers.delete customers.edit customers.export customers.import customers.view
        expenses.export expenses.view followups.create followups.edit followups.export followups.view
        implementation.view invoices.export invoices.view leads.assign leads.create leads.delete leads.edit
        leads.export leads.import leads.view opportunities.approve opportunities.export opportunities.view
        orders.view payments.export payments.view products.admin products.create products.delete
        products.edit products.export products.import products.view quotes.approve quotes.export quotes.view
        tasks.assign tasks.create tasks.delete tasks.edit tasks.view
    """,
    "executive": """
        contacts.export contacts.view contracts.approve contracts.export contracts.view customers.approve
        customers.export customers.view expenses.export expenses.view followups.export followups.view
        implementation.view invoices.export invoices.view leads.export leads.view opportunities.export
        opportunities.view orders.view payments.export payments.view products.view quotes.approve
        quotes.export quotes.view tasks.view
    """,
    "service_agent": """
        contacts.view customers.view followups.create followups.edit followups.view leads.create
        tasks.create tasks.edit tasks.view
    """,
    "marketing": """
        contacts.export contacts.view customers.export customers.view leads.assign leads.create leads.edit
        leads.export leads.import leads.view
    """,
    "finance": """
        contacts.view contracts.view customers.view expenses.approve expenses.create expenses.edit
        expenses.export expenses.view invoices.create invoices.edit invoices.export invoices.view
        orders.view payments.approve payments.create payments.edit payments.export payments.view
        products.view
    """,
    "implementation": """
        contacts.view customers.view implementation.edit implementation.view products.view tasks.create
        tasks.edit tasks.view
    """,
}


# Apps that registered their grants after the move (their modules are not in BEFORE_THE_MOVE).
LATER_APPS = {"analytics", "service", "service.knowledge", "marketing", "marketing.loyalty", "realestate"}
# Default roles added after the move (not in BEFORE_THE_MOVE).
LATER_ROLES = {"service_manager"}
# Grants older apps registered after the move: the imports of opportunities, quotes and contracts (issue 14).
LATER_GRANTS = {"opportunities.import", "quotes.import", "contracts.import"}


def _union_of_registered(code: str) -> set[str]:
    return {p for grants in registry.default_grants for p in grants.grants_by_role.get(code, ())}


@pytest.mark.django_db
def test_a_new_database_gives_each_default_role_orgs_grants_and_every_registered_apps():
    # given an empty database
    # when org seeds the default roles
    roles_ensure_defaults()

    # then each role holds org's own grants plus the union of what every app registered for it
    stored = {role.code: set(role.permissions) for role in Role.objects.filter(is_system=True)}
    for spec in DEFAULT_ROLES:
        if spec["permissions"] == "__all__":
            assert stored[spec["code"]] == set(all_permissions())
        else:
            assert stored[spec["code"]] == set(spec["permissions"]) | _union_of_registered(spec["code"])

    # and they are the permissions the roles had when org listed every app's grants itself (plus the modules of the
    # apps added since: analytics, service — and the service manager role, added with service)
    def later(code: str) -> set[str]:  # what the later apps grant the role (a later app may grant an older module)
        return {
            p
            for g in registry.default_grants
            for p in g.grants_by_role.get(code, ())
            if g.app in LATER_APPS or p in LATER_GRANTS
        }

    assert {code: sorted(perms) for code, perms in stored.items() if code not in ("administrator", *LATER_ROLES)} == {
        code: sorted(set(perms.split()) | later(code)) for code, perms in BEFORE_THE_MOVE.items()
    }
    assert role_upgrades(user=None) == []


@pytest.mark.django_db
def test_roles_upgrade_puts_back_an_apps_registered_grants():
    # given the default roles, and a sales rep role that lost every grant billing registers for it
    roles_ensure_defaults()
    billing = next(g for g in registry.default_grants if g.app == "billing")
    rep = Role.objects.get(code="sales_rep")
    rep.permissions = sorted(set(rep.permissions) - set(billing.grants_by_role["sales_rep"]))
    rep.save(update_fields=["permissions"])

    # when the roles are brought up to today's defaults
    upgrades = roles_upgrade(actor=None)

    # then exactly billing's grants come back, and the role is as a new database has it
    assert [(u.role.code, u.missing) for u in upgrades] == [("sales_rep", sorted(billing.grants_by_role["sales_rep"]))]
    rep.refresh_from_db()
    later = {p for g in registry.default_grants if g.app in LATER_APPS for p in g.grants_by_role.get("sales_rep", ())}
    assert sorted(rep.permissions) == sorted(set(BEFORE_THE_MOVE["sales_rep"].split()) | later)


def test_registered_grants_name_known_permissions_of_default_roles():
    codes = {spec["code"] for spec in DEFAULT_ROLES}
    known = set(all_permissions())
    for grants in registry.default_grants:
        assert set(grants.grants_by_role) <= codes, grants.app
        for perms in grants.grants_by_role.values():
            assert set(perms) <= known, grants.app
    assert {g.app for g in registry.default_grants} == {"sales", "commerce", "billing"} | LATER_APPS
    assert [spec["code"] for spec in default_roles()] == [spec["code"] for spec in DEFAULT_ROLES]


@pytest.mark.django_db
def test_a_migrated_database_holds_the_default_approval_rules_of_the_app_owning_each_document():
    owners = {entry.key: [r["seed_key"] for r in entry.rules] for entry in registry.default_approval_rules}
    assert owners == {
        "customers": ["customer_review_department"],
        "commerce": [
            "quote_dept_manager",
            "quote_president_assistant",
            "quote_vp_or_president",
            "contract_small_standard",
            "contract_countersign",
            "special_price_dept_manager",
            "special_price_president_assistant",
            "special_price_vp_or_president",
            "execution_order_business_manager",
        ],
        "billing": ["expense_claim_manager_finance"],
        "realestate": ["re_price_adjustment_sales_management"],
        "realestate_sales": ["re_subscription_special_discount"],
        "marketing": ["campaign_budget_manager"],
        "loyalty": ["points_correction_manager"],
    }
    seeded = set(ApprovalRule.objects.exclude(seed_key="").values_list("seed_key", flat=True))
    assert seeded == {key for keys in owners.values() for key in keys}
