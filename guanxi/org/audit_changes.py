"""Recorded changes as a reader may see them: which audit entries, and how their field changes read.

`audit_visible` keeps the entries about records the reader may open: an entry about a follow-up, a task, a
quote… is shown only when org.policies lets the reader see that row (the module's view permission, its data
scope and the model's read rules), so a change log never carries what the record's own page would hide.

`ChangeRenderer` writes each field change as "Label: old → new" in the reader's language: the field's
verbose name (never the raw column name), choice labels, local times, and a related row's name instead of its
id. A related row the reader may not see, or a value of a module they may not read, shows as "(hidden)".
It renders field changes only; an entry's free-text message is rendered elsewhere.

A model describes the changes that are not its own fields (an opportunity's "task added") with
`audit_labels` (name → label) and `audit_related` (name → "app_label.model" whose id or name the value is), and
puts a stored value in words with `audit_text(name, value)` (a str, or None for the default rendering). A value
stored as a message (core.i18n.message_value: a default approval rule's name) reads in the reader's language, and so
does older stored text a model names with `audit_msgids(name)` (the English msgids that change may hold).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import BigIntegerField, CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from guanxi.core.custom_fields.definitions import can_see, field_by_code
from guanxi.core.custom_fields.values import display_value, linked_names
from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.dictionaries.selectors import label_of as dictionary_label
from guanxi.core.errors import PermissionDeniedError
from guanxi.core.i18n import is_message_value, message_value, rendered_value
from guanxi.core.models import AuditLog
from guanxi.core.search_rows import source_rows

from .policies import has_permission, visibility_q

if TYPE_CHECKING:
    from .models import User

EMPTY = "∅"
HIDDEN = gettext_lazy("(hidden)")


def _module_of(model: type[models.Model]) -> str:
    """The permission module a model's rows belong to ("" for a model outside any, such as users)."""
    return str(getattr(model, "scope_module", "") or "")


def _readable_q(reader: User, model: type[models.Model]) -> Q | None | bool:
    """visibility_q for reading, or False when the reader may see no row of the model."""
    try:
        return visibility_q(reader, model, "view")
    except (PermissionDeniedError, PermissionDenied):
        return False


def audit_visible(reader: User, entries: QuerySet[AuditLog], *, always: tuple[type[models.Model], ...] = ()) -> Any:
    """The entries about records the reader may see (one extra query for the entries' object types).

    `always` names models whose entries the caller has already checked (the customer of a 360 page and the
    records that are part of it). A model with `scope_document = (content type field, object id field)` (an
    approval request) is readable where its document is. Entries about a model that belongs to no permission
    module (no `scope_module`) are left out, as are entries without an object."""
    kept = Q(pk__in=[])
    type_ids = set(entries.order_by().values_list("content_type_id", flat=True).distinct())
    content_types = {ct.pk: ct for ct in _content_types(type_ids)}
    for type_id, content_type in content_types.items():
        model = content_type.model_class()
        if model is None:
            continue
        if model in always:
            kept |= Q(content_type_id=type_id)
            continue
        if getattr(model, "scope_document", None):
            rows: Q | None | bool = _document_readable_q(reader, model)
        elif not _module_of(model):
            continue
        else:
            rows = _readable_q(reader, model)
        if rows is False:
            continue
        if rows is None:
            kept |= Q(content_type_id=type_id)
            continue
        assert isinstance(rows, Q)
        readable = model._base_manager.filter(rows)  # type: ignore[attr-defined]
        if isinstance(model._meta.pk, models.IntegerField):  # the auto ids too
            # Only the records these entries are about are checked: a rep's readable follow-ups are not all built
            # for one customer's log (their ids read from the entries of that type, those that are numbers)
            about = (
                entries.order_by()
                .filter(content_type_id=type_id, object_id__regex=r"^[0-9]{1,18}$")
                .values(as_id=Cast("object_id", BigIntegerField()))
            )
            readable = readable.filter(pk__in=about)
        ids = readable.annotate(audit_object_id=Cast("pk", CharField())).values("audit_object_id")
        kept |= Q(content_type_id=type_id, object_id__in=ids)
    return entries.filter(kept)


