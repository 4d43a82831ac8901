"""No ``core/`` module may import Odoo, directly or through another import."""

import subprocess
import sys
import textwrap

from conftest import ADDONS, ROOT


def core_modules():
    for addon in ADDONS:
        for path in sorted((ROOT / addon / "core").rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts)


PROBE = textwrap.dedent(
    """
    import importlib, sys, types

    class BlockOdoo:
        def find_spec(self, name, path=None, target=None):
            if name == "odoo" or name.startswith("odoo."):
                raise ImportError(f"core imports Odoo: {{name}}")
            return None

    sys.meta_path.insert(0, BlockOdoo())
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


def run_probe(modules):
    code = PROBE.format(root=str(ROOT), addons=list(ADDONS), modules=modules)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )


def test_every_core_module_imports_without_odoo():
    modules = list(core_modules())
    assert any(m.endswith(".core") for m in modules)
    result = run_probe(modules)
    assert result.returncode == 0, result.stdout + result.stderr


def test_probe_catches_a_transitive_odoo_import(tmp_path, monkeypatch):
    # The guard must be able to fail: a core module importing a helper that
    # imports odoo is reported.
    addon = tmp_path / "amazon_ai" / "core"
    addon.mkdir(parents=True)
    (addon / "__init__.py").write_text("")
    (addon / "helper.py").write_text("import odoo.tools\n")
    (addon / "uses_helper.py").write_text("from . import helper\n")
    code = PROBE.format(
        root=str(tmp_path), addons=["amazon_ai"], modules=["amazon_ai.core.uses_helper"]
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "core imports Odoo: odoo" in result.stdout
