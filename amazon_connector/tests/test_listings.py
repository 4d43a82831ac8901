"""Listings end to end against the local SP-API sandbox: product type cache,
create, validate, submit (put then patch), bulk feed, import, price and
stock push."""

import base64
import io
import json
from datetime import timedelta
from unittest.mock import patch

from PIL import Image, ImageDraw

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.misc import verify_limited_field_access_token

from odoo.addons.amazon_pii.tests.common import new_test_user

from ..core.spapi import PermanentError
from ..core.spapi.client import SellerClient
from ..models.listings import amazon_listing_feed, amazon_listing_push
from .common import SandboxCase

# What Odoo's product data cannot say; typed once in the bulk wizard.
COMMON = {
    "bullet_point": [{"value": "Stackable"}, {"value": "Dishwasher safe"}],
    "color": [{"value": "Blue"}],
    "item_type_keyword": [{"value": "food-storage-containers"}],
    "supplier_declared_dg_hz_regulation": [{"value": "not_applicable"}],
    "merchant_shipping_group": [{"value": "legacy-template-id"}],
}


def product_photo():
    """A PNG Amazon accepts as a main image: 1,000 px, a product filling 90%
    of a white frame (amazon_ai's compliance checks refuse a 1x1 pixel)."""
    image = Image.new("RGB", (1000, 1000), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((50, 50, 950, 950), fill=(20, 40, 120))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue())


EANS = ["4006381333931", "5901234123457", "4012345678901", "9780201379624"]


class Recorder:
    """Wraps a SellerClient method: every call still reaches the sandbox,
    its arguments are kept for the assertions."""

    def __init__(self, name):
        self.calls = []
        self.original = getattr(SellerClient, name)
        self.name = name

    def __enter__(self):
        def record(client, *args, **kwargs):
            self.calls.append((args, kwargs))
            return self.original(client, *args, **kwargs)

        self._patch = patch.object(SellerClient, self.name, record)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


class ListingCase(SandboxCase):
    sandbox_options = {"orders": 5, "seed": 3}
    needs_reference = True  # validates against Amazon's PRODUCT schema

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("amazon_connector.marketplace_us")
        cls.germany = cls.env.ref("base.de")

    def make_product(self, code, barcode=None, **extra):
        return self.env["product.product"].create(
            {
                "name": f"Lunch box {code}",
                "default_code": code,
                "barcode": barcode,
                "is_storable": True,
                "list_price": 19.99,
                "description_sale": "A lunch box that keeps food fresh.",
                "weight": 0.4,
                "country_of_origin": self.germany.id,
                **extra,
            }
        )

    def wizard(self, products, **extra):
        return (
            self.env["amazon.listing.wizard"]
            .with_context(active_model="product.product", active_ids=products.ids)
            .create(
                {
                    "account_id": self.account.id,
                    "marketplace_id": self.us.id,
                    "brand": "Acme",
                    "common_attributes": json.dumps(COMMON),
                    **extra,
                }
            )
        )

    def listings(self, products):
        return self.env["amazon.listing"].search(
            [("product_id", "in", products.ids)], order="sku"
        )

    def poll_until_done(self, feeds):
        """Poll the feeds as the cron does until Amazon (the sandbox, whose
        feeds take several polls) has processed each of them."""
        for _ in range(6):
            self.env.flush_all()
            self.env["amazon.listing.feed"]._cron_poll()
            if all(f.state in ("DONE", "FATAL") for f in feeds):
                return
        self.fail(f"feeds still {feeds.mapped('state')}")

    def on_amazon(self, sku, included=("attributes", "summaries")):
        self.env.flush_all()
        with self.account._client() as client:
            return client.get_listings_item(
                sku, marketplace_ids=[self.us.amazon_id], included_data=list(included)
            )

    def set_stock(self, product, quantity):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.account.warehouse_id.lot_stock_id.id,
                "inventory_quantity": quantity,
            }
        ).action_apply_inventory()


