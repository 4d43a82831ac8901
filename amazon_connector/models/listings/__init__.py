from . import amazon_offer
from . import amazon_product_type
from . import amazon_listing_feed
from . import amazon_listing
from . import amazon_listing_push
from . import amazon_listing_import
from . import product_amazon_listings
from . import amazon_listing_images
