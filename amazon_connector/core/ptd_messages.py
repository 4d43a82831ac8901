"""Turn jsonschema errors into issues a seller can act on.

jsonschema speaks in schema terms ("'x' is a required property"); a seller
needs the attribute's title from the Product Type Definition and a pointer to
the place in the listing to fix. Kept apart from ``ptd`` so the validator
module stays about validation. Pure Python: never imports odoo.
"""

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
MAX_LISTED_VALUES = 8
TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list of values",
    "object": "a group of fields",
    "null": "empty",
}


@dataclass(frozen=True)
class Issue:
    """One problem found in a listing's attributes.

    ``path`` is a JSON Pointer to an existing location of the validated
    attributes (the parent object when something is missing); ``attribute`` is
    the top-level attribute concerned, so a form can highlight it.
    """

    path: str
    keyword: str
    severity: str
    message: str
    attribute: str | None = None
    schema_path: str = ""


def pointer(tokens):
    """RFC 6901 JSON Pointer for a sequence of keys and indexes."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def resolve_local(root, node):
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            return node
        target = root
        for token in ref[1:].split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            target = target[int(token)] if isinstance(target, list) else target[token]
        node = target
    return node


def _schema_at(root, tokens):
    """Schemas met walking ``properties``/``items`` along an instance path."""
    node = root
    nodes = [node]
    for token in tokens:
        node = resolve_local(root, node)
        if not isinstance(node, dict):
            break
        if isinstance(token, int) and isinstance(node.get("items"), dict):
            node = node["items"]
        elif isinstance(token, str) and token in (node.get("properties") or {}):
            node = node["properties"][token]
        else:
            break
        nodes.append(resolve_local(root, node))
    return nodes


def title_at(root, tokens):
    """Deepest schema title along the path, else the attribute's name."""
    for node in reversed(_schema_at(root, tokens)):
        if isinstance(node, dict) and node.get("title"):
            return node["title"]
    named = [t for t in tokens if isinstance(t, str)]
    return named[-1] if named else "Listing"


def _value_label(node, value):
    names = node.get("enumNames") if isinstance(node, dict) else None
    enum = node.get("enum") if isinstance(node, dict) else None
    if names and enum and value in enum and len(names) == len(enum):
        label = names[enum.index(value)]
        if label != value:
            return f"{label} ({value})"
    return str(value)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _choices(node, values):
    labels = [_value_label(node, v) for v in values[:MAX_LISTED_VALUES]]
    more = len(values) - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def _missing_names(error):
    names = error.validator_value if isinstance(error.validator_value, list) else ()
    return [n for n in names if error.message.startswith(repr(n))] or [
        n for n in names if isinstance(error.instance, dict) and n not in error.instance
    ][:1]


def _conditional(error):
    return any(t in ("then", "else") for t in error.absolute_schema_path)


def _if_names(node, out):
    """Attribute names a condition looks at, in schema order."""
    if isinstance(node, dict):
        for name in list(node.get("required") or ()) + list(
            node.get("properties") or {}
        ):
            if name not in out:
                out.append(name)
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or ():
                _if_names(sub, out)
        _if_names(node.get("not"), out)
    return out


def _condition_names(error, root):
    """Names in the ``if`` of the nearest condition that produced ``error``."""
    node, owner = root, None
    for token in error.absolute_schema_path:
        if token in ("then", "else") and isinstance(node, dict):
            owner = node
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            break
    if owner is None:
        return []
    return _if_names(owner.get("if"), [])


def _required(error, root, tokens):
    out = []
    for name in _missing_names(error):
        title = title_at(root, tokens + [name])
        if _conditional(error):
            causes = [
                title_at(root, tokens + [c]) for c in _condition_names(error, root)
            ]
            rule = " and ".join(causes) if causes else "other attributes"
            text = f"{title}: required by Amazon's rule on {rule}; add it."
        else:
            text = f"{title}: required; add it."
        out.append((("required", pointer(tokens), name), tokens, name, text))
    return out


def _additional(error, root, tokens):
    instance = error.instance if isinstance(error.instance, dict) else {}
    allowed = error.schema.get("properties") or {}
    extras = [k for k in instance if k not in allowed]
    owner = title_at(root, tokens) if tokens else "This product type"
    out = []
    for name in extras:
        text = f"{owner}: '{name}' is not an attribute Amazon accepts here; remove it."
        where = tokens + [name]
        key = ("additionalProperties", pointer(where))
        out.append((key, where, name, text))
    return out


def _forbidden(error, root, tokens):
    sub = error.validator_value if isinstance(error.validator_value, dict) else {}
    names = sub.get("required") or ()
    instance = error.instance if isinstance(error.instance, dict) else {}
    present = [n for n in names if n in instance]
    if present and set(sub) <= {"required", "properties"}:
        out = []
        for name in present:
            title = title_at(root, tokens + [name])
            text = (
                f"{title}: must not be given together with the other values of "
                "this listing; remove it or change the related attributes."
            )
            out.append((("not", pointer(tokens + [name])), tokens + [name], name, text))
        return out
    title = title_at(root, tokens)
    text = f"{title}: this value is not allowed in combination with other values."
    return [(("not", pointer(tokens), text), tokens, None, text)]


