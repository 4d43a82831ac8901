"""Make the addons' pure ``core`` packages importable without Odoo.

Each addon folder is registered as a bare namespace package, so
``import amazon_pii.core.envelope`` never executes ``amazon_pii/__init__.py``
(which imports the Odoo models). What an addon's ``__init__`` hands its core
at load (amazon_pii's PII fields for the SP-API log redactor) is handed over
here too.
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


def wire_cores():
    """Hand each core what the Odoo layer hands it at load: no core imports
    another addon (see amazon_connector/__init__.py)."""
    from amazon_ai.core import amazon_time as ai_time
    from amazon_connector.core import amazon_time
    from amazon_connector.core.spapi import redact
    from amazon_pii.core.registry import FIELDS

    redact.register_pii_fields(FIELDS)
    ai_time.use(amazon_time)


register_bare_addons()
wire_cores()


def pytest_configure(config):
    # Tests that need PostgreSQL and Odoo (the backup round trip): run by
    # setup/run_tests.py in its Odoo stage, left out of its pure stage.
    config.addinivalue_line(
        "markers", "odoo_db: needs PostgreSQL and an importable Odoo 18"
    )
    # `make test` runs every test, slow ones included; `-m "not slow"` leaves
    # them out of a quick local loop.
    config.addinivalue_line(
        "markers", "slow: takes minutes (pip installs); run by `make test`"
    )
