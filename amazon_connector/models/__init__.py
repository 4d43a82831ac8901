from . import amazon_marketplace