@tagged("post_install", "-at_install")
class TestProductTypes(ListingCase):
    def test_definition_is_cached_and_downloaded_again_on_new_version(self):
        ProductType = self.env["amazon.product.type"]
        definition = ProductType._get(self.account, self.us, "PRODUCT")
        self.assertTrue(definition.schema["properties"]["item_name"])
        self.assertTrue(definition.meta_schema["$id"].endswith("meta-schema/v1"))
        self.assertEqual(definition.locale, "en_US")
        first_version, fetched = definition.version, definition.fetched_on
        names = {name for name, _title, _dep in definition._requirements()}
        self.assertIn("item_name", names)
        self.assertIn("condition_type", names)  # conditional on skip_offer
        self.assertIn("Required when", definition.requirements_html)

        # Checked today: no call at all.
        with Recorder("get_product_type") as calls:
            self.assertEqual(
                ProductType._get(self.account, self.us, "PRODUCT"), definition
            )
        self.assertFalse(calls.calls)

        # A day later, same version: checked, not downloaded again.
        stale = fields.Datetime.now() - timedelta(days=2)
        definition.checked_on = stale
        with Recorder("download_schema") as downloads:
            ProductType._get(self.account, self.us, "PRODUCT")
        self.assertFalse(downloads.calls)
        self.assertGreater(definition.checked_on, stale)
        self.assertEqual(definition.fetched_on, fetched)

        # Amazon publishes a new version: the daily cron downloads it.
        self.env["amazon.listing"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": self.us.id,
                "sku": "USES-PRODUCT",
                "product_type_id": definition.id,
            }
        )
        self.sandbox.release_product_type()
        with Recorder("download_schema") as downloads:
            ProductType._cron_refresh()
        self.assertEqual(len(downloads.calls), 2)  # schema and meta-schema
        self.assertNotEqual(definition.version, first_version)
        self.assertTrue(definition.schema["properties"]["item_name"])

    def test_unknown_product_type_is_a_clear_error(self):
        with (
            self.assertLogs("amazon_connector.spapi", "WARNING"),
            self.assertRaisesRegex(UserError, "TOASTER"),
        ):
            self.env["amazon.product.type"]._get(self.account, self.us, "TOASTER")


