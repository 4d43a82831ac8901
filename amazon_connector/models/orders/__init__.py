from . import amazon_parked_order
from . import amazon_order_import
from . import amazon_order_sync
from . import res_partner
from . import sale_order
from . import sale_order_linkage
from . import sale_order_erasure