def _simple_message(error, root, tokens):
    """Message for the single-location keywords."""
    keyword, value, instance = error.validator, error.validator_value, error.instance
    title = title_at(root, tokens)
    node = _schema_at(root, tokens)[-1]
    if keyword == "maxUtf8ByteLength":
        size = len(instance.encode("utf-8"))
        return (
            f"{title}: too long, {size} bytes where Amazon accepts at most {value} "
            f"bytes ({len(instance)} characters; accented and non-Latin characters "
            "take 2 to 4 bytes each)."
        )
    if keyword == "minUtf8ByteLength":
        size = len(instance.encode("utf-8"))
        return f"{title}: too short, {size} bytes where at least {value} are needed."
    if keyword in ("maxUniqueItems", "minUniqueItems"):
        detail = getattr(error, "ptd_detail", {})
        selectors = error.schema.get("selectors") or ()
        key = ", ".join(str(k) for k in detail.get("key", ()))
        scope = f" for the same {' and '.join(selectors)} ({key})" if selectors else ""
        if keyword == "maxUniqueItems":
            return (
                f"{title}: {detail.get('count')} values{scope}, at most {value} "
                "allowed; remove the duplicates."
            )
        return f"{title}: at least {value} values{scope} are needed."
    if keyword == "enum":
        return (
            f"{title}: {_short(instance)} is not an accepted value; choose one of "
            f"{_choices(node, list(value))}."
        )
    if keyword == "const":
        return f"{title}: must be {_short(value)}."
    if keyword == "type":
        types = value if isinstance(value, list) else [value]
        wanted = " or ".join(TYPE_NAMES.get(t, t) for t in types)
        return f"{title}: must be {wanted}."
    if keyword == "maxLength":
        return f"{title}: too long, {len(instance)} characters, at most {value}."
    if keyword == "minLength":
        return f"{title}: too short, at least {value} characters are needed."
    if keyword == "maxItems":
        return f"{title}: at most {value} value(s) allowed, {len(instance)} given."
    if keyword == "minItems":
        return f"{title}: at least {value} value(s) needed, {len(instance)} given."
    return _other_message(error, title, keyword, value, instance)


def _other_message(error, title, keyword, value, instance):
    """Messages for the numeric, format and combinator keywords."""
    bounds = {
        "maximum": "at most",
        "minimum": "at least",
        "exclusiveMaximum": "less than",
        "exclusiveMinimum": "greater than",
        "multipleOf": "a multiple of",
    }
    if keyword in bounds:
        return f"{title}: must be {bounds[keyword]} {value}, not {_short(instance)}."
    if keyword == "format":
        return f"{title}: {_short(instance)} is not a valid {value}."
    if keyword == "pattern":
        return f"{title}: {_short(instance)} does not have the expected format."
    if keyword == "contains":
        return (
            f"{title}: none of the values meets what Amazon requires for this "
            "listing; check the related attributes."
        )
    if keyword in ("anyOf", "oneOf"):
        return f"{title}: {_short(instance)} does not match any accepted form."
    return f"{title}: {error.message}"


def describe_error(error, root):
    """Issues (with a de-duplication key) for one jsonschema error.

    Keys for ``required``/``not`` ignore the schema location, so the same
    missing attribute demanded by several conditions is reported once.
    """
    tokens = list(error.absolute_path)
    keyword = error.validator
    if keyword == "required":
        parts = _required(error, root, tokens)
    elif keyword == "additionalProperties" and error.validator_value is False:
        parts = _additional(error, root, tokens)
    elif keyword == "not":
        parts = _forbidden(error, root, tokens)
    else:
        text = _simple_message(error, root, tokens)
        parts = [((keyword, pointer(tokens), text), tokens, None, text)]
    schema_path = pointer(error.absolute_schema_path)
    out = []
    for key, where, name, text in parts:
        first = where[0] if where else name
        out.append(
            (
                key,
                Issue(
                    path=pointer(tokens if keyword == "required" else where),
                    keyword=keyword,
                    severity=ERROR,
                    message=text,
                    attribute=str(first) if first is not None else None,
                    schema_path=schema_path,
                ),
            )
        )
    return out


def editable_message(title, new, old):
    return (
        f"{title or 'Attribute'}: cannot be changed once the listing exists "
        f"(Amazon keeps {_short(old)}; you set {_short(new)})."
    )


def deprecated_message(title, value, replacements):
    text = f"{title or 'Attribute'}: {_short(value)} is deprecated and will be removed"
    if replacements:
        return text + "; use " + " or ".join(map(repr, replacements)) + " instead."
    return text + "; choose another value."
