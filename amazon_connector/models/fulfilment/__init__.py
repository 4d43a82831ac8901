# Fulfilment: what happens to a merchant-fulfilled delivery between "ready"
# and "gone" (voiding labels, the "To ship" list, batch labels, MCF, FBA
# stock). Each part in its own file.
from . import stock_picking_label_void
from . import amazon_pii_vault_label
from . import stock_picking_to_ship
