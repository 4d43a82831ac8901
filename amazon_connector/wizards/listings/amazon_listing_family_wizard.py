"""Variation families and extra images in the create-listings wizard.

A selected variant whose template has several variants is listed as a child
of a variation parent: the parent (the template, no offer) is generated
beside the children, with the theme the product type's schema allows for the
attributes the template varies on (core/variations.py), parents first so a
feed carries each parent before its children, as Amazon needs."""

import os

from odoo import api, models
from odoo.exceptions import UserError

from ...core import listings as core
from ...core import ptd_definitions, variations
from ...core.ptd_messages import ERROR, Issue


class AmazonListingWizardFamilies(models.TransientModel):
    _inherit = "amazon.listing.wizard"

    # -- images --------------------------------------------------------------------
    def _product_data(self, product, listing):
        data = super()._product_data(product, listing)
        data.images = [
            product._amazon_image_url(record)
            for record in product._amazon_image_records()
        ]
        return data

    @api.model
    def _keep_image_urls(self, existing, generated):
        result = super()._keep_image_urls(existing, generated)
        # The extra images' URLs roll their tokens too.
        for name, values in generated.items():
            if not name.startswith("other_product_image_locator_"):
                continue
            if name not in existing or not existing[name]:
                continue
            old = existing[name][0].get("media_location", "")
            new = values[0].get("media_location", "")
            if old.split("&access_token=")[0] == new.split("&access_token=")[0]:
                values[0]["media_location"] = old
        return result

    # -- families ------------------------------------------------------------------
    def _family_templates(self):
        """Templates of the selected variants that have several variants."""
        return self.product_ids.product_tmpl_id.filtered(
            lambda t: t.product_variant_count > 1
        )

    @api.model
    def _family_axes(self, template):
        """The template's attribute lines that make its variants."""
        return template.attribute_line_ids.filtered(
            lambda line: (
                line.attribute_id.create_variant != "no_variant"
                and len(line.value_ids) > 1
            )
        )

    def _family_plan(self, schema):
        """``{template: (theme, {odoo attribute: amazon attribute})}``, or a
        UserError naming the template and the attribute no theme can carry."""
        plan = {}
        templates = self._family_templates()
        if templates and not variations.is_family_schema(schema):
            raise UserError(
                self.env._(
                    "Product type %(type)s cannot list variation families "
                    "(its schema has no parentage or variation theme), and "
                    "%(templates)s have variants. Choose another product type "
                    "or select single products.",
                    type=self.product_type,
                    templates=", ".join(templates.mapped("display_name")),
                )
            )
        properties = schema.get("properties") or {}
        for template in templates:
            mapping = {}
            for line in self._family_axes(template):
                name = variations.amazon_attribute(line.attribute_id.name, properties)
                if name is None:
                    raise UserError(self._no_theme_message(template, line.attribute_id))
                mapping[line.attribute_id] = name
            try:
                theme, _axes = variations.choose_theme(schema, list(mapping.values()))
            except variations.NoTheme:
                raise UserError(
                    self._no_theme_message(template, self.env["product.attribute"])
                    if mapping
                    else self.env._(
                        "%(template)s has variants but no attribute with several "
                        "values to vary on.",
                        template=template.display_name,
                    )
                ) from None
            plan[template] = (theme, mapping)
        return plan

    def _no_theme_message(self, template, attribute):
        # Amazon's attribute names, not its (often 1,000+) theme names: what
        # the seller can rename an Odoo attribute to.
        hint = ", ".join(variations.theme_axes(self._definition().schema)) or "-"
        if attribute:
            return self.env._(
                "No variation theme of product type %(type)s fits %(template)s: "
                "its attribute %(attribute)s has no Amazon attribute of that name "
                "in the product type. Its variation themes vary on: %(themes)s.",
                type=self.product_type,
                template=template.display_name,
                attribute=attribute.name,
                themes=hint,
            )
        return self.env._(
            "No variation theme of product type %(type)s fits %(template)s, "
            "which varies on %(attributes)s. Its variation themes vary on: "
            "%(themes)s (one theme must cover exactly the attributes varied on).",
            type=self.product_type,
            template=template.display_name,
            attributes=", ".join(
                self._family_axes(template).attribute_id.mapped("name")
            ),
            themes=hint,
        )

    def _definition(self):
        return self.env["amazon.product.type"]._get(
            self.account_id,
            self.marketplace_id,
            self.product_type.strip(),
            self.requirements,
        )

    @api.model
    def _parent_sku(self, template):
        """The template's parent SKU, chosen once: the variants' common
        reference prefix, else the template's id, with ``-PARENT``. A prefix
        another family or listing already holds (two templates whose
        references both start with SHIRT-) falls back to the id: sharing it
        would make one family's parent overwrite the other's."""
        if template.amazon_parent_sku:
            return template.amazon_parent_sku
        codes = [c for c in template.product_variant_ids.mapped("default_code") if c]
        prefix = os.path.commonprefix(codes).rstrip("-_ ./") if codes else ""
        sku = f"{prefix}-PARENT"
        if not prefix or self._parent_sku_taken(template, sku):
            sku = f"TMPL{template.id}-PARENT"
        # Written by the listing staff for the catalogue: only this field.
        template.sudo().amazon_parent_sku = sku
        return sku

    @api.model
    def _parent_sku_taken(self, template, sku):
        """Whether another template's family, or a listing that is not this
        template's parent, already uses ``sku`` (in any company: SKUs are
        the seller's, and one seller may keep several companies)."""
        Template = self.env["product.template"].sudo().with_context(active_test=False)
        if Template.search_count(
            [("amazon_parent_sku", "=", sku), ("id", "!=", template.id)], limit=1
        ):
            return True
        return bool(
            self.env["amazon.listing"]
            .sudo()
            .search_count(
                [
                    ("sku", "=", sku),
                    "|",
                    ("product_id", "!=", False),
                    ("family_template_id", "not in", (False, template.id)),
                ],
                limit=1,
            )
        )

    def _generate(self):
        self.ensure_one()
        definition = self._definition()
        plan = self._family_plan(definition.schema or {})
        listings = super()._generate()
        if not plan:
            return listings
        schema = definition.schema
        marketplace = self.marketplace_id.amazon_id
        tag = ptd_definitions.language_tag(self.marketplace_id.code)
        Listing = self.env["amazon.listing"]
        parents = family = Listing
        for template, (theme, mapping) in plan.items():
            parent_sku = self._parent_sku(template)
            parent = self._generate_parent(template, parent_sku, theme, definition)
            parents |= parent
            children = listings.filtered(
                lambda lst, t=template: lst.product_id.product_tmpl_id == t
            )
            for child in children:
                values = {
                    mapping[ptav.attribute_id]: ptav.name
                    for ptav in child.product_id.product_template_attribute_value_ids
                    if ptav.attribute_id in mapping
                }
                child.write(
                    {
                        "attributes": variations.child_attributes(
                            child.attributes,
                            theme,
                            parent_sku,
                            values,
                            schema,
                            marketplace,
                            tag,
                        ),
                        "parent_id": parent.id,
                    }
                )
                family |= child
            parent.family_template_id = template
            family |= parent
        for listing in family:
            if not listing._validate_locally():
                listing._mark_invalid()
            elif listing._has_changes():
                listing.state = "valid"
            else:
                listing.state = listing._amazon_state()
        for parent in parents.filtered(
            lambda p: p.state == "invalid" and not p.on_amazon
        ):
            self._hold_children(parent)
        # Parents first: a feed must create each parent before its children.
        return parents | listings

    def _hold_children(self, parent):
        """Children of a parent Amazon cannot create are held back with a
        local error saying so: Amazon would refuse each of them for the
        missing parent."""
        message = self.env._(
            "Its variation parent %(sku)s has errors: correct the parent first.",
            sku=parent.sku,
        )
        for child in parent.child_ids.filtered(lambda c: c.state == "valid"):
            issues = child._local_issues() + [
                Issue(
                    path="/child_parent_sku_relationship",
                    keyword="parent",
                    severity=ERROR,
                    message=message,
                    attribute=variations.RELATIONSHIP,
                )
            ]
            child._set_issues("local", issues)
            child._mark_invalid()

    def _generate_parent(self, template, sku, theme, definition):
        """The parent listing of ``template``: the template's text and the
        common attributes, no offer, its parentage and theme."""
        Listing = self.env["amazon.listing"]
        marketplace = self.marketplace_id.amazon_id
        tag = ptd_definitions.language_tag(self.marketplace_id.code)
        parent = Listing.search(
            [
                ("account_id", "=", self.account_id.id),
                ("marketplace_id", "=", self.marketplace_id.id),
                ("sku", "=", sku),
            ]
        )
        if parent.family_template_id and parent.family_template_id != template:
            raise UserError(
                self.env._(
                    "The parent SKU %(sku)s of %(template)s is the parent of "
                    "%(other)s's family: give %(template)s another Amazon "
                    "parent SKU (product form, Amazon tab).",
                    sku=sku,
                    template=template.display_name,
                    other=parent.family_template_id.display_name,
                )
            )
        variant = template.product_variant_ids[:1]
        data = self._product_data(variant, parent)
        data.title = template.name
        data.barcode, data.price, data.quantity = "", None, None
        base = {
            **self._common(definition.schema, tag),
            **core.product_attributes(data, marketplace, tag, schema=definition.schema),
        }
        generated = variations.parent_attributes(
            base, theme, marketplace, definition.schema
        )
        if parent:
            self._keep_image_urls(parent.attributes or {}, generated)
            parent.write(
                {
                    "attributes": core.regenerate(
                        parent.attributes, generated, definition.schema
                    ),
                    "product_type_id": definition.id,
                }
            )
            return parent
        return Listing.create(
            {
                "account_id": self.account_id.id,
                "marketplace_id": self.marketplace_id.id,
                "sku": sku,
                "product_type_id": definition.id,
                "attributes": generated,
            }
        )