def _document_readable_q(reader: User, model: type[models.Model]) -> Q:
    """The rows of a model that points at a document (generic relation) whose document the reader may see."""
    type_field, id_field = model.scope_document  # type: ignore[attr-defined]
    kept = Q(pk__in=[])
    document_types = model._base_manager.order_by().values_list(f"{type_field}_id", flat=True).distinct()  # type: ignore[attr-defined]
    for document_type in _content_types(set(document_types)):
        document = document_type.model_class()
        if document is None or not _module_of(document):
            continue
        rows = _readable_q(reader, document)
        if rows is False:
            continue
        on_type = Q(**{f"{type_field}_id": document_type.pk})
        if isinstance(rows, Q):
            on_type &= Q(**{f"{id_field}__in": document._base_manager.filter(rows).values("pk")})  # type: ignore[attr-defined]
        kept |= on_type
    return kept


def _content_types(ids: set[Any]) -> list[Any]:
    from django.contrib.contenttypes.models import ContentType

    return [ContentType.objects.get_for_id(pk) for pk in ids if pk is not None]


@dataclass(frozen=True)
class ChangeRow:
    """One field change as the reader sees it: `field` is the model field's name, `old_value`/`new_value` the
    stored values (None when hidden)."""

    field: str
    label: str
    old: str
    new: str
    old_value: Any
    new_value: Any


def _model_field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def _related_model(model: type[models.Model] | None, name: str, field: Any) -> type[models.Model] | None:
    """The model whose rows a change's values name: a relation field's target, or the model's `audit_related`."""
    if field is not None:
        return field.related_model if field.is_relation else None
    label = getattr(model, "audit_related", {}).get(name) if model is not None else None
    return apps.get_model(label) if label else None


def _ids_in(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _label(model: type[models.Model] | None, name: str, field: Any) -> str:
    if field is not None and hasattr(field, "verbose_name"):
        # a field declared without verbose_name gets Django's plain "created by": the catalogue may know it still
        verbose = field.verbose_name
        label = str(verbose) if isinstance(verbose, Promise) else gettext(str(verbose))
    else:
        known = getattr(model, "audit_labels", {}).get(name) if model is not None else None
        label = str(known) if known else name.removesuffix("_id").replace("_", " ")
    return label[:1].upper() + label[1:]


def _plain(value: Any, field: Any) -> str:
    """A stored value that names no related row, as text."""
    if value is None or value == "" or value == []:
        return EMPTY
    if is_message_value(value):
        return str(rendered_value(value))
    if isinstance(field, DictionaryField) and not isinstance(value, list | dict):
        return dictionary_label(field.dictionary, str(value), mark_retired=True)
    if field is not None and getattr(field, "choices", None) and not isinstance(value, list | dict):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v, None) for v in value) or EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v, None)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        # Times are stored as ISO text in UTC; show them in the reader's zone.
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


