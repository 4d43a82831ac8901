from odoo.addons.amazon_connector.core import amazon_time as _connector_time

from . import models
from . import wizards
from .core import amazon_time

# core/ imports nothing from another addon: it learns amazon_connector's one
# Amazon time helper here, at load.
amazon_time.use(_connector_time)
