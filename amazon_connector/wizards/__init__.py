from . import amazon_resync_wizard
from . import amazon_label_wizard
from . import amazon_listing_wizard