class ChangeRenderer:
    """Renders a batch of audit entries' field changes for one reader (None: an auditor who reads everything).

    Related rows are looked up once per related model for the whole batch, through the reader's visibility."""

    def __init__(self, entries: list[AuditLog], *, reader: User | None):
        self.reader = reader
        wanted: dict[type[models.Model], set[int]] = {}
        for entry in entries:
            model = self._model(entry)
            for name, pair in (entry.changes or {}).items():
                related = _related_model(model, name, _model_field(model, name))
                if related is not None:
                    for value in pair if isinstance(pair, list | tuple) else [pair]:
                        wanted.setdefault(related, set()).update(_ids_in(value))
        self.names = self._names({related: ids for related, ids in wanted.items() if ids})
        self._module_readable: dict[type[models.Model], bool] = {}

    @staticmethod
    def _model(entry: AuditLog) -> type[models.Model] | None:
        return entry.content_type.model_class() if entry.content_type_id and entry.content_type else None

    def _names(self, wanted: dict[type[models.Model], set[int]]) -> dict[type[models.Model], dict[int, str]]:
        """{model: {id: name}} of the rows the reader may see (rows of unscoped models, such as users, are all
        readable), the rows of every model in one query (core.search_rows): a change log costs as many queries
        whichever kinds of rows its entries name."""
        branches: list[tuple[QuerySet[Any], tuple[str, ...]]] = []
        for related, ids in wanted.items():
            rows = related._base_manager.filter(pk__in=ids)  # type: ignore[attr-defined]
            if self.reader is not None and _module_of(related):
                readable = _readable_q(self.reader, related)
                if readable is False:
                    continue
                if isinstance(readable, Q):
                    rows = rows.filter(readable)
            # every column its name may be made of (str() of the row), files' bytes aside
            fields = tuple(f.attname for f in related._meta.concrete_fields if not isinstance(f, models.BinaryField))
            branches.append((rows, fields))
        found = source_rows(branches)
        return {
            rows.model: {obj.pk: str(obj) for obj in objs}
            for (rows, _fields), objs in zip(branches, found, strict=True)
        }

    def _reads_all_of(self, related: type[models.Model]) -> bool:
        """Whether a value naming a row of `related` by text (not id) may be shown: the reader holds the
        related module's view permission."""
        if self.reader is None or not _module_of(related):
            return True
        if related not in self._module_readable:
            self._module_readable[related] = has_permission(self.reader, f"{_module_of(related)}.view")
        return self._module_readable[related]

    def _value(
        self, value: Any, field: Any, related: type[models.Model] | None, msgids: frozenset[str] = frozenset()
    ) -> tuple[str, Any]:
        """(text, stored value or None when hidden). `msgids`: stored texts that are English msgids."""
        if isinstance(value, str) and value in msgids:
            value = message_value(value, value)
        if is_message_value(value) and (related is None or self._reads_all_of(related)):
            return str(rendered_value(value)), value
        if related is None or value is None or value == "" or value == []:
            return _plain(value, field), value
        names = self.names.get(related, {})
        if isinstance(value, list | tuple):
            shown = [self._value(v, None, related)[0] for v in value]
            return (", ".join(shown) or EMPTY), [v for v in value if not isinstance(v, int) or v in names]
        if isinstance(value, int) and not isinstance(value, bool):
            return (names[value], value) if value in names else (str(HIDDEN), None)
        if self._reads_all_of(related):
            return str(value), value  # a name stored when the change was made
        return str(HIDDEN), None

    def rows(self, entry: AuditLog) -> list[ChangeRow]:
        model = self._model(entry)
        out = []
        for name, pair in (entry.changes or {}).items():
            if name.startswith("custom.") and model is not None:
                row = _custom_row(model, name, pair, self.reader)
                if row is not None:
                    out.append(row)
                continue
            field = _model_field(model, name)
            if field is not None and getattr(field, "primary_key", False):
                continue  # the entry names its object already
            old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
            related = _related_model(model, name, field)
            msgids = model.audit_msgids(name) if model is not None and hasattr(model, "audit_msgids") else frozenset()
            old_text, old_value = self._value(old, field, related, msgids)
            new_text, new_value = self._value(new, field, related, msgids)
            if model is not None and hasattr(model, "audit_text"):  # a value only its model can put in words
                old_text = model.audit_text(name, old) or old_text if old_value is not None else old_text
                new_text = model.audit_text(name, new) or new_text if new_value is not None else new_text
            key = field.name if field is not None else name  # "contact", whether stored as contact or contact_id
            out.append(ChangeRow(key, _label(model, name, field), old_text, new_text, old_value, new_value))
        return out


def _custom_row(model: type[models.Model], name: str, pair: Any, reader: User | None) -> ChangeRow | None:
    """A custom field's change (core.custom_fields), labelled and shown as its type shows it; none for a reader
    whose roles do not see the field."""
    code = name.removeprefix("custom.")
    found = field_by_code(model._meta.label_lower, code)
    old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
    if found is None:
        return ChangeRow(name, code, _plain(old, None), _plain(new, None), old, new)
    if reader is not None and not can_see(reader, found):
        return None
    names = linked_names([found], [{code: old}, {code: new}])
    shown = [display_value(found, v, names=names) or EMPTY for v in (old, new)]
    return ChangeRow(name, found.label, shown[0], shown[1], old, new)


def model_label(entry: AuditLog) -> str:
    """What kind of record the entry is about ("quote"), in the reader's language; "" when unknown."""
    model = ChangeRenderer._model(entry)
    return str(model._meta.verbose_name) if model is not None else ""


def describe_changes(entries: list[AuditLog], *, reader: User | None) -> list[AuditLog]:
    """Attach `change_rows` (ChangeRow list) and `model_label` to each entry."""
    renderer = ChangeRenderer(entries, reader=reader)
    for entry in entries:
        entry.change_rows = renderer.rows(entry)  # type: ignore[attr-defined]
        entry.model_label = model_label(entry)  # type: ignore[attr-defined]
    return entries
