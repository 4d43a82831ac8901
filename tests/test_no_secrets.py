"""docs/data-protection.md #6: no credential-shaped string in any tracked file."""

import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "setup"))
from secret_patterns import PREFIXES, find_secrets


def tracked_files():
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in listing.split("\0") if name]


def test_repository_holds_no_credentials():
    hits = {}
    for path in tracked_files():
        if not path.is_file():
            continue
        found = find_secrets(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            hits[str(path.relative_to(ROOT))] = found
    assert hits == {}


def test_the_patterns_catch_each_token_kind():
    samples = [p + "IwEBIExampleExample" for p in PREFIXES] + [
        "AK" + "IAABCDEFGHIJKLMNOP"
    ]
    for sample in samples:
        assert find_secrets(f"log line with {sample} inside"), sample
    assert not find_secrets("Atzr| alone, or AKIA-short")
