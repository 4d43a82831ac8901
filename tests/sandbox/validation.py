"""Request and response validation against Amazon's Swagger 2.0 models.

Swagger 2.0 schemas are JSON Schema draft 4 plus a few keywords, and their
``#/definitions/X`` references resolve once the model's definitions sit under
the same key in the root schema, so conversion is mostly a copy.
"""

import json
import re
from datetime import datetime

from jsonschema import Draft4Validator, FormatChecker

from .fastcheck import compile_check

_SCALAR_KEYS = (
    "type",
    "format",
    "enum",
    "items",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
)
_DROP = {"example", "examples", "x-docgen-enum-table-extension", "x-example"}

FORMATS = FormatChecker(())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if "T" not in value:
        raise ValueError("not a date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("date", raises=ValueError)
def _is_date(value):
    if isinstance(value, str):
        datetime.strptime(value, "%Y-%m-%d")
    return True


def to_json_schema(schema, strict=False):
    """Swagger 2.0 schema -> draft 4. ``strict`` closes objects that list their
    properties, so a misspelt field in generated data fails instead of passing."""
    if isinstance(schema, list):
        return [to_json_schema(item, strict) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _DROP or key == "discriminator" or key == "readOnly":
            continue
        if key in ("properties", "definitions") and isinstance(value, dict):
            out[key] = {
                name: to_json_schema(sub, strict) for name, sub in value.items()
            }
        elif key == "type" and value == "file":
            out[key] = "string"
        elif key == "allOf":
            out[key] = to_json_schema(value, False)
        elif isinstance(value, dict | list):
            out[key] = to_json_schema(value, strict)
        else:
            out[key] = value
    if out.pop("x-nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if strict and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


_ALLOF_REF = re.compile(r"#/definitions/([\w.-]+)")


def _allofs(node):
    """Every allOf list in a schema tree."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "allOf":
                found.append(value)
            found.extend(_allofs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_allofs(item))
    return found


def _inline(node, defs, stack):
    if isinstance(node, list):
        return [_inline(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        name = ref.rsplit("/", 1)[-1]
        if name in stack or name not in defs or len(stack) > 30:
            return node
        return _inline(defs[name], defs, (*stack, name))
    return {key: _inline(value, defs, stack) for key, value in node.items()}


class SchemaSet:
    """Validators for one model's definitions, built lazily and cached."""

    def __init__(self, definitions):
        self._definitions = definitions
        self._converted = {}
        self._cache = {}
        self._fast = {}

    def _defs(self, strict):
        if strict not in self._converted:
            # allOf parts add properties to each other: closing them would
            # reject valid data, so they stay open.
            open_names = set(_ALLOF_REF.findall(json.dumps(_allofs(self._definitions))))
            self._converted[strict] = {
                name: to_json_schema(value, strict and name not in open_names)
                for name, value in self._definitions.items()
            }
        return self._converted[strict]

    def validator(self, schema, strict=False):
        key = (json.dumps(schema, sort_keys=True), strict)
        if key not in self._cache:
            defs = self._defs(strict)
            # Inlined references validate about 2.5x faster than $ref lookups;
            # recursive ones stay references into "definitions".
            root = dict(_inline(to_json_schema(schema, strict), defs, ()))
            root["definitions"] = defs
            self._cache[key] = Draft4Validator(root, format_checker=FORMATS)
        return self._cache[key]

    def errors(self, schema, value, strict=False):
        check = self._fast_check(schema, strict)
        if check is not None and check(value):
            return []
        found = self.validator(schema, strict).iter_errors(value)
        return sorted(found, key=lambda e: list(e.absolute_path))

    def _fast_check(self, schema, strict):
        key = (json.dumps(schema, sort_keys=True), strict)
        if key not in self._fast:
            converted = to_json_schema(schema, strict)
            self._fast[key] = compile_check(converted, self._defs(strict), FORMATS)
        return self._fast[key]


def describe(error, prefix=""):
    where = ".".join(str(p) for p in error.absolute_path)
    label = f"{prefix}.{where}" if prefix and where else (prefix or where or "body")
    return f"{label}: {error.message}"


def _coerce_scalar(value, kind):
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def coerce(param, raw):
    """Query/path/header strings -> typed values (arrays are comma-separated
    unless ``collectionFormat`` says otherwise; repeated keys are joined)."""
    kind = param.get("type")
    if kind == "array":
        fmt = param.get("collectionFormat", "csv")
        sep = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}.get(fmt)
        values = []
        for item in raw:
            values.extend(item.split(sep) if sep else [item])
        item_type = (param.get("items") or {}).get("type")
        return [_coerce_scalar(v, item_type) for v in values if v != ""]
    return _coerce_scalar(raw[-1], kind)


def param_schema(param):
    if param.get("in") == "body":
        return param.get("schema") or {}
    return {key: param[key] for key in _SCALAR_KEYS if key in param}


def collect_parameters(op, path_params, query, headers, body):
    """The request's modelled parameters by name, typed as the model says;
    ``body`` is the decoded JSON body. Unmodelled query parameters are dropped."""
    values = {}
    lower_headers = {k.lower(): v for k, v in headers.items()}
    for param in op.parameters:
        name, where = param["name"], param.get("in")
        if where == "path" and name in path_params:
            values[name] = coerce(param, [path_params[name]])
        elif where == "query" and name in query:
            values[name] = coerce(param, query[name])
        elif where == "header" and name.lower() in lower_headers:
            values[name] = coerce(param, [lower_headers[name.lower()]])
        elif where == "body" and body is not None:
            values[name] = body
    for name, raw in path_params.items():
        values.setdefault(name, raw)
    return values


# Without the models the sandbox still needs typed parameters: these are the
# array/integer/boolean query parameters of the wrapped operations.
_FALLBACK_TYPES = {
    "array": {
        "marketplaceIds",
        "includedData",
        "fulfillmentStatuses",
        "fulfilledBy",
        "identifiers",
        "withIssueSeverity",
        "withStatus",
        "withoutStatus",
        "keywords",
        "sellerSkus",
        "notificationTypes",
    },
    "integer": {"maxResultsPerPage", "pageSize"},
    "boolean": {"details", "enableContentEncodingUrlHeader"},
}
_FALLBACK_BODY = {
    "confirmShipment": "payload",
    "getCompetitiveSummary": "requests",
    "getFeaturedOfferExpectedPriceBatch": (
        "getFeaturedOfferExpectedPriceBatchRequestBody"
    ),
}
_FALLBACK_HEADERS = ("x-amzn-IdempotencyKey",)


def fallback_parameters(op, path_params, query, headers, body):
    values = dict(path_params)
    for name, raw in query.items():
        kinds = [k for k, names in _FALLBACK_TYPES.items() if name in names]
        kind = kinds[0] if kinds else "string"
        param = {"type": kind, "items": {"type": "string"}}
        values[name] = coerce(param, raw)
    for name in _FALLBACK_HEADERS:
        if name.lower() in headers:
            values[name] = headers[name.lower()]
    if body is not None:
        values[_FALLBACK_BODY.get(op.op_id, "body")] = body
    return values


def request_errors(op, schemas, values):
    problems = []
    for param in op.parameters:
        name = param["name"]
        if name not in values:
            if param.get("required"):
                problems.append(f"{name}: required parameter is missing")
            continue
        for error in schemas.errors(param_schema(param), values[name])[:3]:
            problems.append(describe(error, name))
    return problems


def static_key(op, name):
    """Amazon's static cases call the body parameter ``body`` whatever its name."""
    body = op.body_parameter
    return "body" if body and body["name"] == name else name
