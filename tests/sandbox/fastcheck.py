"""A compiled yes/no check for the Draft 4 subset Amazon's models use.

jsonschema spends most of a page's validation time walking references; this
check answers "valid?" several times faster. It is deliberately conservative:
any keyword it does not know makes ``compile_check`` give up (the caller then
uses jsonschema), and a "no" is always re-checked by jsonschema for the
messages, so only a wrong "yes" could hide a problem. Tests validate generated
responses with jsonschema directly as well.
"""

import re

_IGNORED = {
    "description",
    "title",
    "default",
    "example",
    "examples",
    "readOnly",
    "discriminator",
    "definitions",
    "$schema",
    "$id",
}


class Unsupported(Exception):
    pass


def _is_type(value, kind):
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "null":
        return value is None
    raise Unsupported(kind)


def _same(left, right):
    return type(left) is type(right) and left == right


class Compiler:
    def __init__(self, definitions, formats):
        self.definitions = definitions
        self.formats = formats
        self.refs = {}

    def compile(self, schema):
        if schema is True or schema == {}:
            return lambda value: True
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema)[:40])
        if "$ref" in schema:  # Draft 4 ignores a reference's siblings
            return self._ref(schema["$ref"])
        checks = []
        for key, spec in schema.items():
            if key in _IGNORED or key.startswith("x-"):
                continue
            checks.append(self._keyword(key, spec, schema))
        return lambda value: all(check(value) for check in checks)

    def _ref(self, ref):
        if not ref.startswith("#/definitions/"):
            raise Unsupported(ref)
        name = ref.rsplit("/", 1)[-1]
        if name not in self.refs:
            self.refs[name] = None  # placeholder: recursive references
            self.refs[name] = self.compile(self.definitions[name])
        return lambda value: self.refs[name](value)

    def _keyword(self, key, spec, schema):
        if key == "$ref":
            return self._ref(spec)
        if key == "type":
            kinds = spec if isinstance(spec, list) else [spec]
            for kind in kinds:
                _is_type(None, kind)  # rejects unknown type names early
            return lambda value: any(_is_type(value, kind) for kind in kinds)
        if key == "properties":
            props = {name: self.compile(sub) for name, sub in spec.items()}
            return lambda value: (
                not isinstance(value, dict)
                or all(
                    name not in value or check(value[name])
                    for name, check in props.items()
                )
            )
        if key == "required":
            return lambda value: (
                not isinstance(value, dict) or all(name in value for name in spec)
            )
        if key == "additionalProperties":
            if "patternProperties" in schema:
                raise Unsupported(key)
            known = set(schema.get("properties") or ())
            if spec is False:
                return lambda value: not isinstance(value, dict) or set(value) <= known
            extra = self.compile(spec)
            return lambda value: (
                not isinstance(value, dict)
                or all(extra(item) for name, item in value.items() if name not in known)
            )
        if key == "items":
            if not isinstance(spec, dict):
                raise Unsupported(key)
            item = self.compile(spec)
            return lambda value: (
                not isinstance(value, list) or all(item(entry) for entry in value)
            )
        if key == "enum":
            return lambda value: any(_same(value, option) for option in spec)
        if key == "allOf":
            parts = [self.compile(part) for part in spec]
            return lambda value: all(part(value) for part in parts)
        return self._bounds(key, spec, schema)

    def _bounds(self, key, spec, schema):
        if key in ("minItems", "maxItems"):
            low = key == "minItems"
            return lambda value: (
                not isinstance(value, list)
                or (len(value) >= spec if low else len(value) <= spec)
            )
        if key in ("minLength", "maxLength"):
            low = key == "minLength"
            return lambda value: (
                not isinstance(value, str)
                or (len(value) >= spec if low else len(value) <= spec)
            )
        if key in ("minimum", "maximum"):
            low = key == "minimum"
            strict = schema.get("exclusiveMinimum" if low else "exclusiveMaximum")
            if strict not in (None, False, True):
                raise Unsupported(key)

            def bound(value):
                if not _is_type(value, "number"):
                    return True
                if low:
                    return value > spec if strict else value >= spec
                return value < spec if strict else value <= spec

            return bound
        if key in ("exclusiveMinimum", "exclusiveMaximum"):
            return lambda value: True  # folded into minimum/maximum
        if key == "pattern":
            compiled = re.compile(spec)
            return lambda value: (
                not isinstance(value, str) or bool(compiled.search(value))
            )
        if key == "format":
            return lambda value: self.formats.conforms(value, spec)
        if key == "uniqueItems":
            if not spec:
                return lambda value: True
            return lambda value: (
                not isinstance(value, list)
                or len({repr(v) for v in value}) == len(value)
            )
        raise Unsupported(key)


def compile_check(schema, definitions, formats):
    """A ``value -> bool`` function, or None when the schema is out of reach."""
    try:
        return Compiler(definitions, formats).compile(schema)
    except (Unsupported, KeyError, re.error, RecursionError):
        return None
