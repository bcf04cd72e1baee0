"""Leads have search indexes of their own behind the search box (core.dbvendor.search_filter): on SQLite a term
of three characters or more goes through the FTS5 trigram table, a shorter one through the FTS5 table of one- and
two-character pieces; on PostgreSQL short terms go through the gx_search_tokens GIN index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import QuerySet

from guanxi.sales.leads.selectors import search_leads
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"


def assert_path(qs: QuerySet, *, fts: bool) -> None:
    """On SQLite an index is used (trigram or token table); on PostgreSQL the token index serves short terms."""
    sql = str(qs.query)
    assert (" MATCH " in sql if SQLITE else "gx_search_tokens(" in sql) is fts


def test_leads_are_searched_through_their_own_index(org):
    # given two leads
    lead = LeadFactory(company_name="成都天府软件有限公司", person_name="李雷", mobile="13700001111")
    LeadFactory(company_name="重庆山城火锅有限公司", person_name="韩梅梅", mobile="13700002222")
    # when the admin searches by initials, by phone and by a two-character name
    by_initials = search_leads(user=org["admin"], query="cdtf")
    by_phone = search_leads(user=org["admin"], query="0001111")
    by_short = search_leads(user=org["admin"], query="天府")
    # then the lead is found every time
    assert [x.pk for x in by_initials] == [lead.pk]
    assert [x.pk for x in by_phone] == [lead.pk]
    assert [x.pk for x in by_short] == [lead.pk]
    assert_path(by_initials, fts=SQLITE)  # PostgreSQL: pg_trgm serves the LIKE itself
    assert_path(by_short, fts=True)
