"""Spreadsheet importers for customers and contacts (data migration), registered with the import engine.

Both work in bulk: rows are validated one by one in memory (the model fields' validation, the credit
code checksum, choices by code or label in either language, dates); the duplicate check
(dedupe.selectors.dedupe_find_matches_bulk) and every other look-up run as a few IN queries per
thousands of rows; the writes are bulk INSERTs (core.imports.bulk) of the records with precomputed
search text, of their duplicate keys, and of one audit row per record.

customers and contacts hold one importer each, _common what they share; the choice aliases are re-exported
here (sales' lead importer reads the same spreadsheets).
"""

from __future__ import annotations

from guanxi.core.registry import registry

from ._common import KIND_ALIASES, LEVEL_ALIASES, SIZE_ALIASES, SOURCE_ALIASES, STATUS_ALIASES
from .contacts import ContactImporter
from .customers import CustomerImporter

__all__ = [
    "KIND_ALIASES",
    "LEVEL_ALIASES",
    "SIZE_ALIASES",
    "SOURCE_ALIASES",
    "STATUS_ALIASES",
    "ContactImporter",
    "CustomerImporter",
]

registry.add_importer(CustomerImporter())
registry.add_importer(ContactImporter())
