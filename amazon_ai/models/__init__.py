from . import amazon_account
from . import amazon_risk
from . import amazon_order_import
from . import sale_order
from . import stock_picking
from . import amazon_pii_vault
from . import amazon_account_erasure
from . import amazon_account_overview

# fulfilment recommendation (issue 20, item 3)
from . import amazon_work_item
from . import amazon_fulfilment
from . import amazon_account_fulfilment
from . import stock_picking_recommendation
from . import sale_order_recommendation

# automated shipment and the To ship list (issue 20, items 4 and 5)
from . import stock_picking_auto_ship

# listing compliance (issue 21, item 2)
from . import amazon_listing_finding
from . import amazon_listing_override
from . import amazon_listing_compliance

# listing copy proposals (issue 21, item 3)
from . import amazon_listing_proposal
from . import amazon_listing_copy
from . import amazon_account_copy_llm

# pricing suggestions (issue 23)
from . import amazon_pricing_rule
from . import amazon_price_suggestion
from . import amazon_listing_pricing
from . import amazon_account_pricing
from . import amazon_price_history
