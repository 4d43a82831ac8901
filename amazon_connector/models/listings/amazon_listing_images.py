"""The images a listing shows on Amazon, as Odoo holds them: one place the
compliance checks (amazon_ai) and the listing generation read them from."""

import base64

from odoo import models


class AmazonListingImages(models.Model):
    _inherit = "amazon.listing"  # pylint: disable=consider-merging-classes-inherited

    def _amazon_listing_images(self):
        """``[(amazon_attribute, image_bytes)]`` for this listing, the main
        image first; empty when the product has no image. Amazon receives
        URLs to these images (see the listing wizard); the checks need the
        bytes behind them."""
        self.ensure_one()
        image = self.product_id.image_1920
        if not image:
            return []
        return [("main_product_image_locator", base64.b64decode(image))]
