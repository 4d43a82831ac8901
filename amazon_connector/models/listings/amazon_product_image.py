"""Extra product images for Amazon (other_product_image_locator_1..8).

Odoo Community keeps a product's extra images in website_sale's
``product.image``. Depending on website_sale would install the whole
e-commerce website for every seller, so the suite keeps a small image list
of its own on the product form (``amazon.product.image``), and reads
website_sale's images as well when that module is installed: a seller who
already has a shop manages the images once, one without a shop still has a
place for them. Order: the variant's main image, then website_sale's variant
and template images, then ours (variant's first), the same picture once.
"""

import hashlib

from odoo import api, fields, models
from odoo.tools.misc import limited_field_access_token

from ...core.listings import MAX_OTHER_IMAGES


class AmazonProductImage(models.Model):
    _name = "amazon.product.image"
    _description = "Extra product image for Amazon"
    _inherit = ["image.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    image_1920 = fields.Image(required=True, max_width=10000, max_height=10000)
    product_tmpl_id = fields.Many2one(
        "product.template", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one(
        "product.product",
        "Only for variant",
        ondelete="cascade",
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
        help="Empty: the image shows on every variant of the product.",
    )


class ProductTemplateAmazonImages(models.Model):
    _inherit = "product.template"  # pylint: disable=consider-merging-classes-inherited

    amazon_image_ids = fields.One2many(
        "amazon.product.image", "product_tmpl_id", "Extra images for Amazon"
    )
    amazon_parent_sku = fields.Char(
        "Amazon parent SKU",
        copy=False,
        help="SKU of the variation parent listing that groups this product's "
        "variants on Amazon; set when the family is first generated.",
    )


class ProductProductAmazonImages(models.Model):
    _inherit = "product.product"  # pylint: disable=consider-merging-classes-inherited

    def _amazon_image_records(self):
        """``[(record, field)]`` of this variant's images, main first, at most
        Amazon's main image plus its other image slots."""
        self.ensure_one()
        found = [self] if self.image_1920 else []
        if "product_variant_image_ids" in self._fields:  # website_sale
            found += [
                image
                for image in (
                    self.product_variant_image_ids
                    | self.product_tmpl_id.product_template_image_ids
                )
                if image.image_1920
            ]
        own = self.product_tmpl_id.amazon_image_ids
        found += list(own.filtered(lambda i: i.product_id == self))
        found += list(own.filtered(lambda i: not i.product_id))
        seen, images = set(), []
        for record in found:
            digest = hashlib.sha256(record.image_1920).digest()
            if digest not in seen:
                seen.add(digest)
                images.append(record)
        return images[: 1 + MAX_OTHER_IMAGES]

    @api.model
    def _amazon_image_url(self, record):
        """A URL Amazon can download ``record``'s image from while processing
        the submission: a limited token (valid 14 to 42 days) opens this one
        field only; ``unique`` names the image's content, so a new image is a
        new URL."""
        digest = hashlib.sha256(record.image_1920).hexdigest()[:16]
        token = limited_field_access_token(record, "image_1920")
        return (
            f"{record.get_base_url()}/web/image/{record._name}/{record.id}"
            f"/image_1920?unique={digest}&access_token={token}"
        )
