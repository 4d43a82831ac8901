from . import amazon_finance_setup
from . import amazon_finance_transaction
from . import amazon_payout
from . import amazon_finance_booking
from . import amazon_finance_sync
from . import amazon_sku_margin
