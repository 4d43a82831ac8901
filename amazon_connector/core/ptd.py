"""Validate listing attributes against an Amazon Product Type Definition schema.

Amazon's schemas are JSON Schema draft 2019-09 plus a vocabulary of its own
(UTF-8 byte lengths, uniqueness by ``selectors``, ``editable`` and
``$lifecycle`` annotations). Checking them locally tells a seller what is wrong
before anything reaches Amazon. Pure Python: never imports odoo, never touches
the network (``$schema`` and ``$ref`` resolve from a local registry only).
"""

import hashlib
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path

import jsonschema_specifications
from jsonschema import Draft201909Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT201909

from .ptd_messages import (
    ERROR,
    WARNING,
    Issue,
    deprecated_message,
    describe_error,
    editable_message,
    pointer,
    resolve_local,
)

META_SCHEMA_ID = (
    "https://schemas.amazon.com/selling-partners/definitions/product-types/"
    "meta-schema/v1"
)
DRAFT201909_ID = "https://json-schema.org/draft/2019-09/schema"
META_SCHEMA_ENV = "AMAZON_PTD_META_SCHEMA"
DEFAULT_META_SCHEMA_PATH = (
    Path(__file__).resolve().parents[3] / "shared/amazon/ptd/meta-schema.json"
)
CACHE_SIZE = 32


class PTDSchemaError(ValueError):
    """The schema cannot be compiled (unknown remote reference, invalid schema)."""


# --- Amazon's validating keywords -------------------------------------------


def _utf8_len(instance):
    return len(instance.encode("utf-8"))


def _max_utf8(validator, limit, instance, schema):
    if isinstance(instance, str) and _utf8_len(instance) > limit:
        yield ValidationError(
            f"{instance!r} is longer than {limit} UTF-8 bytes",
            validator_value=limit,
        )


def _min_utf8(validator, limit, instance, schema):
    if isinstance(instance, str) and _utf8_len(instance) < limit:
        yield ValidationError(
            f"{instance!r} is shorter than {limit} UTF-8 bytes",
            validator_value=limit,
        )


