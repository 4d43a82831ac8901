"""The product form's "Amazon listings" smart button (template and variant)."""

from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # Amazon users only: others have no read right on listings.
    amazon_listing_count = fields.Integer(
        "Amazon listings",
        compute="_compute_amazon_listing_count",
        groups="amazon_pii.group_amazon_user",
    )

    def _amazon_listing_domain(self):
        return [("product_id.product_tmpl_id", "in", self.ids)]

    def _compute_amazon_listing_count(self):
        counts = dict(
            self.env["amazon.listing"]._read_group(
                [("product_id.product_tmpl_id", "in", self.ids)],
                ["product_id"],
                ["__count"],
            )
        )
        for template in self:
            template.amazon_listing_count = sum(
                count
                for product, count in counts.items()
                if product.product_tmpl_id == template
            )

    def action_view_amazon_listings(self):
        """The listings of this product on every account and marketplace."""
        self.ensure_one()
        self.env["amazon.listing"].check_access("read")  # Amazon users only
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listings"
        )
        action["domain"] = self._amazon_listing_domain()
        action["context"] = {"create": False}
        return action


class ProductProduct(models.Model):
    _inherit = "product.product"

    amazon_listing_count = fields.Integer(
        "Amazon listings",
        compute="_compute_amazon_listing_count",
        groups="amazon_pii.group_amazon_user",
    )

    def _amazon_listing_domain(self):
        return [("product_id", "in", self.ids)]

    def _compute_amazon_listing_count(self):
        counts = dict(
            self.env["amazon.listing"]._read_group(
                [("product_id", "in", self.ids)], ["product_id"], ["__count"]
            )
        )
        for product in self:
            product.amazon_listing_count = counts.get(product, 0)

    def action_view_amazon_listings(self):
        """The listings of this variant on every account and marketplace."""
        self.ensure_one()
        self.env["amazon.listing"].check_access("read")  # Amazon users only
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listings"
        )
        action["domain"] = self._amazon_listing_domain()
        action["context"] = {"create": False}
        return action
