"""Dictionaries (数据字典): the choice lists an administrator owns, in core so every app gets them.

- an app declares its lists and their default entries with its providers (core.registry.DefaultDictionaries)
  and stores codes in a `DictionaryField` (fields.py);
- pages read them through selectors.py (cached per process, cache.py): `active_choices` for a new form,
  `label_of` for any stored code (retired ones too), `codes_with` for behaviour flags, `resolve` for imports;
- an administrator edits them through services.py (org's settings pages, the API lists them).

docs/extending.md shows how an app declares one; docs/decisions/0010-dictionaries.md why codes stay in the column.
"""
