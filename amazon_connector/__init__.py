import sys

from odoo.addons.amazon_pii import core as _pii_core
from odoo.addons.amazon_pii.core import errors, masking, registry

# core/ is plain Python and imports amazon_pii's core by its plain name, as the
# repository's pytest run does; under Odoo that name is this same package.
sys.modules.setdefault("amazon_pii", sys.modules["odoo.addons.amazon_pii"])
for _name, _module in list(sys.modules.items()):
    if _name.startswith("odoo.addons.amazon_pii.core"):
        sys.modules.setdefault(_name.removeprefix("odoo.addons."), _module)
del _pii_core, _name, _module

from . import models
from . import wizards