def _freeze(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return json.dumps(value, sort_keys=True)


def _selector_counts(schema, instance):
    """Count items per combination of the selector properties (in order seen)."""
    selectors = schema.get("selectors") or ()
    counts = {}
    for item in instance:
        if isinstance(item, dict) and selectors:
            key = tuple(_freeze(item.get(name)) for name in selectors)
        else:
            key = (_freeze(item),)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _max_unique(validator, limit, instance, schema):
    if not isinstance(instance, list) or len(instance) <= limit:
        return
    for key, count in _selector_counts(schema, instance).items():
        if count > limit:
            error = ValidationError(
                f"{count} items share selectors {key}, at most {limit} allowed",
                validator_value=limit,
            )
            error.ptd_detail = {"key": key, "count": count}
            yield error


def _min_unique(validator, limit, instance, schema):
    if not isinstance(instance, list) or not instance or limit <= 1:
        return  # every combination present occurs at least once
    counts = _selector_counts(schema, instance)
    for key, count in counts.items():
        if count < limit:
            error = ValidationError(
                f"{count} items share selectors {key}, at least {limit} needed",
                validator_value=limit,
            )
            error.ptd_detail = {"key": key, "count": count}
            yield error


AMAZON_KEYWORDS = {
    "maxUtf8ByteLength": _max_utf8,
    "minUtf8ByteLength": _min_utf8,
    "maxUniqueItems": _max_unique,
    "minUniqueItems": _min_unique,
}
AmazonValidator = validators.extend(Draft201909Validator, AMAZON_KEYWORDS)


# --- local registry, no network ---------------------------------------------


def _refuse_retrieval(uri):
    raise NoSuchResource(ref=uri)


def load_meta_schema(path=None):
    """Read Amazon's meta-schema from disk; ``None`` when it is not available.

    The Product Type Definitions API returns a link to it beside each schema;
    the caller may pass it in instead of relying on a local file.
    """
    path = Path(path or os.environ.get(META_SCHEMA_ENV) or DEFAULT_META_SCHEMA_PATH)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _registry(schema, meta_schema):
    """Registry of the draft 2019-09 meta-schemas, Amazon's and the schema itself.

    ``retrieve`` refuses every unknown URI, so jsonschema never falls back on
    fetching a ``$ref`` over HTTP.
    """
    registry = Registry(retrieve=_refuse_retrieval).combine(
        jsonschema_specifications.REGISTRY
    )
    resources = []
    if meta_schema is not None:
        resources.append(
            (
                meta_schema.get("$id", META_SCHEMA_ID),
                DRAFT201909.create_resource(meta_schema),
            )
        )
    if schema.get("$id"):
        resources.append((schema["$id"], DRAFT201909.create_resource(schema)))
    return registry.with_resources(resources).crawl()


def _iter_refs(node):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _iter_refs(value)


def _check_refs(schema, registry):
    """Resolve every reference now so an unknown remote one fails at compile time."""
    resolver = registry.resolver(base_uri=schema.get("$id", ""))
    for ref in set(_iter_refs(schema)):
        try:
            resolver.lookup(ref)
        except Unresolvable as exc:
            raise PTDSchemaError(
                f"Schema reference {ref!r} cannot be resolved locally; "
                "remote references are never fetched"
            ) from exc


def _iter_dicts(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _iter_dicts(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _iter_dicts(value, path + (index,))


def _check_vocabulary(schema):
    """Check Amazon's keywords everywhere.

    Amazon's meta-schema only constrains them at the root (it declares no
    ``$recursiveAnchor``), yet a bad value deep inside would crash validation.
    """
    for path, node in _iter_dicts(schema):
        for keyword in AMAZON_KEYWORDS:
            value = node.get(keyword)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise PTDSchemaError(
                    f"{keyword} at {pointer(path)} must be a non-negative integer"
                )
        selectors = node.get("selectors")
        if selectors is not None and not (
            isinstance(selectors, list) and all(isinstance(s, str) for s in selectors)
        ):
            raise PTDSchemaError(f"selectors at {pointer(path)} must list names")


def _check_meta(schema, registry, meta_schema):
    uri = schema.get("$schema")
    known = (None, DRAFT201909_ID, META_SCHEMA_ID)
    if uri not in known and (meta_schema is None or uri != meta_schema.get("$id")):
        raise PTDSchemaError(
            f"Unsupported $schema {uri!r}: only draft 2019-09 and Amazon's "
            "Product Type Definition meta-schema are known locally"
        )
    if meta_schema is None:
        return
    checker = Draft201909Validator(meta_schema, registry=registry)
    error = next(iter(checker.iter_errors(schema)), None)
    if error is not None:
        raise PTDSchemaError(
            f"Schema does not match Amazon's meta-schema at "
            f"{pointer(error.absolute_path)}: {error.message}"
        )


# --- the schema actually run by jsonschema -------------------------------------

ANNOTATIONS = frozenset(
    {
        "$comment",
        "$lifecycle",
        "default",
        "description",
        "editable",
        "enumNames",
        "examples",
        "hidden",
        "title",
    }
)
LITERAL_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
SCHEMA_MAPS = frozenset(
    {"$defs", "dependentSchemas", "patternProperties", "properties"}
)
SCOPE_KEYWORDS = frozenset({"$id", "$anchor", "$recursiveAnchor", "$recursiveRef"})


def _inlinable(root, ref):
    """Local ``$ref`` target that can be copied in without changing its meaning."""
    if not ref.startswith("#/"):
        return None
    try:
        target = resolve_local(root, {"$ref": ref})
    except (KeyError, IndexError, ValueError):
        return None
    for _path, node in _iter_dicts(target):
        if "$ref" in node or SCOPE_KEYWORDS & node.keys():
            return None
    return target


def _lean(root, node=None):
    """Copy of the schema without annotations and with simple local refs inlined.

    jsonschema re-reads every keyword of every subschema for each instance, so
    dropping what cannot fail and saving a reference lookup per
    ``marketplace_id`` makes validation markedly faster; titles, ``editable``
    and ``$lifecycle`` are read from the original schema instead.
    """
    node = root if node is None else node
    if isinstance(node, list):
        return [_lean(root, item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ANNOTATIONS:
            continue
        if key in LITERAL_KEYWORDS:
            out[key] = value
        elif key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _lean(root, sub) for name, sub in value.items()}
        else:
            out[key] = _lean(root, value)
    ref = out.get("$ref")
    if isinstance(ref, str) and len(out) == 1:
        target = _inlinable(root, ref)
        if isinstance(target, dict):
            return _lean(root, target)
    return out


# --- annotations (editable, $lifecycle) ---------------------------------------


def _annotation_tree(root, node, depth=0):
    """Keep only the branches of the schema that carry annotations we act on."""
    node = resolve_local(root, node)
    if not isinstance(node, dict) or depth > 16:
        return None
    tree = {}
    if node.get("editable") is False:
        tree["readonly"] = True
    lifecycle = node.get("$lifecycle") or {}
    deprecated = {v: [] for v in lifecycle.get("enumDeprecated") or ()}
    for entry in lifecycle.get("enumReplacement") or ():
        if isinstance(entry, dict) and "value" in entry:
            deprecated[entry["value"]] = list(entry.get("replacements") or ())
    if deprecated:
        tree["deprecated"] = deprecated
    props = {}
    for name, sub in (node.get("properties") or {}).items():
        child = _annotation_tree(root, sub, depth + 1)
        if child:
            props[name] = child
    if props:
        tree["props"] = props
    if isinstance(node.get("items"), dict):
        child = _annotation_tree(root, node["items"], depth + 1)
        if child:
            tree["items"] = child
    if tree:
        tree["title"] = node.get("title")
        tree["selectors"] = tuple(node.get("selectors") or ())
    return tree


def _pair_items(tree, new, old):
    """Pair array items by their selector values (index when there are none)."""
    selectors = tree.get("selectors")
    if not selectors:
        return [
            (i, item, old[i] if i < len(old) else None) for i, item in enumerate(new)
        ]
    index = {}
    for item in old:
        if isinstance(item, dict):
            key = tuple(_freeze(item.get(s)) for s in selectors)
            index.setdefault(key, item)
    pairs = []
    for i, item in enumerate(new):
        key = None
        if isinstance(item, dict):
            key = tuple(_freeze(item.get(s)) for s in selectors)
        pairs.append((i, item, index.get(key)))
    return pairs


_MISSING = object()


def _walk_annotations(tree, new, old, path, out):
    deprecated = tree.get("deprecated")
    if deprecated and isinstance(new, str) and new in deprecated:
        out.append(("$lifecycle", path, tree, new, deprecated[new]))
    if tree.get("readonly") and old is not _MISSING and old is not None and new != old:
        out.append(("editable", path, tree, new, old))
        return
    props = tree.get("props")
    if props and isinstance(new, dict):
        old_dict = old if isinstance(old, dict) else {}
        for name, child in props.items():
            if name in new:
                _walk_annotations(
                    child,
                    new[name],
                    old_dict.get(name, _MISSING),
                    path + (name,),
                    out,
                )
    items = tree.get("items")
    if items and isinstance(new, list):
        old_list = old if isinstance(old, list) else []
        for i, item, old_item in _pair_items(tree, new, old_list):
            _walk_annotations(
                items,
                item,
                _MISSING if old_item is None else old_item,
                path + (i,),
                out,
            )


# --- compiled schema cache ----------------------------------------------------


class _Compiled:
    """Everything derived once from a schema version and shared by validators."""

    def __init__(self, schema, meta_schema):
        registry = _registry(schema, meta_schema)
        _check_meta(schema, registry, meta_schema)
        _check_refs(schema, registry)
        _check_vocabulary(schema)
        self.schema = schema
        self.validator = AmazonValidator(_lean(schema), registry=registry)
        self.annotations = _annotation_tree(schema, schema) or {}
        self.has_editable = _has_key(self.annotations, "readonly")
        self.has_lifecycle = _has_key(self.annotations, "deprecated")


def _has_key(tree, key):
    if key in tree:
        return True
    children = list((tree.get("props") or {}).values())
    if tree.get("items"):
        children.append(tree["items"])
    return any(_has_key(child, key) for child in children)


_CACHE = OrderedDict()
_CACHE_LOCK = threading.Lock()


def schema_cache_key(schema, version=None):
    """Identify a schema version: its ``$id`` plus Amazon's version or a hash."""
    if version is None:
        canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"))
        version = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return (schema.get("$id", ""), str(version))


def _compiled(schema, version, meta_schema):
    key = schema_cache_key(schema, version)
    with _CACHE_LOCK:
        compiled = _CACHE.get(key)
        if compiled is not None:
            _CACHE.move_to_end(key)
            return compiled
    compiled = _Compiled(schema, meta_schema)
    with _CACHE_LOCK:
        compiled = _CACHE.setdefault(key, compiled)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def clear_cache():
    """Forget compiled schemas (tests, or after a meta-schema change)."""
    with _CACHE_LOCK:
        _CACHE.clear()


# --- public API ---------------------------------------------------------------


class PTDValidator:
    """Validate listing attributes against one Product Type Definition schema.

    Compilation (meta-schema check, reference check, annotation index) happens
    once per schema version: ``version`` is Amazon's ``productTypeVersion``
    when known, else a content hash identifies the schema.
    """

    def __init__(self, schema, version=None, meta_schema=None):
        if not isinstance(schema, dict):
            raise PTDSchemaError("A Product Type Definition schema must be an object")
        if meta_schema is None:
            meta_schema = load_meta_schema()
        self._compiled = _compiled(schema, version, meta_schema)

    @property
    def schema(self):
        return self._compiled.schema

    def validate(self, attributes, existing=None):
        """Return the list of issues (errors, then warnings) for ``attributes``.

        ``existing`` are the attributes Amazon holds for the listing today; when
        given, changing a non-editable value is reported as a warning.
        """
        compiled = self._compiled
        issues = []
        seen = set()
        for error in compiled.validator.iter_errors(attributes):
            for key, issue in describe_error(error, compiled.schema):
                if key not in seen:
                    seen.add(key)
                    issues.append(issue)
        if compiled.has_lifecycle or (existing is not None and compiled.has_editable):
            issues.extend(self._annotation_issues(attributes, existing))
        return issues

    def errors(self, attributes, existing=None):
        return [i for i in self.validate(attributes, existing) if i.severity == ERROR]

    def _annotation_issues(self, attributes, existing):
        found = []
        old = existing if existing is not None else _MISSING
        _walk_annotations(self._compiled.annotations, attributes, old, (), found)
        issues = []
        for kind, path, tree, new, extra in found:
            if kind == "editable":
                message = editable_message(tree.get("title"), new, extra)
            else:
                message = deprecated_message(tree.get("title"), new, extra)
            issues.append(
                Issue(
                    path=pointer(path),
                    keyword=kind,
                    severity=WARNING,
                    message=message,
                    attribute=str(path[0]) if path else None,
                )
            )
        return issues
