"""The search index behind the search box (core.dbvendor.search_filter), on customers and contacts.

On SQLite terms of three characters or more are looked up in an FTS5 trigram table kept in step by
triggers, shorter ones in an FTS5 table of one- and two-character pieces; on PostgreSQL (in CI) pg_trgm
serves the LIKE itself and the short terms go through the gx_search_tokens GIN index. Either way the
rows must be exactly those of `search_text LIKE '%term%'`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core import dbvendor
from guanxi.core.dbvendor import (
    search_filter,
    search_fts_name,
    search_token_index_create,
    search_token_index_drop,
    search_token_name,
    sqlite_fts_index_create,
    sqlite_fts_index_drop,
)
from guanxi.core.imports.bulk import insert_rows
from guanxi.core.search import build_search_text, search_terms
from guanxi.customers.models import Contact, Customer
from guanxi.customers.selectors import search_contacts, search_customers
from guanxi.customers.services import customer_delete, customer_update
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory

SQLITE = connection.vendor == "sqlite"


def uses_fts(qs: QuerySet) -> bool:
    return " MATCH " in str(qs.query)


def uses_token_index(qs: QuerySet) -> bool:
    """Whether a short term is answered from the token index (on either database)."""
    sql = str(qs.query)
    if not SQLITE:
        return "gx_search_tokens(" in sql
    return search_token_name(qs.model._meta.db_table, "search_text") in sql


def fts_ids(model: type[Any], term: str) -> set[int]:
    """Row ids the FTS table itself returns for a term (SQLite only), bypassing the LIKE check."""
    name = search_fts_name(model._meta.db_table, "search_text")
    with connection.cursor() as cur:
        cur.execute(f'SELECT rowid FROM "{name}" WHERE "{name}" MATCH %s', ['"' + term.replace('"', '""') + '"'])  # noqa: S608
        return {row[0] for row in cur.fetchall()}


def like_ids(qs: QuerySet, terms: list[str]) -> set[int]:
    if not SQLITE and any("\x00" in t for t in terms):
        return set()  # PostgreSQL text cannot hold NUL, so no row contains it
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    return set(qs.values_list("pk", flat=True))


def assert_path(qs: QuerySet, *, fts: bool) -> None:
    """On SQLite the expected path; anywhere else always LIKE."""
    assert uses_fts(qs) is (fts and SQLITE)


def test_three_character_term_goes_through_the_index(org):
    # given a customer among others
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    CustomerFactory(name="上海东方贸易有限公司", owner=org["admin"])
    # when the admin searches for three characters of its name
    qs = search_customers(user=org["admin"], query="华信科")
    # then exactly that customer is found, through the FTS table on SQLite
    assert [c.pk for c in qs] == [customer.pk]
    assert_path(qs, fts=True)
    if SQLITE:
        assert fts_ids(Customer, "华信科") == {customer.pk}


def test_one_and_two_character_terms_go_through_the_token_index(org):
    # given a customer in Beijing and one in Shanghai, and a contact named 王小明
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    other = CustomerFactory(name="上海东方贸易有限公司", owner=org["admin"])
    contact = ContactFactory(customer=other, name="王小明")
    # when the admin searches for "北京" and "华信" (shorter than a trigram), a surname and one letter
    beijing = search_customers(user=org["admin"], query="北京")
    brand = search_customers(user=org["admin"], query="华信")
    surname = search_contacts(user=org["admin"], query="王")
    letter = search_customers(user=org["admin"], query="B 华")  # "b" of bjhx…, "华" of 华信
    # then each is found, through the token index on both databases
    assert [c.pk for c in beijing] == [customer.pk]
    assert [c.pk for c in brand] == [customer.pk]
    assert [c.pk for c in surname] == [contact.pk]
    assert [c.pk for c in letter] == [customer.pk]
    for qs in (beijing, brand, surname, letter):
        assert uses_token_index(qs)


def test_token_index_follows_renames_and_deletes(org):
    # given a customer found by a two-character term
    customer = CustomerFactory(name="北京恒信科技有限公司", owner=org["admin"])
    assert list(search_customers(user=org["admin"], query="恒信")) == [customer]
    # when it is renamed, then the old short term no longer finds it and the new one does
    customer_update(actor=org["admin"], customer=customer, data={"name": "深圳前海数据有限公司"})
    assert list(search_customers(user=org["admin"], query="恒信")) == []
    assert list(search_customers(user=org["admin"], query="前海")) == [customer]
    # and when it is purged, nothing finds it, and a new row with the old name is found alone
    Customer.all_objects.filter(pk=customer.pk).delete()
    assert list(search_customers(user=org["admin"], query="前海")) == []
    again = CustomerFactory(name="前海恒信", owner=org["admin"])
    assert [c.pk for c in search_customers(user=org["admin"], query="前海")] == [again.pk]


def test_token_index_created_again_is_filled_from_the_rows_there(org):
    # given a customer, and the token index dropped (as a migration backwards would) and created again
    customer = CustomerFactory(name="北京恒信科技有限公司", owner=org["admin"])
    editor = SimpleNamespace(connection=connection)
    if not SQLITE:  # PostgreSQL builds no index on a table with deferred checks pending in this transaction
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    search_token_index_drop(editor, table="customers_customer", column="search_text")
    try:
        # while it is gone, LIKE answers with the same rows
        qs = search_customers(user=org["admin"], query="恒信")
        assert [c.pk for c in qs] == [customer.pk]
        assert not uses_token_index(qs) or not SQLITE
    finally:
        search_token_index_create(editor, table="customers_customer", column="search_text")
    # then, created again, it finds the row that was there before
    qs = search_customers(user=org["admin"], query="恒信")
    assert [c.pk for c in qs] == [customer.pk]
    assert uses_token_index(qs)


def test_found_by_pinyin_initials_and_phone_digits(org):
    # given a customer with a phone number and a contact with a mobile
    customer = CustomerFactory(name="北京华信科技有限公司", phone="010-6543-2100", owner=org["admin"])
    contact = ContactFactory(customer=customer, name="王小明", mobile="+86 139-1234-5678")
    CustomerFactory(name="上海东方贸易有限公司", owner=org["admin"])
    # when the admin searches by initials, by the phone typed with separators and by the mobile's digits
    by_initials = search_customers(user=org["admin"], query="BJHX")
    by_phone = search_customers(user=org["admin"], query="6543-2100")
    by_mobile = search_contacts(user=org["admin"], query="13912345678")
    # then each finds its row
    assert [c.pk for c in by_initials] == [customer.pk]
    assert [c.pk for c in by_phone] == [customer.pk]
    assert [c.pk for c in by_mobile] == [contact.pk]
    for qs in (by_initials, by_phone, by_mobile):
        assert_path(qs, fts=True)


def test_several_terms_must_all_match(org):
    # given two customers sharing one word of their names
    hx = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    CustomerFactory(name="北京东方科技有限公司", owner=org["admin"])
    # when the admin searches for the shared part and one name's initials
    qs = search_customers(user=org["admin"], query="科技有限 bjhx")
    # then only the customer matching both terms is found
    assert [c.pk for c in qs] == [hx.pk]


def test_a_term_most_rows_contain_is_left_to_like(org, monkeypatch):
    # given three customers, and the index's limit for common terms lowered to one row
    monkeypatch.setattr(dbvendor, "FTS_COMMON_MIN_ROWS", 1)
    monkeypatch.setattr(dbvendor, "FTS_COMMON_DIVISOR", 10**9)
    hx = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    others = [CustomerFactory(name=n, owner=org["admin"]) for n in ("上海东方贸易有限公司", "深圳前海数据有限公司")]
    # when the admin searches for a term all three contain, and for one only the first contains
    common = search_customers(user=org["admin"], query="有限公司")
    rare = search_customers(user=org["admin"], query="华信科")
    # then the common term is answered by LIKE, the rare one by the index, both with the right rows
    assert {c.pk for c in common} == {hx.pk, *(o.pk for o in others)}
    assert [c.pk for c in rare] == [hx.pk]
    assert_path(common, fts=False)
    assert_path(rare, fts=True)


def test_renaming_a_customer_updates_the_index(org):
    # given a customer found by its old name
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    assert list(search_customers(user=org["admin"], query="华信科技")) == [customer]
    # when it is renamed through the service
    customer_update(actor=org["admin"], customer=customer, data={"name": "深圳前海数据有限公司"})
    # then the new name finds it and the old one no longer does, in the FTS table too
    assert list(search_customers(user=org["admin"], query="前海数据")) == [customer]
    assert list(search_customers(user=org["admin"], query="华信科技")) == []
    assert list(search_customers(user=org["admin"], query="qhsj")) == [customer]
    if SQLITE:
        assert fts_ids(Customer, "华信科技") == set()
        assert fts_ids(Customer, "前海数据") == {customer.pk}


def test_updating_other_fields_leaves_the_index_as_it_was(org):
    # given a customer
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    # when a field outside the search text changes
    customer_update(actor=org["admin"], customer=customer, data={"industry": "C"})
    # then it is still found (the update trigger only fires on search_text)
    assert list(search_customers(user=org["admin"], query="华信科技")) == [customer]
    if SQLITE:
        assert fts_ids(Customer, "华信科技") == {customer.pk}


def test_soft_deleted_customer_is_not_found(org):
    # given a customer found by search
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    # when it is moved to the recycle bin
    customer_delete(actor=org["admin"], customer=customer)
    # then the search no longer returns it (its index entry may stay: the queryset hides deleted rows)
    qs = search_customers(user=org["admin"], query="华信科技")
    assert list(qs) == []
    assert_path(qs, fts=True)


def test_hard_delete_removes_the_row_from_the_index(org):
    # given a customer with a contact, both in the index
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["admin"])
    contact = ContactFactory(customer=customer, name="王小明", mobile="13912345678")
    if SQLITE:
        assert fts_ids(Customer, "华信科技") == {customer.pk}
        assert fts_ids(Contact, "13912345678") == {contact.pk}
    # when the customer is purged (its contacts go with it)
    Customer.all_objects.filter(pk=customer.pk).delete()
    # then neither is found, and the FTS table has forgotten both
    assert list(search_customers(user=org["admin"], query="华信科技")) == []
    assert list(search_contacts(user=org["admin"], query="13912345678")) == []
    if SQLITE:
        assert fts_ids(Customer, "华信科技") == set()
        assert fts_ids(Contact, "13912345678") == set()


def test_rows_written_by_bulk_paths_are_found(org):
    # given customers written by bulk_create and by the importers' raw INSERT (insert_rows)
    name_a, name_b = "杭州西湖茶叶有限公司", "苏州园林设计有限公司"
    (bulk,) = Customer.objects.bulk_create(
        [Customer(name=name_a, owner=org["admin"], search_text=build_search_text(names=[name_a]))]
    )
    (raw_id,) = insert_rows(
        Customer, [{"name": name_b, "owner_id": org["admin"].pk, "search_text": build_search_text(names=[name_b])}]
    )
    # when the admin searches for each
    by_bulk = search_customers(user=org["admin"], query="西湖茶叶")
    by_raw = search_customers(user=org["admin"], query="szyl")
    # then both are found through the index
    assert [c.pk for c in by_bulk] == [bulk.pk]
    assert [c.pk for c in by_raw] == [raw_id]
    assert_path(by_bulk, fts=True)
    if SQLITE:
        assert fts_ids(Customer, "西湖茶叶") == {bulk.pk}


def test_without_its_triggers_the_index_is_not_used_until_created_again(org):
    # given a contact, and an index that lost its triggers (as a later table rebuild would do)
    contact = ContactFactory(customer=CustomerFactory(owner=org["admin"]), name="王小明", mobile="13912345678")
    editor = SimpleNamespace(connection=connection)  # the functions only need the connection
    name = search_fts_name("customers_contact", "search_text")
    sqlite_fts_index_drop(editor, name=name)
    try:
        # when a contact is searched
        qs = search_contacts(user=org["admin"], query="13912345678")
        # then LIKE answers, with the same row
        assert [c.pk for c in qs] == [contact.pk]
        assert_path(qs, fts=False)
    finally:
        # and when the index is created again, it is filled from the rows there and used again
        sqlite_fts_index_create(editor, table="customers_contact", column="search_text", name=name)
    qs = search_contacts(user=org["admin"], query="13912345678")
    assert [c.pk for c in qs] == [contact.pk]
    assert_path(qs, fts=True)


# --- property: the index never changes the answer -----------------------------------------------

NAMES = [
    "北京华信科技有限公司",
    "上海东方贸易有限公司",
    'Near "Far" Trading (HK) Ltd.',
    "OR-AND*NOT Co",
    "O'Brien & Sons",
    "北京-上海 (联合) 物流",
    "ABC Co. 100%_off",
    "NEAR/3 col:umn ^start {x y}",
]
# Characters FTS5 queries treat as syntax, and a few of the data set's own.
SYNTAX = "\"*-+()^:{}/\\%_ ,.'&"
ALPHABET = SYNTAX + "".join(sorted(set("".join(NAMES).lower()))) + "bjhxorandnear0123"


@pytest.fixture
def search_data(org):
    texts = []
    for i, name in enumerate(NAMES):
        c = CustomerFactory(name=name, phone=f"010-{i:04d}-5678", owner=org["admin"])
        texts.append(c.search_text)
    return Customer.objects.all(), texts


def substrings(texts: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(texts).flatmap(
        lambda t: st.tuples(st.integers(0, len(t)), st.integers(1, 8)).map(lambda ij: t[ij[0] : ij[0] + ij[1]])
    )


def terms_strategy(texts: list[str]) -> st.SearchStrategy[list[str]]:
    term = st.one_of(
        substrings(texts),
        st.text(alphabet=ALPHABET, max_size=8),
        st.sampled_from(["or", "near", "and", "not", '"', '""', "*", "-", "()", "near(", 'a"b', "bj*", "^bj"]),
        st.text(max_size=8),
    )
    return st.lists(term, min_size=1, max_size=3)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_index_returns_the_same_rows_as_like(search_data, data):
    qs, texts = search_data
    # given any terms, FTS syntax and quotes included
    terms = data.draw(terms_strategy(texts))
    # when they are searched through the index (where there is one)
    found = set(search_filter(qs, "search_text", terms).values_list("pk", flat=True))
    # then the rows are exactly LIKE's, and nothing raised
    assert found == like_ids(qs, [t for t in terms if t])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=ALPHABET.upper() + ALPHABET, max_size=30) | st.text(max_size=30))
def test_search_box_input_never_raises_and_matches_like(search_data, query, org):
    qs, _texts = search_data
    # given anything typed into the search box, when it is searched
    found = {c.pk for c in search_customers(user=org["admin"], query=query, limit=100)}
    # then the rows are those LIKE finds for the same terms
    assert found == like_ids(qs, search_terms(query))


@pytest.mark.django_db
def test_repair_puts_back_search_triggers_a_table_rebuild_dropped(org):
    # given a SQLite database whose customer search triggers were dropped (as a table rebuild would)
    from django.db import connection

    from guanxi.core.dbvendor import is_sqlite, search_fts_name, sqlite_fts_indexes_repair

    name = search_fts_name("customers_customer", "search_text")
    if not is_sqlite(connection):
        assert sqlite_fts_indexes_repair(connection) == []  # PostgreSQL: nothing to repair
        return
    with connection.cursor() as cur:
        for suffix in ("ai", "ad", "au"):
            cur.execute(f'DROP TRIGGER "{name}_{suffix}"')
    # when the repair runs (it does after every migrate)
    repaired = sqlite_fts_indexes_repair(connection)
    # then the triggers are back and a new customer is found through the index
    assert name in repaired
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{name}_%"])
        assert cur.fetchone()[0] == 3
    CustomerFactory(owner=org["east_rep"], name="修复后的华信公司")
    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{name}" WHERE "{name}" MATCH %s', ['"修复后"'])
        assert cur.fetchone()[0] == 1
    assert sqlite_fts_indexes_repair(connection) == []  # nothing left to repair


# --- property: for any names and any 1..n-character terms, the indexes give exactly LIKE's rows -----

# Surnames and brand characters, latin in both cases, digits, full-width forms, punctuation and FTS syntax,
# a few characters of other scripts and outside the Basic Multilingual Plane.
MIXED = (
    "王李张刘陈恒信华北京科技有限公司长行"
    + "abcxyzABCXYZ0123456789"
    + "ＡＢｃ１２３（）－，。　"
    + "\"*-+()^:{}/\\%_ ,.'&"
    + "éÉßİıΣσЖж한𠀋😀"
)
names_strategy = st.text(alphabet=MIXED, max_size=24) | st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_indexed_search_returns_the_like_rows_for_any_names_and_terms(org, data):
    from django.db import transaction

    names = data.draw(st.lists(names_strategy, min_size=1, max_size=6), label="names")
    with transaction.atomic():
        # given customers with those names, stored as the services store them and as raw text (upper case kept)
        made = [CustomerFactory(name=n or "x", owner=org["admin"]) for n in names]
        raw = data.draw(names_strategy, label="raw text")
        Customer.objects.filter(pk=made[0].pk).update(search_text=raw)
        texts = [raw, *(c.search_text for c in made[1:])]
        qs = Customer.objects.filter(pk__in=[c.pk for c in made])
        # when any 1..n-character terms are searched: pieces of the texts (also upper-cased) and any text
        piece = substrings([t for t in texts if t] or ["x"])
        typed = st.text(alphabet=MIXED, min_size=1, max_size=4)
        term = st.one_of(piece, piece.map(str.upper), typed, st.text(max_size=3))
        terms = data.draw(st.lists(term, min_size=1, max_size=3), label="terms")
        found = set(search_filter(qs, "search_text", terms).values_list("pk", flat=True))
        # then the rows are exactly LIKE's
        assert found == like_ids(qs, [t for t in terms if t])
        transaction.set_rollback(True)


def test_a_short_term_most_rows_contain_is_left_to_like(org, monkeypatch):
    # given customers that all contain "有", and the token index's limit for common terms lowered to one row
    monkeypatch.setattr(dbvendor, "FTS_COMMON_MIN_ROWS", 1)
    monkeypatch.setattr(dbvendor, "TOKEN_COMMON_DIVISOR", 10**9)
    made = [CustomerFactory(name=n, owner=org["admin"]) for n in ("北京恒信有限公司", "上海东方有限公司")]
    # when the admin searches for a character both contain, and for one only the first contains
    common = search_customers(user=org["admin"], query="有")
    rare = search_customers(user=org["admin"], query="恒")
    # then both have the right rows; on SQLite the common one by LIKE, the rare one through the token table
    assert {c.pk for c in common} == {c.pk for c in made}
    assert [c.pk for c in rare] == [made[0].pk]
    if SQLITE:
        assert not uses_token_index(common)
        assert uses_token_index(rare)
