"""Listing copy on the listing: the product's own data handed to a
generator (the local one, or the administrator's language model endpoint),
the proposal stored beside the current text, accepted field by field."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from ..core import listing_copy
from ..core.listing_rules import limits_from_schema
from .amazon_listing_proposal import FIELDS, PROPOSAL_KEYS

MAX_CATALOGUE_LISTINGS = 50
TEXT_ATTRIBUTES = (
    "item_name",
    "bullet_point",
    "product_description",
    "generic_keyword",
)


class AmazonListing(models.Model):
    _inherit = "amazon.listing"  # pylint: disable=consider-merging-classes-inherited

    proposal_ids = fields.One2many("amazon.listing.proposal", "listing_id")
    proposal_count = fields.Integer(compute="_compute_proposal_count")
    copy_llm_enabled = fields.Boolean(related="account_id.copy_llm_enabled")

    def _compute_proposal_count(self):
        counts = dict(
            self.env["amazon.listing.proposal"]._read_group(
                [("listing_id", "in", self.ids), ("state", "=", "open")],
                ["listing_id"],
                ["__count"],
            )
        )
        for listing in self:
            listing.proposal_count = counts.get(listing, 0)

    # -- what the generator reads ---------------------------------------------------
    def _copy_texts(self, attributes=None):
        """``{attribute: [text, ...]}`` of this listing's marketplace and
        language (values of other marketplaces are not this listing's copy)."""
        self.ensure_one()
        attributes = self.attributes if attributes is None else attributes
        marketplace = self.marketplace_id.amazon_id
        out = {}
        for name in (*TEXT_ATTRIBUTES, "brand"):
            values = [
                v.get("value")
                for v in (attributes or {}).get(name) or ()
                if isinstance(v, dict)
                and v.get("marketplace_id") in (None, marketplace)
                and isinstance(v.get("value"), str)
            ]
            out[name] = values
        return out

    def _copy_product_data(self):
        """The plain dict the generators read: the seller's product and its own
        listings of the same product type, nothing else (no order, no buyer,
        no other seller)."""
        self.ensure_one()
        product = self.product_id
        texts = self._copy_texts()
        attributes = {
            value.attribute_id.name: value.name
            for value in product.product_template_attribute_value_ids
        }
        measures = []
        if product.weight:
            weight = f"{product.weight:g} {product.weight_uom_name}"
            attributes.setdefault(self.env._("Weight"), weight)
            measures.append(weight)
        category = product.categ_id
        others = self.search(
            [
                ("account_id", "=", self.account_id.id),
                ("product_type_id", "=", self.product_type_id.id),
                ("id", "!=", self.id),
            ],
            limit=MAX_CATALOGUE_LISTINGS,
            order="id",
        )
        listings = []
        for other in others:
            other_texts = other._copy_texts()
            listings.append(
                {
                    "title": " ".join(other_texts["item_name"][:1]),
                    "bullets": other_texts["bullet_point"],
                    "description": " ".join(other_texts["product_description"][:1]),
                    "search_terms": " ".join(other_texts["generic_keyword"][:1]),
                    "brand": " ".join(other_texts["brand"][:1]),
                }
            )
        description = product.description_sale or html2plaintext(
            product.description or ""
        )
        return {
            "name": product.name or " ".join(texts["item_name"][:1]) or self.sku,
            "brand": " ".join(texts["brand"][:1]),
            "category": category.name if category and category.parent_id else "",
            "description": description or " ".join(texts["product_description"][:1]),
            "attributes": attributes,
            "measures": measures,
            "variants": [
                v.display_name
                for v in product.product_tmpl_id.product_variant_ids - product
            ],
            "product_type": self.product_type_id.name or "",
            "listings": listings,
        }

    def _copy_limits(self):
        schema = self.product_type_id.schema
        return limits_from_schema(schema) if schema else {}

    def _copy_values(self, field, text, existing):
        """Amazon's JSON values of ``field`` for ``text`` in this listing's
        marketplace and language; values of other marketplaces are kept."""
        marketplace = self.marketplace_id.amazon_id
        language = self._language_tag()
        kept = [
            v
            for v in existing or ()
            if isinstance(v, dict)
            and v.get("marketplace_id") not in (None, marketplace)
        ]
        texts = [t for t in (text or "").split("\n") if t.strip()]
        if field != "bullet_point":
            texts = [" ".join(texts)] if texts else []
        return kept + [
            {"value": t, "marketplace_id": marketplace, "language_tag": language}
            for t in texts
        ]

    # -- proposing ---------------------------------------------------------------------
    def _propose_one(self, use_endpoint):
        self.ensure_one()
        if not self.product_id:
            raise UserError(
                self.env._(
                    "Listing %(sku)s has no product: copy is written from the "
                    "product's data.",
                    sku=self.sku,
                )
            )
        product = self._copy_product_data()
        limits = self._copy_limits()
        if use_endpoint:
            proposal = self.account_id._copy_llm_propose(product, limits)
        else:
            proposal = listing_copy.propose(product, limits)
        current = self._copy_texts()
        lines = []
        for sequence, (field, _label) in enumerate(FIELDS):
            proposed = proposal[PROPOSAL_KEYS[field]]
            proposed = "\n".join(proposed) if isinstance(proposed, list) else proposed
            if not proposed:
                continue  # nothing that passes the engine: nothing to propose
            lines.append(
                {
                    "sequence": sequence,
                    "field": field,
                    "current_text": "\n".join(current[field]),
                    "proposed_text": proposed,
                }
            )
        # Proposals are read-only to people (see _accept_lines): created as
        # the superuser once _propose_copy checked the listing may be changed.
        return (
            self.env["amazon.listing.proposal"]
            .sudo()
            .create(
                {
                    "listing_id": self.id,
                    "generator": proposal["generator"],
                    "generated_by": self.env.uid,
                    "findings": listing_copy.finding_dicts(proposal["findings"]),
                    "removed": [list(r) for r in proposal["removed"]],
                    "line_ids": [fields.Command.create(vals) for vals in lines],
                }
            )
            .sudo(False)
        )

    def action_propose_copy(self):
        """Propose copy for these listings with the local generator."""
        return self._propose_copy(use_endpoint=False)

    def action_propose_copy_llm(self):
        """Propose copy with the account's language model endpoint."""
        return self._propose_copy(use_endpoint=True)

    def _propose_copy(self, use_endpoint):
        self.check_access("write")
        proposals = self.env["amazon.listing.proposal"]
        for listing in self:
            proposals |= listing._propose_one(use_endpoint)
        return proposals._action_open()

    def action_accept_copy_proposals(self):
        """Bulk: accept the newest open proposal of each of these listings."""
        self.check_access("write")
        proposals = self.env["amazon.listing.proposal"]
        for listing in self:
            proposals |= listing.proposal_ids.filtered(lambda p: p.state == "open")[:1]
        if not proposals:
            raise UserError(self.env._("These listings have no open copy proposal."))
        proposals.action_accept_all()
        return proposals._action_open()

    def action_view_copy_proposals(self):
        self.ensure_one()
        return self.proposal_ids._action_open(listing=self)
