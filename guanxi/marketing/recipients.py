"""A campaign's recipients, recorded when it starts in a fixed number of statements, whatever their number.

The rule is the one `address_of` states: every contact of the audience (its segment in its owner's scope,
reachable on its channel) whose normalised address is not empty; one delivery per address, to the contact with
the lowest id. The database normalises the addresses it can spell exactly as `normalise_address` does ("plain"
ones: printable-ASCII e-mail addresses and WeChat ids, numbers of digits and the usual separators), and one
INSERT … SELECT records one row per address among them. The rare others (full-width digits, an extension,
non-ASCII e-mail) are read and normalised by `normalise_address` itself; an address both kinds share goes to the
lower id, as the rule says.
"""

from __future__ import annotations

import string
from typing import Any

from django.db import connection
from django.db.models import Exists, F, Func, Min, OuterRef, QuerySet, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Length, Lower, Replace, Substr, Trim

from .consent import ADDRESS_FIELD, normalise_address
from .models import Campaign, Channel, Delivery

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))  # on these, SQL's TRIM and LOWER act as Python's
PHONE_SEPARATORS = " -+()./"  # the characters the database drops from a number; a number with any other: Python


class TrimChars(Func):
    """TRIM(value, characters): the value without those characters at either end; '' when it holds no other."""

    function = "TRIM"
    arity = 2

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="BTRIM", **extra)


def _with_address(contacts: QuerySet[Any], channel: str) -> QuerySet[Any]:
    """`contacts` annotated with `rest` ('' exactly when the address is plain) and `addr` (a plain address as
    `normalise_address` spells it)."""
    value = F(ADDRESS_FIELD[Channel(channel)])
    if channel not in (Channel.SMS, Channel.PHONE):
        stripped = Trim(value)  # spaces: the only whitespace a plain value can hold
        return contacts.annotate(
            rest=TrimChars(value, Value(PRINTABLE)), addr=Lower(stripped) if channel == Channel.EMAIL else stripped
        )
    digits: Any = value
    for separator in PHONE_SEPARATORS:
        digits = Replace(digits, Value(separator), Value(""))
    rest = TrimChars(digits, Value(string.digits))
    with_digits = contacts.annotate(digits=digits, digits_len=Length(digits), rest=rest)
    national = When(digits_len=13, digits__startswith="86", then=Substr("digits", 3))  # +86 dropped
    return with_digits.annotate(addr=Case(national, default=F("digits")))


def record_recipients(campaign: Campaign, contacts: QuerySet[Any]) -> int:
    """One queued delivery per address among `contacts` (the audience) on the campaign's channel, to the contact
    with the lowest id; returns how many. A fixed number of statements: the plain addresses in one INSERT … SELECT,
    the others (read in one query) in a bulk insert."""
    from guanxi.customers.models import Contact

    field = ADDRESS_FIELD[Channel(campaign.channel)]
    base = _with_address(Contact.objects.filter(pk__in=contacts.order_by().values("pk")), campaign.channel)
    others: dict[str, int] = {}
    for pk, raw in base.exclude(rest="").order_by("pk").values_list("pk", field):
        address = normalise_address(campaign.channel, raw)
        if address and address not in others:
            others[address] = pk
    Delivery.objects.bulk_create(
        [Delivery(campaign=campaign, contact_id=pk, address=a) for a, pk in others.items()], batch_size=2000
    )
    plain = base.filter(rest="").exclude(addr="").values("addr").annotate(first_id=Min("pk")).order_by()
    inner, params = plain.query.sql_with_params()
    qn = connection.ops.quote_name
    table = qn(Delivery._meta.db_table)
    beaten = (  # an address one of the others holds with a lower id
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} d WHERE d.campaign_id = %s AND d.address = g.addr"  # noqa: S608
        " AND d.contact_id < g.first_id)"
        if others
        else ""
    )
    sql = (
        f"INSERT INTO {table} (campaign_id, contact_id, address, status, provider_id, error, opens, clicks) "  # noqa: S608
        f"SELECT %s, g.first_id, g.addr, %s, '', '', 0, 0 FROM ({inner}) g{beaten} ORDER BY g.first_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, Delivery.Status.QUEUED, *params, *([campaign.pk] if others else [])])
    if others:  # one of the others whose address a plain contact with a lower id holds
        lower = Delivery.objects.filter(campaign=campaign, address=OuterRef("address"),
                                        contact_id__lt=OuterRef("contact_id"))  # fmt: skip
        odd = base.exclude(rest="").values("pk")
        Delivery.objects.filter(campaign=campaign, contact_id__in=odd).filter(Exists(lower)).delete()
    return Delivery.objects.filter(campaign=campaign).count()
