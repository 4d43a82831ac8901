"""The images a listing shows on Amazon, as Odoo holds them: one place the
compliance checks (amazon_ai) and the listing generation read them from."""

import base64

from odoo import models


class AmazonListingImages(models.Model):
    _inherit = "amazon.listing"  # pylint: disable=consider-merging-classes-inherited

    def _amazon_listing_images(self):
        """``[(amazon_attribute, image_bytes)]`` for this listing, the main
        image first (``main_product_image_locator``), then the extra images
        (``other_product_image_locator_1`` to ``_8``, Amazon's slots; see
        amazon_product_image.py for where they come from); empty when the
        product has no image. A variation parent shows its family's first
        variant's images. Amazon receives URLs to these images (see the
        listing wizard); the checks need the bytes behind them."""
        self.ensure_one()
        product = self.product_id or self.family_template_id.product_variant_ids[:1]
        if not product:
            return []
        return [
            (
                "main_product_image_locator"
                if index == 0
                else f"other_product_image_locator_{index}",
                base64.b64decode(record.image_1920),
            )
            for index, record in enumerate(product._amazon_image_records())
        ]
