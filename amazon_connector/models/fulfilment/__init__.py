# Fulfilment: stock Amazon holds (FBA), orders Amazon ships for the seller.
from . import amazon_fba_stock
from . import amazon_fba_stock_sync
