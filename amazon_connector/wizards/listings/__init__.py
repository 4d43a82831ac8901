from . import amazon_listing_wizard
from . import amazon_listing_family_wizard
