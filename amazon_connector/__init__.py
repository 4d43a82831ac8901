from odoo.addons.amazon_pii.core.registry import FIELDS

from . import models
from . import wizards
from .core.spapi import redact

# core/ imports nothing from another addon: the SP-API layer's log redactor
# learns amazon_pii's buyer-data fields here, at load, before any request.
redact.register_pii_fields(FIELDS)
