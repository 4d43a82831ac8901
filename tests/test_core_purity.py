"""No ``core/`` module may import Odoo or another addon, directly or through
another import: what a core needs from another addon is handed to it by the
Odoo layer (and by the pure tests' conftest)."""

import subprocess
import sys
import textwrap

import pytest
from conftest import ADDONS, ROOT


def core_modules(addons=ADDONS):
    for addon in addons:
        for path in sorted((ROOT / addon / "core").rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts)


PROBE = textwrap.dedent(
    """
    import importlib, sys, types

    class Block:
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            if top == "odoo":
                raise ImportError(f"core imports Odoo: {{name}}")
            if top in {foreign!r}:
                raise ImportError(f"core imports another addon: {{name}}")
            return None

    sys.meta_path.insert(0, Block())
    sys.path.insert(0, {root!r})
    for addon in {addons!r}:
        package = types.ModuleType(addon)
        package.__path__ = [{root!r} + "/" + addon]
        sys.modules[addon] = package
    failures = []
    for name in {modules!r}:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failures.append(f"{{name}}: {{exc}}")
    print("\\n".join(failures))
    sys.exit(1 if failures else 0)
    """
)


def run_probe(modules, root=ROOT, addons=ADDONS, foreign=()):
    """Import ``modules`` with ``addons`` registered as bare packages, failing
    on any import of Odoo or of a ``foreign`` top-level package."""
    code = PROBE.format(
        root=str(root), addons=list(addons), modules=modules, foreign=list(foreign)
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )


def test_every_core_module_imports_without_odoo():
    modules = list(core_modules())
    assert any(m.endswith(".core") for m in modules)
    result = run_probe(modules)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("addon", ADDONS)
def test_no_core_imports_another_addon(addon):
    # Each core alone: another addon's core, reached directly or through a
    # helper, is blocked (the other addons are not even registered).
    others = [name for name in ADDONS if name != addon]
    result = run_probe(list(core_modules([addon])), addons=[addon], foreign=others)
    assert result.returncode == 0, result.stdout + result.stderr


def test_probe_catches_a_transitive_odoo_import(tmp_path):
    # The guard must be able to fail: a core module importing a helper that
    # imports odoo is reported.
    addon = tmp_path / "amazon_ai" / "core"
    addon.mkdir(parents=True)
    (addon / "__init__.py").write_text("")
    (addon / "helper.py").write_text("import odoo.tools\n")
    (addon / "uses_helper.py").write_text("from . import helper\n")
    result = run_probe(
        ["amazon_ai.core.uses_helper"], root=tmp_path, addons=["amazon_ai"]
    )
    assert result.returncode == 1
    assert "core imports Odoo: odoo" in result.stdout


def test_probe_catches_an_import_of_another_addons_core(tmp_path):
    for name in ("amazon_pii", "amazon_connector"):
        core = tmp_path / name / "core"
        core.mkdir(parents=True)
        (core / "__init__.py").write_text("")
    (tmp_path / "amazon_pii" / "core" / "registry.py").write_text("FIELDS = ()\n")
    uses = tmp_path / "amazon_connector" / "core" / "redact.py"
    uses.write_text("from amazon_pii.core.registry import FIELDS\n")
    result = run_probe(
        ["amazon_connector.core.redact"],
        root=tmp_path,
        addons=["amazon_connector"],
        foreign=["amazon_pii"],
    )
    assert result.returncode == 1
    assert "core imports another addon: amazon_pii" in result.stdout
