from . import amazon_market_snapshot
from . import amazon_listing_market