@tagged("post_install", "-at_install")
class TestListingEdit(ListingCase):
    def test_create_validate_submit_then_patch_only_changes(self):
        product = self.make_product("BOX-1", EANS[0], image_1920=product_photo())
        self.wizard(product).action_generate()
        listing = self.listings(product)
        self.assertEqual(listing.sku, "BOX-1")
        attributes = listing.attributes
        # Amazon fetches the image: the URL opens that one field to anyone.
        url = attributes["main_product_image_locator"][0]["media_location"]
        path, token = url.split("&access_token=")
        self.assertIn(
            f"/web/image/product.product/{product.id}/image_1920?unique=", path
        )
        self.assertTrue(verify_limited_field_access_token(product, "image_1920", token))
        self.assertEqual(attributes["item_name"][0]["value"], "Lunch box BOX-1")
        self.assertEqual(attributes["item_name"][0]["language_tag"], "en_US")
        self.assertEqual(
            attributes["externally_assigned_product_identifier"][0],
            {"marketplace_id": self.us.amazon_id, "type": "ean", "value": EANS[0]},
        )
        self.assertEqual(
            attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0],
            {"value_with_tax": 19.99},
        )
        self.assertEqual(attributes["country_of_origin"][0]["value"], "DE")
        self.assertEqual(attributes["item_package_weight"][0]["unit"], "kilograms")
        self.assertEqual(attributes["bullet_point"][1]["value"], "Dishwasher safe")
        self.assertEqual(listing.state, "valid", listing.issue_ids.mapped("message"))

        # The seller breaks it in the JSON editor: the local check names it.
        broken = dict(attributes)
        del broken["brand"]
        broken["item_name"] = [dict(broken["item_name"][0], value=7)]
        listing.attributes_text = json.dumps(broken)
        with Recorder("put_listings_item") as puts:
            listing.action_validate()
        self.assertFalse(puts.calls, "Amazon is not asked while local errors remain")
        self.assertEqual(listing.state, "invalid")
        errors = listing.issue_ids.filtered(lambda i: i.severity == "error")
        self.assertEqual(set(errors.mapped("attribute")), {"brand", "item_name"})
        self.assertTrue(any("Brand" in m for m in errors.mapped("message")))
        with self.assertRaises(ValidationError):
            listing.attributes_text = "{not json"

        # Fixed: the local check passes, Amazon's preview too, nothing is listed.
        listing.attributes = attributes
        with Recorder("put_listings_item") as puts:
            listing.action_validate()
        self.assertEqual(puts.calls[0][1]["mode"], "VALIDATION_PREVIEW")
        self.assertEqual(listing.state, "valid")
        self.assertFalse(listing.error_count)
        with (
            self.assertLogs("amazon_connector.spapi", "WARNING"),
            self.assertRaisesRegex(PermanentError, "not found"),
        ):
            self.on_amazon("BOX-1")

        listing.action_submit()
        self.assertEqual(listing.state, "pending")
        self.assertEqual(listing.submitted_attributes, attributes)
        held = self.on_amazon("BOX-1")["attributes"]
        self.assertEqual(held["brand"][0]["value"], "Acme")
        offer = self.env["amazon.offer"].search(
            [("account_id", "=", self.account.id), ("sku", "=", "BOX-1")]
        )
        self.assertEqual(offer.product_id, product, "orders of the SKU find it")

        # An edit: new title, one bullet point fewer. Only those two go.
        edited = dict(attributes)
        edited["item_name"] = [dict(attributes["item_name"][0], value="Lunch box XL")]
        edited["bullet_point"] = attributes["bullet_point"][:1]
        listing.attributes = edited
        with Recorder("patch_listings_item") as patches:
            listing.action_submit()
        body = patches.calls[0][0][1]
        sent = [(p["op"], p["path"]) for p in body["patches"]]
        self.assertEqual(
            sent,
            [
                ("replace", "/attributes/bullet_point"),
                ("replace", "/attributes/item_name"),
            ],
        )
        held = self.on_amazon("BOX-1")["attributes"]
        self.assertEqual(held["item_name"][0]["value"], "Lunch box XL")
        self.assertEqual(len(held["bullet_point"]), 1)

        # Removing an attribute deletes it by its selectors.
        edited = dict(edited)
        del edited["item_package_weight"]
        listing.attributes = edited
        with Recorder("patch_listings_item") as patches:
            listing.action_submit()
        (delete,) = patches.calls[0][0][1]["patches"]
        self.assertEqual(delete["op"], "delete")
        self.assertEqual(delete["value"], [{"marketplace_id": self.us.amazon_id}])
        self.assertNotIn("item_package_weight", self.on_amazon("BOX-1")["attributes"])

        # A required attribute removed: refused locally, Amazon keeps its value.
        edited = dict(edited)
        del edited["color"]
        listing.attributes = edited
        with Recorder("patch_listings_item") as patches:
            listing.action_submit()
        self.assertFalse(patches.calls)
        # The live listing is not demoted: its draft has the error, and the
        # issues say so.
        self.assertEqual(listing.state, "pending")
        self.assertTrue(
            listing.issue_ids.filtered(
                lambda i: i.severity == "error" and i.attribute == "color"
            )
        )
        self.assertIn("color", self.on_amazon("BOX-1")["attributes"])
        edited["color"] = attributes["color"]
        listing.attributes = edited

        # Nothing changed: Submit sends nothing, the listing is Amazon's again.
        with Recorder("patch_listings_item") as patches:
            listing.action_submit()
        self.assertFalse(patches.calls)
        self.assertEqual(listing.state, "pending")

    def test_add_required_fills_selectors(self):
        product = self.make_product("BOX-2", EANS[1])
        self.wizard(product, common_attributes=False).action_generate()
        listing = self.listings(product)
        self.assertEqual(listing.state, "invalid")
        self.assertIn("Missing", listing.requirements_html)
        listing.action_add_required()
        self.assertEqual(
            listing.attributes["color"],
            [{"language_tag": "en_US", "marketplace_id": self.us.amazon_id}],
        )
        self.assertEqual(
            listing.attributes["item_type_keyword"],
            [{"marketplace_id": self.us.amazon_id, "value": ""}],
        )
        self.assertEqual(listing.attributes["brand"][0]["value"], "Acme")  # kept

    def test_products_without_reference_are_named(self):
        product = self.make_product(False)
        with self.assertRaisesRegex(UserError, "Lunch box False"):
            self.wizard(product).action_generate()
        twins = self.make_product("TWIN") | self.make_product("TWIN-2")
        twins[1].default_code = "TWIN"
        with self.assertRaisesRegex(UserError, "TWIN"):
            self.wizard(twins).action_generate()

    def test_one_failing_listing_does_not_undo_the_others(self):
        other = self.env["res.company"].create({"name": "Second seller company"})
        broken = self.make_account(
            name="Revoked seller",
            refresh_token="revoked",
            company_id=other.id,
            warehouse_id=self.env["stock.warehouse"]
            .search([("company_id", "=", other.id)], limit=1)
            .id,
        )
        ok_product = self.make_product("ISO-1", EANS[0])
        bad_product = self.make_product("ISO-2", EANS[1])
        self.wizard(ok_product | bad_product).action_generate()
        ok, bad = self.listings(ok_product | bad_product)
        bad.account_id = broken
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            result = (ok | bad).action_submit()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("ISO-2", result["params"]["message"])
        self.assertEqual(ok.state, "pending")
        self.assertTrue(ok.on_amazon)
        self.assertEqual(bad.state, "valid")
        self.assertFalse(bad.on_amazon)
        self.assertEqual(
            bad.issue_ids.filtered(lambda i: i.source == "amazon").severity, "error"
        )
        # Alone, the same failure is shown at once (not assertRaises: its
        # savepoint would undo what the submission's transactions recorded).
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            try:
                bad.action_submit()
            except UserError as exc:
                self.assertIn("ISO-2", str(exc))
            else:
                self.fail("the failure was not shown")

    def test_existing_sku_becomes_listed_with_its_asin(self):
        row = self.data["products"][1]  # already sold on Amazon, not yet in Odoo
        product = self.make_product(row["sku"], EANS[2])
        self.wizard(product).action_generate()
        listing = self.listings(product)
        listing.action_submit()
        self.assertEqual(listing.state, "pending")
        self.assertEqual(listing.asin, row["asin"])
        self.env["amazon.listing.feed"]._cron_poll()  # follows pending listings
        self.assertEqual(listing.state, "listed")
        self.assertIn("BUYABLE", listing.amazon_status)

        # An edit not sent yet survives reading Amazon's copy again.
        edited = dict(listing.attributes)
        edited["item_name"] = [dict(edited["item_name"][0], value="Renamed box")]
        del edited["item_package_weight"]
        listing.attributes = edited
        listing.action_refresh()
        self.assertEqual(listing.attributes["item_name"][0]["value"], "Renamed box")
        self.assertNotIn("item_package_weight", listing.attributes)
        self.assertIn("item_package_weight", listing.submitted_attributes)
        listing.action_submit()
        held = self.on_amazon(row["sku"])["attributes"]
        self.assertEqual(held["item_name"][0]["value"], "Renamed box")
        self.assertNotIn("item_package_weight", held)

    def test_amazon_user_lists_products(self):
        user = new_test_user(
            self.env,
            "lister",
            groups="base.group_user,amazon_pii.group_amazon_user",
        )
        product = self.make_product("USER-1", EANS[3])
        wizard = self.wizard(product).with_user(user)
        wizard.action_generate()
        listing = self.listings(product).with_user(user)
        listing.action_validate()
        self.assertEqual(listing.state, "valid")
        listing.action_submit()
        self.assertEqual(listing.state, "pending")


