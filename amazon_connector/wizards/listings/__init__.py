from . import amazon_listing_wizard
