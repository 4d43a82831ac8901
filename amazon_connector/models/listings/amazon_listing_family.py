"""Variation families on listings: a parent listing (no offer, no product)
groups one child listing per variant of a product template. The family is
declared by the listings' own attributes (parentage, parent SKU, theme: see
core/variations.py); the links below show it in Odoo and are set when the
wizard generates a family or an import reads one back."""

from odoo import api, fields, models

from ...core import variations


class AmazonListingFamily(models.Model):
    _inherit = "amazon.listing"  # pylint: disable=consider-merging-classes-inherited

    parentage = fields.Selection(
        [("parent", "Variation parent"), ("child", "Variation child")],
        compute="_compute_parentage",
        store=True,
        help="What the listing's attributes declare: a variation parent "
        "(not buyable, groups the children) or a child of one.",
    )
    variation_theme = fields.Char(compute="_compute_parentage", store=True)
    parent_id = fields.Many2one(
        "amazon.listing",
        "Variation parent",
        index=True,
        ondelete="set null",
        check_company=True,
        copy=False,
    )
    child_ids = fields.One2many("amazon.listing", "parent_id", "Variation children")
    child_count = fields.Integer(compute="_compute_child_count")
    family_template_id = fields.Many2one(
        "product.template",
        "Product family",
        index="btree_not_null",
        ondelete="set null",
        help="The product template whose variants are this parent's children.",
    )

    @api.depends("attributes")
    def _compute_parentage(self):
        for listing in self:
            level, _parent, theme = variations.family_of(listing.attributes)
            listing.parentage = level or False
            listing.variation_theme = theme or False

    @api.depends("child_ids")
    def _compute_child_count(self):
        for listing in self:
            listing.child_count = len(listing.child_ids)

    def _link_families(self):
        """Link children to the parent SKU their attributes name (same account
        and marketplace) and each parent to its children's template."""
        children = self.filtered(lambda lst: lst.parentage == "child")
        wanted = {
            (lst.account_id.id, lst.marketplace_id.id, sku)
            for lst in children
            for sku in [variations.family_of(lst.attributes)[1]]
            if sku
        }
        parents = {}
        if wanted:
            found = self.search(
                [
                    ("sku", "in", [sku for _a, _m, sku in wanted]),
                    ("parentage", "=", "parent"),
                ]
            )
            parents = {(p.account_id.id, p.marketplace_id.id, p.sku): p for p in found}
        for child in children:
            sku = variations.family_of(child.attributes)[1]
            parent = parents.get((child.account_id.id, child.marketplace_id.id, sku))
            if child.parent_id != (parent or self.browse()):
                child.parent_id = parent
        for parent in set(parents.values()) | set(
            self.filtered(lambda lst: lst.parentage == "parent")
        ):
            templates = parent.child_ids.product_id.product_tmpl_id
            if len(templates) == 1 and parent.family_template_id != templates:
                parent.family_template_id = templates
        return True


class AmazonListingImportFamilies(models.AbstractModel):
    _inherit = "amazon.listing.import"

    @api.model
    def _run(self, account, marketplace):
        created, updated = super()._run(account, marketplace)
        # Parents and children come in any order (pages sorted by date):
        # linked once all are read.
        (created | updated)._link_families()
        return created, updated
