# Fulfilment: what happens to a delivery between "ready" and "gone" (voiding
# labels, the "To ship" list, batch labels) and the stock Amazon holds for
# the seller (FBA), Multi-Channel Fulfilment. Each part in its own file.
from . import stock_picking_label_void
from . import amazon_pii_vault_label
from . import stock_picking_to_ship
from . import amazon_fba_stock
from . import amazon_fba_stock_sync
from . import stock_picking_mcf
from . import stock_picking_automation
from . import stock_picking_mcf_rule
