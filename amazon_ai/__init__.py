import sys

from odoo.addons.amazon_connector.core import amazon_time as _amazon_time

# core/ is plain Python and imports amazon_connector's core by its plain name,
# as the repository's pytest run does; under Odoo that name is this same package.
sys.modules.setdefault("amazon_connector", sys.modules["odoo.addons.amazon_connector"])
for _name, _module in list(sys.modules.items()):
    if _name.startswith("odoo.addons.amazon_connector.core"):
        sys.modules.setdefault(_name.removeprefix("odoo.addons."), _module)
del _amazon_time, _name, _module

from . import models
from . import wizards
