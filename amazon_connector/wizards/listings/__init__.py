from . import amazon_listing_wizard
from . import amazon_listing_bulk_edit
from . import amazon_listing_family_wizard