@tagged("post_install", "-at_install")
class TestBulkFeed(ListingCase):
    def test_bulk_generate_validate_and_submit_one_feed(self):
        good = self.make_product("BULK-1", EANS[0]) | self.make_product(
            "BULK-2", EANS[1]
        )
        no_barcode = self.make_product("BULK-3")
        with Recorder("create_feed") as feeds:
            action = self.wizard(good | no_barcode).action_submit_feed()
        self.assertEqual(len(feeds.calls), 1)
        feed = self.env["amazon.listing.feed"].search(action["domain"])
        self.assertEqual(feed.message_count, 2)
        listings = self.listings(good | no_barcode)
        by_sku = {listing.sku: listing for listing in listings}
        self.assertEqual(by_sku["BULK-3"].state, "invalid")
        self.assertIn(
            "externally_assigned_product_identifier",
            by_sku["BULK-3"].issue_ids.mapped("attribute"),
        )
        self.assertEqual(by_sku["BULK-1"].state, "pending")

        self.poll_until_done(feed)
        self.assertEqual(feed.state, "DONE")
        self.assertEqual(feed.accepted_count, 2)
        for sku in ("BULK-1", "BULK-2"):
            # The same cron read them back once Amazon had processed them.
            self.assertEqual(by_sku[sku].state, "listed")
            self.assertTrue(by_sku[sku].submitted_attributes)
            self.assertEqual(
                self.on_amazon(sku)["attributes"]["item_name"][0]["value"],
                f"Lunch box {sku}",
            )

    def test_unreadable_feed_ends_fatal(self):
        feed = self.env["amazon.listing.feed"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": self.us.id,
                "amazon_feed_id": "50009999999",
            }
        )
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            feed.action_poll()
        self.assertEqual(feed.state, "FATAL")
        self.assertIn("not found", feed.report_message)

    def test_done_feed_without_report_refuses_its_listings(self):
        product = self.make_product("NOREP-1", EANS[0])
        self.wizard(product).action_generate()
        listing = self.listings(product)
        feed = self.env["amazon.listing.feed"]._submit(
            self.account,
            self.us,
            [(listing, listing._feed_message(), {"attributes": listing.attributes})],
        )
        feed._finish("DONE", None)
        self.assertEqual(feed.state, "FATAL")
        self.assertEqual(listing.state, "refused")
        self.assertFalse(listing.on_amazon)
        with self.assertRaisesRegex(UserError, "NOREP-1"):
            # While a feed is processing, the listing is not sent another way.
            listing.feed_id.state = "IN_PROGRESS"
            listing.action_submit()

    def test_processing_report_issues_land_on_their_listing(self):
        products = self.make_product("REP-1", EANS[2]) | self.make_product(
            "REP-2", EANS[3]
        )
        self.wizard(products).action_generate()
        ok, spoiled = self.listings(products)
        # Edited after validation (or by another tool): Amazon refuses it.
        spoiled.attributes = {
            k: v for k, v in spoiled.attributes.items() if k != "item_name"
        }
        Feed = self.env["amazon.listing.feed"]
        feed = Feed._submit(
            self.account,
            self.us,
            [
                (
                    listing,
                    {
                        "sku": listing.sku,
                        "operationType": "UPDATE",
                        "productType": "PRODUCT",
                        "requirements": "LISTING",
                        "attributes": listing.attributes,
                    },
                    {"attributes": listing.attributes},
                )
                for listing in (ok, spoiled)
            ],
        )
        self.poll_until_done(feed)
        self.assertEqual((feed.accepted_count, feed.invalid_count), (1, 1))
        self.assertEqual(ok.state, "listed")
        self.assertEqual(spoiled.state, "refused")
        issue = spoiled.issue_ids.filtered(lambda i: i.source == "feed")
        self.assertIn("item_name", issue.mapped("attribute"))
        self.assertEqual(issue.mapped("severity"), ["error"] * len(issue))
        self.assertFalse(ok.issue_ids.filtered(lambda i: i.severity == "error"))


