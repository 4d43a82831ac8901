"""Bulk edit of listings: one attribute set to one value, or cleared, on many
listings, each judged by its own product type's schema.

An attribute whose values are a plain ``value`` (and maybe a ``unit``) beside
the selectors gets a typed form (text, number with unit, integer, a choice
among the schema's enum, yes/no); any other shape is typed as JSON in
Amazon's form. The selectors (marketplace, language) are filled in per
listing, so one value serves listings of several marketplaces.
"""

import json
from dataclasses import dataclass

from .listings import fill_selectors

SELECTOR_KEYS = frozenset({"marketplace_id", "language_tag"})

# What a listing's plan says about it (see ``refusal``).
NOT_ALLOWED = "not_allowed"
REQUIRED = "required"


@dataclass(frozen=True)
class FormField:
    """The typed form of an attribute (``kind``: text, number, integer, enum,
    boolean); ``choices`` and ``units`` are ``(value, label)`` pairs."""

    name: str
    title: str
    kind: str
    choices: tuple = ()
    units: tuple = ()


def _properties(schema):
    return (schema or {}).get("properties") or {}


def allows(schema, name):
    """Whether the product type's schema has attribute ``name``."""
    return name in _properties(schema)


def attribute_names(schemas):
    """``[(name, title)]`` of every attribute at least one schema allows, in
    the first schema's order then the others'."""
    seen = {}
    for schema in schemas:
        for name, prop in _properties(schema).items():
            seen.setdefault(name, (prop or {}).get("title") or name)
    return list(seen.items())


def _enum_of(node):
    """``(values, labels)`` of an enum node (also through anyOf/oneOf), or
    ``None`` when free text is allowed too."""
    if "enum" in node:
        values = list(node["enum"])
        names = node.get("enumNames") or []
        labels = [
            str(names[i]) if i < len(names) else str(value)
            for i, value in enumerate(values)
        ]
        return values, labels
    branches = node.get("anyOf") or node.get("oneOf")
    if not branches:
        return None
    values, labels = [], []
    for branch in branches:
        found = _enum_of(branch)
        if found is None:
            return None  # a free branch: any text goes
        for value, label in zip(*found, strict=True):
            if value not in values:
                values.append(value)
                labels.append(label)
    return values, labels


def _type_of(node):
    kind = node.get("type")
    if kind is None:
        for branch in node.get("anyOf") or node.get("oneOf") or ():
            kind = branch.get("type")
            if kind:
                break
    return kind


def form_field(schema, name):
    """The typed form of attribute ``name``, or ``None`` (typed as JSON)."""
    prop = _properties(schema).get(name) or {}
    items = prop.get("items") or {}
    inner = items.get("properties") or {}
    keys = set(inner) - SELECTOR_KEYS
    if keys not in ({"value"}, {"value", "unit"}):
        return None
    title = prop.get("title") or name
    value = inner["value"] or {}
    units = ()
    if "unit" in keys:
        unit_enum = _enum_of(inner["unit"] or {})
        if not unit_enum:
            return None  # a free-text unit: JSON says it best
        units = tuple(zip(*unit_enum, strict=True))
    kind = _type_of(value)
    enum = _enum_of(value)
    if kind == "boolean":
        return FormField(name, title, "boolean", units=units)
    if enum is not None:
        return FormField(name, title, "enum", tuple(zip(*enum, strict=True)), units)
    if kind in ("number", "integer"):
        return FormField(name, title, kind, units=units)
    if kind == "string":
        return FormField(name, title, "text", units=units)
    return None


def typed_value(field, raw):
    """``raw`` (what the form holds) as the schema's type; ValueError when it
    cannot be one."""
    if field.kind == "text":
        text = (raw or "").strip() if isinstance(raw, str) else raw
        if not text:
            raise ValueError("empty text")
        return text
    if field.kind == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError("not a number")
        if raw != int(raw):
            raise ValueError("not a whole number")
        return int(raw)
    if field.kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError("not a number")
        return int(raw) if float(raw).is_integer() else float(raw)
    if field.kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError("not yes or no")
        return raw
    if field.kind == "enum":
        if raw not in [value for value, _label in field.choices]:
            raise ValueError("not one of the schema's values")
        return raw
    raise ValueError(f"unknown kind {field.kind}")


def form_values(field, raw, unit=None):
    """Amazon's value list (selectors not yet filled) from the form."""
    entry = {"value": typed_value(field, raw)}
    if field.units:
        if unit not in [value for value, _label in field.units]:
            raise ValueError("a unit of the schema is needed")
        entry["unit"] = unit
    return [entry]


def json_values(text):
    """Amazon's value list from JSON: a list of value objects, or one object.
    ValueError when it is neither."""
    try:
        data = json.loads(text or "")
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = [data]
    if (
        not isinstance(data, list)
        or not data
        or not all(isinstance(v, dict) for v in data)
    ):
        raise ValueError("a JSON object, or a list of objects, is expected")
    return data


def for_listing(values, schema, name, marketplace_id, language_tag):
    """``values`` with the selectors this listing's schema expects filled in
    (values that name them keep theirs)."""
    return fill_selectors({name: values}, schema, marketplace_id, language_tag)[name]


def refusal(schema, name, clearing):
    """Why this attribute edit cannot apply to a listing of ``schema``
    (``NOT_ALLOWED``, ``REQUIRED``), or ``None``."""
    if not allows(schema, name):
        return NOT_ALLOWED
    if clearing and name in ((schema or {}).get("required") or ()):
        return REQUIRED
    return None


def edited(attributes, name, values):
    """A copy of ``attributes`` with ``name`` set to ``values``, or removed
    when ``values`` is ``None``."""
    result = dict(attributes or {})
    if values is None:
        result.pop(name, None)
    else:
        result[name] = values
    return result
