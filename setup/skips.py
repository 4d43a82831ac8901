"""Skipped tests are counted and loud: which skips the test command allows.

A skipped test proves nothing, and a missing ``../shared`` once removed
40% of the pure tests and half of the Odoo tests from a run that still
passed. The test command therefore counts every skip (pytest's, Odoo's
per-test ones and Odoo's class-level ones, where ``setUpClass`` raised
SkipTest and the class's tests never started) and fails the run for any
skip whose reason is not in ``tests/skips-allowed.txt``.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOW_LIST = ROOT / "tests" / "skips-allowed.txt"
# Odoo's runner: "skipped <Class.test | setUpClass (module.Class)> : <reason>"
ODOO_SKIP = re.compile(r"^skipped (?P<what>.+?) : (?P<reason>.*)$")
CLASS_SKIP = re.compile(r"^setUpClass \((?P<path>[\w.]+)\)$")


def allowed_reasons(path=ALLOW_LIST):
    """Patterns (regular expressions on the skip's reason) of the allow-list:
    one per line, ``<pattern>  # why``; blank lines and comments ignored."""
    patterns = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        text = line.split("  #", 1)[0].strip()
        if text and not text.startswith("#"):
            patterns.append(re.compile(text))
    return patterns


def is_allowed(reason, patterns):
    return any(pattern.search(reason) for pattern in patterns)


def odoo_skip(message):
    """``(what, reason, tests)`` for a skip line of Odoo's runner, else None.
    ``tests`` is how many tests it removed: 1, or a skipped class's count."""
    match = ODOO_SKIP.match(message)
    if not match:
        return None
    what, reason = match["what"], match["reason"]
    whole = CLASS_SKIP.match(what)
    tests = count_class_tests(whole["path"]) if whole else 1
    return what, reason, max(tests, 1)


def count_class_tests(dotted, root=ROOT):
    """Tests a class of this repository's addons defines or inherits from
    classes of its own addons (read from the source: the class never ran)."""
    parts = dotted.split(".")
    if parts[:2] != ["odoo", "addons"] or len(parts) < 4:
        return 0
    return _count(root / Path(*parts[2:-1]).with_suffix(".py"), parts[-1], set())


def _count(path, name, seen):
    if (path, name) in seen or not path.is_file():
        return 0
    seen.add((path, name))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports = {}  # local name -> file it comes from (relative imports)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            module = base / Path(*(node.module or "").split("."))
            for alias in node.names:
                imports[alias.asname or alias.name] = module.with_suffix(".py")
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            count = sum(
                isinstance(item, ast.FunctionDef) and item.name.startswith("test")
                for item in node.body
            )
            for base in node.bases:
                if isinstance(base, ast.Name):
                    source = imports.get(base.id, path)
                    count += _count(source, base.id, seen)
            return count
    return 0
