from . import stock_picking_mcf
