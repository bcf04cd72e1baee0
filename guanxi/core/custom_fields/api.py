"""Custom fields in the REST API: the `custom` object of an object's schemas and the definitions endpoint.

- `custom_values_type(target)`: the type of `custom` in an In and an Out schema. Values are checked by the service
  (custom_values_clean: a 400 naming `custom.<code>`); the OpenAPI document describes the object with one property
  per active field, typed by the field's type, read from the definitions when the document is generated (a generic
  object of the allowed value types when they cannot be read).
- `custom_values_out(target)`: the Out schema's resolver: the values of the fields the caller's roles see.
- GET /api/v1/custom-fields: the definitions of the objects the caller may list (code, labels, type, rules)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from ..api import api_user, error_responses
from ..errors import PermissionDeniedError
from ..ports import PERMISSIONS
from ..registry import registry
from .definitions import FieldDef, fields_for, required_for, visible_fields, visible_values
from .models import FieldType

_VALUE_TYPES: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "string"}},
    {"type": "null"},
]
_BY_TYPE: dict[str, dict[str, Any]] = {
    FieldType.TEXT: {"type": "string", "maxLength": 200},
    FieldType.LONG_TEXT: {"type": "string", "maxLength": 4000},
    FieldType.NUMBER: {"type": "number"},
    FieldType.MONEY: {"type": "string", "format": "decimal", "description": 'Yuan, two decimals: "12800.00".'},
    FieldType.DATE: {"type": "string", "format": "date"},
    FieldType.DATETIME: {"type": "string", "format": "date-time"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.CHOICE: {"type": "string"},
    FieldType.MULTI_CHOICE: {"type": "array", "items": {"type": "string"}},
    FieldType.USER: {"type": "integer", "description": "A user's id."},
    FieldType.CUSTOMER: {"type": "integer", "description": "A customer's id."},
    FieldType.CONTACT: {"type": "integer", "description": "A contact's id."},
}


def field_json_schema(field: FieldDef) -> dict[str, Any]:
    """The JSON schema of one field's value (null clears it)."""
    schema = dict(_BY_TYPE.get(field.type, {}))
    note = f"{field.label_en or field.label_zh} ({field.label_zh})" if field.label_en else field.label_zh
    extra = f" A code of the dictionary `{field.dictionary}`." if field.dictionary else ""
    required = " Required." if field.required else ""
    schema["description"] = f"{note}.{required}{extra} {schema.get('description', '')}".strip()
    return {"anyOf": [schema, {"type": "null"}], "title": field.code}


class _CustomValuesSchema:
    """Pydantic metadata that documents `custom` for one object, field by field, when the document is built."""

    def __init__(self, target: str):
        self.target = target

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        description = (
            f"Custom fields of this object, by code (GET /api/v1/custom-fields?object={self.target} lists them). "
            "Only the fields your roles see are returned; a write changes the fields sent (null clears one) and "
            "refuses a field your roles may not edit (403) or a bad value (400 naming custom.<code>)."
        )
        try:
            fields = fields_for(self.target)
        except Exception:  # no database at hand (a schema built offline): the generic description
            fields = []
        schema: dict[str, Any] = {"type": "object", "description": description, "x-custom-fields": self.target}
        if fields:
            schema["properties"] = {f.code: field_json_schema(f) for f in fields}
            schema["additionalProperties"] = False
        else:
            schema["additionalProperties"] = {"anyOf": _VALUE_TYPES}
        return schema


def custom_values_type(target: str) -> Any:
    return Annotated[dict[str, Any], _CustomValuesSchema(target)]


def custom_values_out(target: str) -> Any:
    """A resolver for an Out schema's `custom`: `resolve_custom = staticmethod(custom_values_out("app.model"))`.
    Without a request (an event's payload for webhooks) every active field is included."""

    def resolve(obj: Any, context: Any = None) -> dict[str, Any]:
        request = (context or {}).get("request") if isinstance(context, dict) else None
        if request is None:
            return visible_values(None, target, getattr(obj, "custom", None))
        # The fields the user sees are worked out once a request, not once a row (a page of 50 asked the shared
        # cache whether the definitions changed 50 times).
        memo = request.__dict__.setdefault("_gx_visible_custom_fields", {})
        if target not in memo:
            user = getattr(request, "auth", None)
            memo[target] = visible_fields(getattr(request, "user", None) if user is None else user, target)
        stored = getattr(obj, "custom", None) or {}
        return {f.code: stored.get(f.code) for f in memo[target]}

    return resolve


# --- the definitions endpoint ------------------------------------------------------------------------------------
router = Router()


class CustomFieldOut(Schema):
    object: str = Field(..., description="The object, e.g. customers.customer.")
    code: str
    label: str = Field(..., description="In the language asked for (Accept-Language).")
    label_zh: str
    label_en: str
    help: str
    type: str = Field(..., description="text, long_text, number, money, date, datetime, boolean, choice, "
                                       "multi_choice, user, customer or contact.")  # fmt: skip
    dictionary: str = Field(..., description="Choice fields: GET /api/v1/dictionaries/{dictionary} lists the codes.")
    required: bool = Field(..., description="Required for you: always, or in your department (required_departments).")
    required_departments: list[int] = Field(..., description="Required only for users of these departments (ids).")
    required_from_probability: int
    unique: bool
    filterable: bool
    editable: bool = Field(..., description="Whether your roles may set it.")


@router.get(
    "/custom-fields",
    response={200: list[CustomFieldOut], **error_responses(401, 403)},
    tags=["Custom fields"],
    summary="List custom field definitions",
)
def custom_field_list(request: HttpRequest, object: str | None = None) -> object:  # noqa: A002
    """The active custom fields of the objects you may list (or of `object`), as their `custom` values carry them."""
    from .definitions import can_edit

    user = api_user(request)
    checker = registry.port(PERMISSIONS)
    targets = [t for t in registry.custom_field_target_list() if object in (None, "", t.model)]
    readable = [t for t in targets if checker.has_permission(user, f"{t.module}.view")]
    if targets and not readable:
        raise PermissionDeniedError(_("You do not have permission to do this."))
    rows = []
    for target in readable:
        for f in visible_fields(user, target.model):
            rows.append(
                {
                    "object": target.model,
                    "code": f.code,
                    "label": f.label,
                    "label_zh": f.label_zh,
                    "label_en": f.label_en,
                    "help": f.help,
                    "type": f.type,
                    "dictionary": f.dictionary,
                    "required": required_for(user, f),
                    "required_departments": list(f.required_departments),
                    "required_from_probability": f.required_from_probability,
                    "unique": f.unique,
                    "filterable": f.filterable,
                    "editable": can_edit(user, f),
                }
            )
    return rows