@tagged("post_install", "-at_install")
class TestImportAndPush(ListingCase):
    def import_listings(self):
        self.env.flush_all()
        created, updated = self.env["amazon.listing.import"]._run(self.account, self.us)
        return created, updated

    def test_import_matches_products_by_sku_and_is_idempotent(self):
        products = self.data["products"]
        known = self.make_product(products[1]["sku"])
        created, updated = self.import_listings()
        self.assertEqual(len(created), len(products))
        self.assertFalse(updated)
        matched = created.filtered(lambda lst: lst.sku == products[1]["sku"])
        self.assertEqual(matched.product_id, known)
        self.assertEqual(matched.asin, products[1]["asin"])
        self.assertEqual(matched.product_type_id.name, "PRODUCT")
        self.assertEqual(matched.state, "listed")
        fba = created.filtered(lambda lst: lst.sku == products[0]["sku"])
        self.assertTrue(products[0]["afn"])
        self.assertEqual((fba.is_fba, fba.is_mfn), (True, False))
        self.assertEqual((matched.is_fba, matched.is_mfn), (False, True))
        again_created, again_updated = self.import_listings()
        self.assertFalse(again_created)
        self.assertEqual(len(again_updated), len(products))

    def test_price_and_stock_push_keeps_fba_right(self):
        data = self.data["products"]
        mfn_sku, fba_sku, dual_sku = data[1]["sku"], data[0]["sku"], data[2]["sku"]
        # The same SKU sold both ways: Amazon holds an FBA and a merchant value.
        with self.account._client() as client:
            client.patch_listings_item(
                dual_sku,
                {
                    "productType": "PRODUCT",
                    "patches": [
                        {
                            "op": "merge",
                            "path": "/attributes/fulfillment_availability",
                            "value": [{"fulfillment_channel_code": "AMAZON_NA"}],
                        }
                    ],
                },
                marketplace_ids=[self.us.amazon_id],
            )
        products = {
            sku: self.make_product(sku, list_price=price)
            for sku, price in ((mfn_sku, 12.5), (fba_sku, 30.0), (dual_sku, 8.0))
        }
        self.import_listings()
        # Generating again from Odoo's data keeps the FBA value of the SKU.
        self.wizard(products[dual_sku]).action_generate()
        dual = self.env["amazon.listing"].search([("sku", "=", dual_sku)])
        self.assertEqual(
            {
                v["fulfillment_channel_code"]
                for v in dual.attributes["fulfillment_availability"]
            },
            {"AMAZON_NA", "DEFAULT"},
        )
        fba = self.env["amazon.listing"].search([("sku", "=", fba_sku)])
        self.wizard(products[fba_sku]).action_generate()
        self.assertEqual(
            fba.attributes["fulfillment_availability"],
            [{"fulfillment_channel_code": "AMAZON_NA"}],
            "an FBA listing gets no merchant quantity",
        )
        self.set_stock(products[mfn_sku], 10)
        self.set_stock(products[dual_sku], 4)
        self.set_stock(products[fba_sku], 99)  # Odoo's copy: never sent
        self.account.write({"sync_listings": True, "stock_buffer": 2})

        with Recorder("patch_listings_item") as calls:
            self.env["amazon.listing"]._cron_push_offers()
        patched = {args[0] for args, _kw in calls.calls}
        self.assertEqual(patched, set(products))

        def channels(sku):
            item = self.on_amazon(sku, ("fulfillmentAvailability", "offers"))
            found = {
                f["fulfillmentChannelCode"]: f.get("quantity")
                for f in item["fulfillmentAvailability"]
            }
            return found, item["offers"][0]["price"]["amount"]

        self.assertEqual(channels(mfn_sku), ({"DEFAULT": 8}, "12.5"))
        self.assertEqual(channels(fba_sku), ({"AMAZON_NA": None}, "30"))
        self.assertEqual(channels(dual_sku), ({"AMAZON_NA": None, "DEFAULT": 2}, "8"))
        listing = self.env["amazon.listing"].search([("sku", "=", mfn_sku)])
        self.assertEqual((listing.pushed_price, listing.pushed_quantity), (12.5, 8))
        self.assertEqual(
            listing.attributes["fulfillment_availability"],
            [{"fulfillment_channel_code": "DEFAULT", "quantity": 8}],
            "the seller's copy carries the pushed values",
        )

        # Nothing changed: nothing is sent.
        with Recorder("patch_listings_item") as calls:
            self.env["amazon.listing"]._cron_push_offers()
        self.assertFalse(calls.calls)

        # One stock move: only that listing goes, as a quantity-only merge.
        self.set_stock(products[mfn_sku], 5)
        with Recorder("patch_listings_item") as calls:
            self.env["amazon.listing"]._cron_push_offers()
        ((args, _kw),) = calls.calls
        self.assertEqual(args[0], mfn_sku)
        self.assertEqual(
            args[1]["patches"],
            [
                {
                    "op": "merge",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
                }
            ],
        )

    def test_a_first_quantity_of_zero_is_sent_after_price_only_pushes(self):
        sku = self.data["products"][1]["sku"]  # merchant-fulfilled
        product = self.make_product(sku, list_price=9.0)
        self.import_listings()
        listing = self.env["amazon.listing"].search([("sku", "=", sku)])
        listing.sync_stock = False
        self.account.write({"sync_listings": True, "stock_buffer": 2})
        self.env["amazon.listing"]._cron_push_offers()
        self.assertEqual((listing.pushed_price, listing.pushed_quantity), (9.0, -1))
        self.set_stock(product, 2)  # all of it kept back by the buffer
        listing.sync_stock = True
        with Recorder("patch_listings_item") as calls:
            self.env["amazon.listing"]._cron_push_offers()
        ((args, _kw),) = calls.calls
        self.assertEqual(
            args[1]["patches"][0]["value"],
            [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        )
        self.assertEqual(listing.pushed_quantity, 0)

    def test_many_changes_go_as_one_feed(self):
        data = self.data["products"][:4]
        for row in data:
            self.make_product(row["sku"], list_price=11.0)
        self.import_listings()
        self.account.sync_listings = True
        with (
            patch.object(amazon_listing_push, "PATCH_LIMIT", 2),
            Recorder("patch_listings_item") as patches,
            Recorder("create_feed") as feeds,
        ):
            self.env["amazon.listing"]._cron_push_offers()
        self.assertFalse(patches.calls)
        self.assertEqual(len(feeds.calls), 1)
        feed = self.env["amazon.listing.feed"].search([("kind", "=", "offers")])
        self.assertEqual(feed.message_count, 4)
        for _ in range(6):
            self.env.flush_all()
            feed.action_poll()
            if feed.state == "DONE":
                break
        self.assertEqual(feed.state, "DONE")
        listings = feed.listing_ids
        self.assertEqual(set(listings.mapped("pushed_price")), {11.0})
        for row in data:
            item = self.on_amazon(row["sku"], ("offers",))
            self.assertEqual(item["offers"][0]["price"]["amount"], "11")


@tagged("post_install", "-at_install")
class TestSendingIntent(ListingCase):
    """Submissions and feeds go through ``amazon.work._send``: what is being
    sent is recorded before Amazon is called, its answer after; an
    interrupted send is found and said (docs/background-work.md)."""

    def valid_listing(self, code, ean):
        product = self.make_product(code, ean)
        self.wizard(product).action_generate()
        listing = self.listings(product)
        self.assertEqual(len(listing), 1)
        self.assertEqual(listing.state, "valid")
        return listing

    def test_submission_is_recorded_as_sending_before_amazon_is_called(self):
        listing = self.valid_listing("SEND-1", EANS[0])
        seen = []
        original = SellerClient.put_listings_item

        def put(client, *args, **kwargs):
            # What the database holds while Amazon is being called.
            self.env.invalidate_all()
            seen.append(listing.state)
            return original(client, *args, **kwargs)

        with patch.object(SellerClient, "put_listings_item", put):
            listing.action_submit()
        self.assertEqual(seen, ["sending"])
        self.assertEqual(listing.state, "pending")
        self.assertTrue(listing.on_amazon)
        self.assertIn("Sent to Amazon", "\n".join(listing.message_ids.mapped("body")))

    def test_a_listing_being_sent_is_not_sent_again(self):
        listing = self.valid_listing("SEND-2", EANS[1])
        listing.write({"state": "sending", "last_submitted_on": fields.Datetime.now()})
        with (
            Recorder("put_listings_item") as puts,
            self.assertRaisesRegex(UserError, "being sent to Amazon right now"),
        ):
            listing.action_submit()
        self.assertFalse(puts.calls)

    def test_amazon_unreachable_restores_the_listing_and_says_why(self):
        listing = self.valid_listing("SEND-3", EANS[2])

        def down(client, *args, **kwargs):
            raise PermanentError("Amazon said no", operation="putListingsItem")

        # Not assertRaises: its savepoint would undo what the submission's
        # own transactions recorded (separate commits in production).
        with patch.object(SellerClient, "put_listings_item", down):
            try:
                listing.action_submit()
            except UserError as exc:
                self.assertRegex(str(exc), "SEND-3.*Amazon said no")
            else:
                self.fail("an unreachable Amazon was not reported")
        self.env.invalidate_all()
        self.assertEqual(listing.state, "valid")  # as before, to be sent again
        self.assertFalse(listing.last_submitted_on)
        self.assertIn(
            "Amazon said no",
            " ".join(
                listing.issue_ids.filtered(lambda i: i.source == "amazon").mapped(
                    "message"
                )
            ),
        )

    def test_an_interrupted_submission_is_marked_to_send_again(self):
        listing = self.valid_listing("SEND-4", EANS[3])
        lease = amazon_listing_feed.SENDING_LEASE
        listing.write(
            {
                "state": "sending",
                "last_submitted_on": fields.Datetime.now()
                - lease
                - timedelta(minutes=1),
            }
        )
        fresh = self.valid_listing("SEND-5", "4006381333948")
        fresh.write({"state": "sending", "last_submitted_on": fields.Datetime.now()})
        recovered = self.env["amazon.listing"]._recover_sending()
        self.assertEqual(recovered, listing)
        self.assertEqual(listing.state, "refused")
        self.assertIn("Odoo stopped", " ".join(listing.issue_ids.mapped("message")))
        self.assertEqual(fresh.state, "sending")

    def test_feed_is_recorded_before_amazon_takes_it_and_refusal_kept(self):
        listing = self.valid_listing("FEED-1", EANS[0])
        entries = [
            (listing, listing._feed_message(), {"attributes": listing.attributes})
        ]
        Feed = self.env["amazon.listing.feed"]
        seen = []
        original = SellerClient.create_feed

        def create_feed(client, *args, **kwargs):
            self.env.invalidate_all()
            seen.append((Feed.search([]).mapped("state"), listing.state))
            return original(client, *args, **kwargs)

        with patch.object(SellerClient, "create_feed", create_feed):
            feed = Feed._submit(self.account, self.us, entries)
        self.assertEqual(seen, [(["SENDING"], "sending")])
        self.assertEqual(feed.state, "IN_QUEUE")
        self.assertTrue(feed.amazon_feed_id)
        self.assertEqual(listing.state, "pending")

        # Amazon refuses the next one: kept as Fatal with the reason, the
        # listing refused (to be sent again), and the person told.
        other = self.valid_listing("FEED-2", EANS[1])
        entries = [(other, other._feed_message(), {"attributes": other.attributes})]

        def refuse(client, *args, **kwargs):
            raise PermanentError("feed quota exceeded", operation="createFeed")

        with patch.object(SellerClient, "create_feed", refuse):
            try:  # not assertRaises: its savepoint would undo the record
                Feed._submit(self.account, self.us, entries)
            except UserError as exc:
                self.assertIn("feed quota exceeded", str(exc))
            else:
                self.fail("a refused feed was not reported")
        self.env.invalidate_all()
        refused = Feed.search([("listing_ids", "in", other.ids)])
        self.assertEqual(len(refused), 1)
        self.assertEqual(refused.state, "FATAL")
        self.assertIn("feed quota exceeded", refused.report_message)
        self.assertEqual(other.state, "refused")

    def test_an_interrupted_feed_ends_fatal_and_is_not_polled(self):
        listing = self.valid_listing("FEED-3", EANS[2])
        Feed = self.env["amazon.listing.feed"]
        stale = Feed.create(
            {
                "account_id": self.account.id,
                "marketplace_id": self.us.id,
                "state": "SENDING",
                "listing_ids": [fields.Command.set(listing.ids)],
                "messages": [{"id": 1, "listing": listing.id, "attributes": {}}],
            }
        )
        listing.write({"state": "sending", "feed_id": stale.id})
        self.env.cr.execute(
            "UPDATE amazon_listing_feed SET create_date = now() - interval '1 hour'"
            " WHERE id = %s",
            [stale.id],
        )
        stale.invalidate_recordset()
        with Recorder("get_feed") as polls:
            Feed._cron_poll()
        self.assertFalse(polls.calls)
        self.assertEqual(stale.state, "FATAL")
        self.assertIn("Odoo stopped", stale.report_message)
        self.assertEqual(listing.state, "refused")
