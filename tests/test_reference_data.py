"""Amazon's reference data for a clone without ../shared: the pinned files,
downloaded and verified against the lock (served here by a local stand-in
for raw.githubusercontent.com, since CI has no internet)."""

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from tests.sandbox import reference


def _entries():
    return reference.lock_entries()


@pytest.fixture
def github(tmp_path):
    """Serves ``/<commit>/<path in Amazon's repository>`` from ../shared, as
    raw.githubusercontent.com serves the pinned commits; ``tamper`` changes
    one served file."""
    if not (reference.SHARED / "sp-api-models" / "models").is_dir():
        pytest.skip(reference.how_to())
    served = {
        f"/{e['commit']}/{e['source']}": reference.SHARED / e["path"]
        for e in _entries()
    }
    tampered = {}
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            path = served.get(self.path)
            if path is None:
                self.send_error(404)
                return
            body = tampered.get(self.path, path.read_bytes())
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.tampered, server.hits = tampered, hits
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()


def test_the_lock_pins_every_file_the_tests_read():
    paths = {e["path"] for e in _entries()}
    # The files the sandbox and the tests open by name (independent list).
    for needed in (
        "ptd/PRODUCT.json",
        "ptd/meta-schema.json",
        "sp-api-models/models/orders-api-model/orders_2026-01-01.json",
        "sp-api-models/models/shipping-api-model/shippingV2.json",
        "sp-api-models/models/listings-items-api-model/listingsItems_2021-08-01.json",
        "sp-api-models/LICENSE",
    ):
        assert needed in paths
    for entry in _entries():
        assert len(entry["commit"]) == 40 and len(entry["sha256"]) == 64
    # The PTD schema's path differs in Amazon's repository (SOURCE.md).
    ptd = next(e for e in _entries() if e["path"] == "ptd/PRODUCT.json")
    assert ptd["source"] == "schemas/definitions/Product.json"


def test_fetch_downloads_verified_files_a_clone_can_use(github, tmp_path):
    cache = tmp_path / "cache"
    assert reference.problems(cache)  # empty cache: every file missing
    count = reference.fetch(github.url, cache)
    assert count == len(_entries()) == len(github.hits)
    assert reference.problems(cache) == []
    product = cache / "ptd/PRODUCT.json"
    shared = reference.SHARED / "ptd/PRODUCT.json"
    assert product.read_bytes() == shared.read_bytes()
    # A second run downloads nothing: the verified files are kept.
    assert reference.fetch(github.url, cache) == 0


def test_a_file_that_differs_from_the_lock_is_refused(github, tmp_path):
    entry = next(e for e in _entries() if e["path"] == "ptd/PRODUCT.json")
    url_path = f"/{entry['commit']}/{entry['source']}"
    body = (reference.SHARED / entry["path"]).read_bytes()
    github.tampered[url_path] = body.replace(b'"title"', b'"titel"', 1)
    assert hashlib.sha256(github.tampered[url_path]).hexdigest() != entry["sha256"]
    cache = tmp_path / "cache"
    with pytest.raises(reference.ReferenceError, match="ptd/PRODUCT.json"):
        reference.fetch(github.url, cache)
    assert not (cache / entry["path"]).exists()


def test_the_cache_serves_when_shared_is_absent(monkeypatch, tmp_path):
    monkeypatch.delenv("AMAZON_REFERENCE_DIR", raising=False)
    monkeypatch.setenv("AMAZON_MODELS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(reference, "SHARED", tmp_path / "no-shared")
    assert reference.base_dir() == tmp_path / "cache"
    assert str(tmp_path / "cache") in reference.how_to()
    monkeypatch.setenv("AMAZON_REFERENCE_DIR", str(tmp_path / "given"))
    assert reference.base_dir() == Path(tmp_path / "given")
