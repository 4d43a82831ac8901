"""Amazon's reference data: where it is, and the pinned copy when it is not.

The sandbox and the tests read Amazon's own SP-API models and a real Product
Type Definition schema (Apache-2.0, from the public repository
amzn/selling-partner-api-models). They are never copied into this
repository. Next to a checkout they live in ``../shared/amazon``; a clone
without it gets the same files, at the commits and with the checksums pinned
in ``reference.lock.json``, into a cache (``.cache/amazon``, or
``$AMAZON_MODELS_CACHE``; ``$AMAZON_REFERENCE_DIR`` overrides both)::

    python3 -m tests.sandbox.reference fetch    # download and verify
    python3 -m tests.sandbox.reference check    # what is missing or altered
    python3 -m tests.sandbox.reference pin      # maintainers: lock ../shared

A file whose checksum differs from the lock is refused, never used.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "amazon"
LOCK = Path(__file__).with_name("reference.lock.json")
RAW = "https://raw.githubusercontent.com/amzn/selling-partner-api-models"
# Where each part of ../shared/amazon comes from in Amazon's repository (the
# commits its SOURCE.md files name).
SOURCES = {
    "sp-api-models": ("34dc93fe45f37c9a0b2e56823c808f68b4f81754", ""),
    "ptd": ("36d37106f8c74728b171f4eadbbf4f26ac6374c1", "schemas/definitions/"),
}
PTD_NAMES = {"PRODUCT.json": "Product.json", "meta-schema.json": "meta-schema.json"}
HOW_TO = (
    "Amazon's reference models are missing: run `python3 -m tests.sandbox."
    "reference fetch` with internet access (pinned files from "
    "github.com/amzn/selling-partner-api-models into {cache}), or put them in "
    "{shared}."
)


class ReferenceError(Exception):
    """The reference data cannot be fetched or does not match the lock."""


def cache_dir():
    return Path(os.environ.get("AMAZON_MODELS_CACHE") or ROOT / ".cache" / "amazon")


def lock_entries():
    return json.loads(LOCK.read_text(encoding="utf-8"))["files"]


def base_dir():
    """``$AMAZON_REFERENCE_DIR`` when set (a test of a clone without
    ``../shared`` sets it to an empty folder), else ``../shared/amazon`` when
    present, else the cache (which may be empty: callers check)."""
    if os.environ.get("AMAZON_REFERENCE_DIR"):
        return Path(os.environ["AMAZON_REFERENCE_DIR"])
    if (SHARED / "sp-api-models" / "models").is_dir():
        return SHARED
    return cache_dir()


def how_to():
    return HOW_TO.format(cache=cache_dir(), shared=SHARED)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def problems(base=None):
    """Files of the lock missing under ``base`` or not matching their checksum."""
    base = Path(base or base_dir())
    found = []
    for entry in lock_entries():
        path = base / entry["path"]
        if not path.is_file():
            found.append(f"missing {entry['path']}")
        elif _sha256(path) != entry["sha256"]:
            found.append(f"checksum differs: {entry['path']}")
    return found


def fetch(base_url=RAW, dest=None, timeout=60):
    """Download every locked file into ``dest`` (default: the cache) and
    verify it; returns how many files were downloaded. Files already there
    with the right checksum are kept. Raises ReferenceError naming the first
    file that cannot be had or does not match (nothing unverified stays)."""
    dest = Path(dest or cache_dir())
    fetched = 0
    for entry in lock_entries():
        target = dest / entry["path"]
        if target.is_file() and _sha256(target) == entry["sha256"]:
            continue
        url = f"{base_url.rstrip('/')}/{entry['commit']}/{entry['source']}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as reply:
                body = reply.read()
        except (urllib.error.URLError, OSError) as exc:
            raise ReferenceError(f"cannot download {url}: {exc}") from None
        if hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise ReferenceError(
                f"{url} does not match the pinned checksum of {entry['path']}: refused"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(tmp, target)
        fetched += 1
    return fetched


def pin(shared=SHARED):
    """The lock's entries for what ``shared`` holds (SOURCE.md notes excluded)."""
    entries = []
    for part, (commit, prefix) in SOURCES.items():
        for path in sorted((Path(shared) / part).rglob("*")):
            if not path.is_file() or path.name == "SOURCE.md":
                continue
            relative = path.relative_to(Path(shared) / part).as_posix()
            source = prefix + (PTD_NAMES[relative] if part == "ptd" else relative)
            entries.append(
                {
                    "path": f"{part}/{relative}",
                    "commit": commit,
                    "source": source,
                    "sha256": _sha256(path),
                }
            )
    return entries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("fetch", "check", "pin"))
    parser.add_argument("--base-url", default=RAW)
    args = parser.parse_args(argv)
    if args.command == "pin":
        body = {"repository": "amzn/selling-partner-api-models", "files": pin()}
        LOCK.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(f"{LOCK}: {len(body['files'])} files")
        return 0
    if args.command == "fetch":
        try:
            count = fetch(args.base_url)
        except ReferenceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{count} file(s) downloaded into {cache_dir()}; all verified")
        return 0
    found = problems()
    for line in found:
        print(line)
    print(f"{base_dir()}: " + ("complete" if not found else f"{len(found)} problem(s)"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
