"""Compiling PTD schemas: local meta-schema, no network, one compile per version."""

import copy
import json
import socket
from pathlib import Path

import pytest

from amazon_connector.core import ptd
from amazon_connector.core.ptd import PTDSchemaError, PTDValidator, clear_cache
from tests.sandbox.reference import base_dir

PTD_DIR = base_dir() / "ptd"
PRODUCT = PTD_DIR / "PRODUCT.json"
META = PTD_DIR / "meta-schema.json"


@pytest.fixture(scope="module")
def schema():
    if not PRODUCT.exists():
        pytest.skip(f"Amazon reference schema absent: {PRODUCT}")
    return json.loads(PRODUCT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def meta_schema():
    if not META.exists():
        pytest.skip(f"Amazon meta-schema absent: {META}")
    return json.loads(META.read_text(encoding="utf-8"))


@pytest.fixture
def no_network(monkeypatch):
    """Record and refuse every attempt to open a connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during PTD validation")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def counted_compiles(monkeypatch):
    calls = []
    real = ptd._Compiled

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ptd, "_Compiled", counting)
    clear_cache()
    return calls


def tiny(extra=None):
    schema = {
        "$schema": ptd.META_SCHEMA_ID,
        "$id": "https://example.invalid/ptd/TINY",
        "type": "object",
        "properties": {
            "name": {"title": "Name", "type": "string", "maxUtf8ByteLength": 4}
        },
    }
    schema.update(extra or {})
    return schema


def test_product_schema_compiles_and_validates_offline(schema, no_network):
    clear_cache()
    validator = PTDValidator(schema)
    issues = validator.validate({"item_name": [{"value": "x"}]})
    assert issues and all(i.severity in ("error", "warning") for i in issues)
    assert no_network == []


@pytest.mark.parametrize(
    "remote",
    [
        "https://schemas.example.invalid/common.json",
        "https://schemas.example.invalid/common.json#/$defs/thing",
        "common.json",  # relative to the schema's $id, so remote as well
    ],
)
def test_unknown_remote_ref_raises_without_fetching(remote, no_network, meta_schema):
    schema = tiny({"properties": {"thing": {"$ref": remote}}})
    with pytest.raises(PTDSchemaError, match="never fetched") as caught:
        PTDValidator(schema, meta_schema=meta_schema)
    assert remote in str(caught.value)
    assert no_network == []


def test_meta_schema_is_resolved_locally_and_enforced(meta_schema, no_network):
    PTDValidator(tiny(), meta_schema=meta_schema)
    with pytest.raises(PTDSchemaError, match="meta-schema"):
        PTDValidator(tiny({"hidden": "no"}), meta_schema=meta_schema)
    bad = tiny()
    bad["properties"]["name"]["maxLength"] = "four"  # draft 2019-09 part
    with pytest.raises(PTDSchemaError, match="meta-schema"):
        PTDValidator(bad, meta_schema=meta_schema)
    assert no_network == []


def test_amazon_keywords_are_checked_at_every_depth(meta_schema):
    bad = tiny()
    bad["properties"]["name"]["maxUtf8ByteLength"] = "four"
    with pytest.raises(PTDSchemaError, match="maxUtf8ByteLength at /properties/name"):
        PTDValidator(bad, meta_schema=meta_schema)
    bad = tiny({"properties": {"list": {"type": "array", "selectors": "id"}}})
    with pytest.raises(PTDSchemaError, match="selectors"):
        PTDValidator(bad, meta_schema=meta_schema)


def test_unknown_dialect_is_refused(meta_schema):
    schema = tiny({"$schema": "https://example.invalid/other-meta-schema"})
    with pytest.raises(PTDSchemaError, match="Unsupported"):
        PTDValidator(schema, meta_schema=meta_schema)


def test_works_without_a_meta_schema_file(monkeypatch, tmp_path):
    monkeypatch.setenv(ptd.META_SCHEMA_ENV, str(tmp_path / "absent.json"))
    assert ptd.load_meta_schema() is None
    validator = PTDValidator(tiny({"$id": "https://example.invalid/ptd/NOMETA"}))
    issues = validator.validate({"name": "éé€"})
    assert [(i.keyword, i.path) for i in issues] == [("maxUtf8ByteLength", "/name")]


def test_same_schema_compiles_once(schema, counted_compiles):
    first = PTDValidator(schema)
    second = PTDValidator(copy.deepcopy(schema))
    assert first._compiled is second._compiled
    assert len(counted_compiles) == 1


def test_new_version_compiles_again(schema, counted_compiles):
    first = PTDValidator(schema, version="U1")
    again = PTDValidator(schema, version="U1")
    newer = PTDValidator(schema, version="U2")
    assert first._compiled is again._compiled
    assert newer._compiled is not first._compiled
    assert len(counted_compiles) == 2


def test_changed_content_without_version_compiles_again(schema, counted_compiles):
    changed = copy.deepcopy(schema)
    changed["properties"]["item_name"]["title"] = "Title (changed)"
    first = PTDValidator(schema)
    second = PTDValidator(changed)
    assert first._compiled is not second._compiled
    assert len(counted_compiles) == 2


def test_cache_is_bounded(counted_compiles, monkeypatch, tmp_path):
    monkeypatch.setenv(ptd.META_SCHEMA_ENV, str(tmp_path / "absent.json"))
    monkeypatch.setattr(ptd, "CACHE_SIZE", 2)
    for version in ("a", "b", "c"):
        PTDValidator(tiny(), version=version)
    assert len(ptd._CACHE) == 2
    PTDValidator(tiny(), version="a")  # evicted, so compiled again
    assert len(counted_compiles) == 4


def test_core_module_does_not_import_odoo():
    source = Path(ptd.__file__).read_text(encoding="utf-8")
    messages = Path(ptd.__file__).with_name("ptd_messages.py").read_text("utf-8")
    for text in (source, messages):
        assert "import odoo" not in text and "from odoo" not in text
