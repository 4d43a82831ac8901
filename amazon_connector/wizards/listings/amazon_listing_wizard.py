"""Bulk listing work: generate listings for many products from Odoo's
product data, validate them against the product type, and submit the valid
ones as one JSON_LISTINGS_FEED."""

import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext
from odoo.tools.misc import limited_field_access_token

from ...core import listings as core
from ...core import ptd_definitions
from ...core.spapi import SPAPIError
from ...models.listings.amazon_listing import INCLUDED
from ...models.listings.amazon_listing_feed import FINAL
from ...models.listings.amazon_product_type import REQUIREMENTS

CONDITIONS = [
    ("new_new", "New"),
    ("new_open_box", "New - Open Box"),
    ("refurbished_refurbished", "Refurbished"),
    ("used_like_new", "Used - Like New"),
    ("used_good", "Used - Good"),
]


class AmazonListingWizard(models.TransientModel):
    _name = "amazon.listing.wizard"
    _description = "Create Amazon listings from products"

    product_ids = fields.Many2many("product.product", string="Products", required=True)
    account_id = fields.Many2one("amazon.account", required=True)
    marketplace_id = fields.Many2one(
        "amazon.marketplace",
        required=True,
        domain="[('id', 'in', allowed_marketplace_ids)]",
    )
    allowed_marketplace_ids = fields.Many2many(related="account_id.marketplace_ids")
    product_type = fields.Char(
        required=True, default="PRODUCT", help="Amazon's product type name."
    )
    requirements = fields.Selection(REQUIREMENTS, required=True, default="LISTING")
    brand = fields.Char(help="Brand name given to every generated listing.")
    condition = fields.Selection(CONDITIONS, required=True, default="new_new")
    common_attributes = fields.Text(
        "Common attributes (JSON)",
        help="Attributes every generated listing gets, as Amazon names them; "
        "marketplace and language are filled in. For example "
        '{"item_type_keyword": [{"value": "kitchen-storage"}]}',
    )
    keywords = fields.Char(help="Words to search Amazon's product types with.")
    match_ids = fields.One2many("amazon.product.type.match", "wizard_id", "Matches")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = (
            self.env.context.get("active_model"),
            self.env.context.get("active_ids"),
        )
        if ids and model == "product.template":
            products = self.env[model].browse(ids).product_variant_ids
            values["product_ids"] = [fields.Command.set(products.ids)]
        elif ids and model == "product.product":
            values["product_ids"] = [fields.Command.set(ids)]
        if "account_id" in fields_list and not values.get("account_id"):
            account = self.env["amazon.account"].search([], limit=1)
            values["account_id"] = account.id
            values["marketplace_id"] = account and account._home_marketplace().id
        return values

    @api.onchange("account_id")
    def _onchange_account_id(self):
        if (
            self.account_id
            and self.marketplace_id not in self.account_id.marketplace_ids
        ):
            self.marketplace_id = self.account_id._home_marketplace()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_search_types(self):
        """List Amazon's product types matching the keywords."""
        self.ensure_one()
        try:
            with self.account_id._client() as client:
                found = ptd_definitions.search(
                    client, self.marketplace_id.amazon_id, keywords=self.keywords
                )
        except SPAPIError as exc:
            raise UserError(
                self.env._("Amazon did not search product types: %(error)s", error=exc)
            ) from exc
        self.match_ids = [fields.Command.clear()] + [
            fields.Command.create({"name": name, "label": label})
            for name, label in found
        ]
        return self._reopen()

    # -- generation ----------------------------------------------------------------
    def _product_data(self, product, listing):
        """What Odoo knows of ``product`` for this marketplace."""
        account, marketplace = self.account_id, self.marketplace_id
        currency = marketplace.currency_id
        price = account._pricelist_for(currency)._get_product_price(product, 1.0)
        images = []
        if product.image_1920:
            # Amazon downloads the image while processing the submission: a
            # limited token (valid 14 to 42 days) opens this one field only.
            # ``unique`` names the image's content: a new image is a new URL.
            digest = hashlib.sha256(product.image_1920).hexdigest()[:16]
            token = limited_field_access_token(product, "image_1920")
            images.append(
                f"{product.get_base_url()}/web/image/product.product/{product.id}"
                f"/image_1920?unique={digest}&access_token={token}"
            )
        # Package types are Inventory data; listing staff need only their sizes.
        package_type = product.sudo().packaging_ids.package_type_id.filtered(
            lambda p: p.packaging_length and p.width and p.height
        )[:1]
        package = (
            (
                package_type.packaging_length,
                package_type.width,
                package_type.height,
                package_type.length_uom_name,
            )
            if package_type
            else None
        )
        # Only a storable product has a free quantity to offer, and only to a
        # new listing or a merchant-fulfilled one: a DEFAULT quantity would
        # turn an FBA listing (or one of unknown channels) merchant-fulfilled.
        quantity = None
        merchant = not listing or not listing.on_amazon or listing.is_mfn
        if product.is_storable and merchant and account.warehouse_id:
            free = product.with_context(warehouse_id=account.warehouse_id.id).free_qty
            quantity = core.mfn_quantity(free, account.stock_buffer)
        return core.ProductData(
            title=product.with_context(display_default_code=False).display_name,
            description=product.description_sale
            or html2plaintext(product.description or "").strip(),
            barcode=product.barcode or "",
            brand=self.brand or "",
            price=currency.round(price) if price > 0 else None,
            currency=currency.name,
            images=images,
            package=package,
            weight=(product.weight, product.weight_uom_name)
            if product.weight
            else None,
            quantity=quantity,
            condition=self.condition,
            country=product.country_of_origin.code or "",
        )

    @api.model
    def _keep_image_urls(self, existing, generated):
        """Keep an image URL whose token alone changed (tokens roll every two
        weeks): a new token is not a change worth sending to Amazon."""
        for name, values in generated.items():
            if not name.endswith("_image_locator") or name not in existing:
                continue
            old = existing[name][0].get("media_location", "")
            new = values[0].get("media_location", "")
            if old.split("&access_token=")[0] == new.split("&access_token=")[0]:
                values[0]["media_location"] = old

    def _common(self, schema, tag):
        try:
            common = json.loads(self.common_attributes or "{}")
        except ValueError as exc:
            raise UserError(
                self.env._(
                    "The common attributes are not valid JSON: %(error)s", error=exc
                )
            ) from exc
        if not isinstance(common, dict):
            raise UserError(
                self.env._("The common attributes must be a JSON object of attributes.")
            )
        return core.fill_selectors(common, schema, self.marketplace_id.amazon_id, tag)

    def _generate(self):
        """Create or update one listing per product, validated locally."""
        self.ensure_one()
        missing = self.product_ids.filtered(lambda p: not p.default_code)
        if missing:
            raise UserError(
                self.env._(
                    "These products have no internal reference to use as SKU: "
                    "%(names)s",
                    names=", ".join(missing.mapped("display_name")),
                )
            )
        codes = self.product_ids.mapped("default_code")
        twice = {code for code in codes if codes.count(code) > 1}
        if twice:
            raise UserError(
                self.env._(
                    "Several selected products share the internal reference "
                    "(SKU) %(codes)s: %(names)s",
                    codes=", ".join(sorted(twice)),
                    names=", ".join(
                        self.product_ids.filtered(
                            lambda p: p.default_code in twice
                        ).mapped("display_name")
                    ),
                )
            )
        definition = self.env["amazon.product.type"]._get(
            self.account_id,
            self.marketplace_id,
            self.product_type.strip(),
            self.requirements,
        )
        Listing = self.env["amazon.listing"]
        existing = {
            listing.sku: listing
            for listing in Listing.search(
                [
                    ("account_id", "=", self.account_id.id),
                    ("marketplace_id", "=", self.marketplace_id.id),
                    ("sku", "in", self.product_ids.mapped("default_code")),
                ]
            )
        }
        existing.update(self._read_live(definition, existing))
        listings = Listing
        tag = ptd_definitions.language_tag(self.marketplace_id.code)
        common = self._common(definition.schema, tag)
        for product in self.product_ids:
            listing = existing.get(product.default_code)
            generated = {
                **common,
                **core.product_attributes(
                    self._product_data(product, listing),
                    self.marketplace_id.amazon_id,
                    tag,
                    schema=definition.schema,
                ),
            }
            if listing:
                self._keep_image_urls(listing.attributes or {}, generated)
                listing.write(
                    {
                        "attributes": core.regenerate(
                            listing.attributes, generated, definition.schema
                        ),
                        "product_id": product.id,
                        "product_type_id": definition.id,
                    }
                )
            else:
                listing = Listing.create(
                    {
                        "account_id": self.account_id.id,
                        "marketplace_id": self.marketplace_id.id,
                        "sku": product.default_code,
                        "product_id": product.id,
                        "product_type_id": definition.id,
                        "attributes": generated,
                    }
                )
            listings |= listing
        for listing in listings:
            if not listing._validate_locally():
                listing._mark_invalid()
            elif listing._has_changes():
                listing.state = "valid"
            else:
                listing.state = listing._amazon_state()  # same as on Amazon
        return listings

    def _read_live(self, definition, existing):
        """Listings Amazon already holds for the selected SKUs that Odoo does
        not know yet, read from Amazon and stored as they are live: what is
        generated then updates a draft of them (PATCH of the changes only),
        never replaces them, and attributes that exist only on Amazon stay."""
        Listing = self.env["amazon.listing"]
        found = {}
        unknown = [
            p.default_code for p in self.product_ids if p.default_code not in existing
        ]
        if not unknown:
            return found
        with self.account_id._client() as client:
            for sku in unknown:
                try:
                    item = client.find_listings_item(
                        sku,
                        marketplace_ids=[self.marketplace_id.amazon_id],
                        included_data=list(INCLUDED),
                    )
                except SPAPIError as exc:
                    raise UserError(
                        self.env._(
                            "Amazon did not say whether %(sku)s is listed: %(error)s",
                            sku=sku,
                            error=exc,
                        )
                    ) from exc
                if item is None:
                    continue  # not on Amazon: a new listing
                vals = Listing._vals_from_item(item)
                vals.update(
                    account_id=self.account_id.id,
                    marketplace_id=self.marketplace_id.id,
                    sku=sku,
                    product_type_id=definition.id,
                )
                found[sku] = Listing.create(vals)
        return found

    def action_generate(self):
        listings = self._generate()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listings"
        )
        action["domain"] = [("id", "in", listings.ids)]
        return action

    def action_submit_feed(self):
        """Generate, validate, and send the valid listings as one feed (one
        per 10,000 listings): new ones in full (UPDATE), listings Amazon has
        as patches of their changed attributes. Invalid ones stay in Odoo with
        their issues; listings of a feed still processing wait for it."""
        wizard_id = self.id

        def prepare(env):
            wizard = env["amazon.listing.wizard"].browse(wizard_id)
            listings = wizard._generate()
            ready = listings.filtered(
                lambda lst: (
                    lst.state == "valid"
                    and not (lst.feed_id and lst.feed_id.state not in FINAL)
                )
            )
            entries = [
                (lst.id, lst._feed_message(), {"attributes": lst.attributes})
                for lst in ready
            ]
            return len(listings), entries

        # The listings are committed before their feed is sent (the feed is
        # recorded and sent in transactions of its own, which read them), so
        # invalid ones stay with their issues for the person to open.
        total, entries = self.env["amazon.work"]._run(
            prepare, user=self.env.user, su=self.env.su
        )
        if not entries:
            raise UserError(
                self.env._(
                    "None of the %(count)s listings has a valid change to send: "
                    "open them to see their issues.",
                    count=total,
                )
            )
        Listing = self.env["amazon.listing"]
        feeds = self.env["amazon.listing.feed"]
        for start in range(0, len(entries), core.FEED_MAX_MESSAGES):
            chunk = entries[start : start + core.FEED_MAX_MESSAGES]
            feeds |= feeds._submit(
                self.account_id,
                self.marketplace_id,
                [(Listing.browse(id_), message, sent) for id_, message, sent in chunk],
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listing_feeds"
        )
        action["domain"] = [("id", "in", feeds.ids)]
        return action


class AmazonProductTypeMatch(models.TransientModel):
    _name = "amazon.product.type.match"
    _description = "Amazon product type found by a search"

    wizard_id = fields.Many2one(
        "amazon.listing.wizard", required=True, ondelete="cascade"
    )
    name = fields.Char(required=True)
    label = fields.Char()

    def action_use(self):
        self.ensure_one()
        self.wizard_id.product_type = self.name
        return self.wizard_id._reopen()


class AmazonListingImportWizard(models.TransientModel):
    _name = "amazon.listing.import.wizard"
    _description = "Import Amazon listings"

    account_id = fields.Many2one("amazon.account", required=True)
    marketplace_id = fields.Many2one(
        "amazon.marketplace",
        required=True,
        domain="[('id', 'in', allowed_marketplace_ids)]",
    )
    allowed_marketplace_ids = fields.Many2many(related="account_id.marketplace_ids")

    def action_import(self):
        self.ensure_one()
        created, updated = self.env["amazon.listing.import"]._run(
            self.account_id, self.marketplace_id
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listings"
        )
        action["domain"] = [("id", "in", (created | updated).ids)]
        return action
