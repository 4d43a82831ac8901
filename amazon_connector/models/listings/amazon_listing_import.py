"""Import the listings a seller already has on Amazon, matched to products
by SKU (the SKU mapping of orders first, then the internal reference)."""

from odoo import api, models
from odoo.exceptions import UserError

from ...core.listings import amazon_issue
from ...core.spapi import SPAPIError
from ...core.spapi.pagination import iter_items
from .amazon_listing import INCLUDED

PAGE_SIZE = 20  # searchListingsItems' maximum


class AmazonListingImport(models.AbstractModel):
    _name = "amazon.listing.import"
    _description = "Amazon Listings Import"

    @api.model
    def _run(self, account, marketplace):
        """Create or update ``amazon.listing`` for every SKU Amazon lists in
        ``marketplace``; returns ``(created, updated)`` listings."""
        try:
            with account._client() as client:
                items = list(
                    iter_items(
                        client.search_listings_items_pages(
                            marketplace_ids=[marketplace.amazon_id],
                            included_data=INCLUDED,
                            page_size=PAGE_SIZE,
                        ),
                        "items",
                    )
                )
        except SPAPIError as exc:
            raise UserError(
                self.env._(
                    "Amazon did not list the listings of %(account)s: %(error)s",
                    account=account.name,
                    error=exc,
                )
            ) from exc
        skus = [item["sku"] for item in items if item.get("sku")]
        Listing = self.env["amazon.listing"]
        existing = {
            listing.sku: listing
            for listing in Listing.search(
                [
                    ("account_id", "=", account.id),
                    ("marketplace_id", "=", marketplace.id),
                    ("sku", "in", skus),
                ]
            )
        }
        Offer = self.env["amazon.offer"].sudo()
        offers = Offer._for_skus(account, skus) if skus else {}
        # Offers known from orders before their product existed: matched now.
        unmapped = [sku for sku, offer in offers.items() if not offer.product_id]
        for sku, product in Offer._products_by_code(account, unmapped).items():
            offers[sku].product_id = product
        types = {}
        created = updated = Listing
        for item in items:
            sku = item.get("sku")
            if not sku:
                continue
            summary = (item.get("summaries") or [{}])[0]
            type_name = summary.get("productType") or next(
                (t.get("productType") for t in item.get("productTypes") or ()), None
            )
            if type_name and type_name not in types:
                types[type_name] = self._import_type(account, marketplace, type_name)
            listing = existing.get(sku, Listing)
            if listing and listing._in_open_feed():
                continue  # its feed's report comes first
            vals = listing._vals_from_item(item)
            if type_name and types[type_name] and not listing.product_type_id:
                vals["product_type_id"] = types[type_name].id
            if listing:
                listing.write(vals)
                updated |= listing
            else:
                vals.update(
                    account_id=account.id,
                    marketplace_id=marketplace.id,
                    sku=sku,
                    offer_id=offers[sku].id,
                )
                listing = Listing.create(vals)
                created |= listing
            listing._set_issues(
                "amazon", [amazon_issue(i) for i in item.get("issues") or ()]
            )
            if listing.asin and not offers[sku].asin:
                offers[sku].asin = listing.asin
        return created, updated

    @api.model
    def _import_type(self, account, marketplace, name):
        """The cached definition, or nothing when Amazon does not give it
        (the listing is imported anyway; its type can be chosen later)."""
        try:
            return self.env["amazon.product.type"]._get(account, marketplace, name)
        except UserError:
            return self.env["amazon.product.type"]
