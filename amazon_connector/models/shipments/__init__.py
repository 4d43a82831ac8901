from . import stock_picking
from . import stock_picking_linkage
from . import stock_move
from . import delivery_carrier
from . import amazon_shipment
from . import amazon_pii_vault
from . import ir_actions_report
