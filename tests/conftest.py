"""Make the addons' pure ``core`` packages importable without Odoo.

Each addon folder is registered as a bare namespace package, so
``import amazon_pii.core.crypto`` never executes ``amazon_pii/__init__.py``
(which imports the Odoo models).
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("amazon_pii", "amazon_connector", "amazon_ai")
SHARED = ROOT.parent / "shared"


def register_bare_addons():
    for name in ADDONS:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            continue
        module = types.ModuleType(name)
        module.__path__ = [str(ROOT / name)]
        sys.modules[name] = module
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


register_bare_addons()
