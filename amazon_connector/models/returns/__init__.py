# Returns: Amazon's returns reports become return records and Odoo return
# pickings (the refunds' credit notes come from the Finances API elsewhere).
from . import amazon_return
from . import amazon_return_sync
