"""Bulk edit of listings against the local SP-API sandbox: one attribute set
or cleared on several listings, checked per product type, sent as one feed,
with each listing's result from the feed's processing report."""

import copy
import json

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

from .test_listings import EANS, ListingCase, Recorder


@tagged("post_install", "-at_install")
class TestListingBulkEdit(ListingCase):
    def live_listings(self, codes):
        """Listings Amazon holds (sent by the create wizard's feed)."""
        products = self.env["product.product"]
        for code, ean in codes:
            products |= self.make_product(code, ean)
        action = self.wizard(products).action_submit_feed()
        self.poll_until_done(self.env["amazon.listing.feed"].search(action["domain"]))
        listings = self.listings(products)
        self.assertEqual(len(listings), len(codes))
        self.assertEqual(set(listings.mapped("on_amazon")), {True})
        return listings

    def other_type(self, name, schema):
        """A product type of the US marketplace stored as if downloaded."""
        return (
            self.env["amazon.product.type"]
            .sudo()
            .create(
                {
                    "name": name,
                    "marketplace_id": self.us.id,
                    "locale": "en_US",
                    "schema": schema,
                    "version": f"{name}-1",
                    "checked_on": fields.Datetime.now(),
                    "fetched_on": fields.Datetime.now(),
                }
            )
        )

    def copy_listing(self, listing, sku, product_type):
        return self.env["amazon.listing"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": self.us.id,
                "sku": sku,
                "product_type_id": product_type.id,
                "attributes": copy.deepcopy(listing.attributes),
            }
        )

    def bulk(self, listings, attribute, **values):
        action = self.env["amazon.listing.bulk.edit"]._open_for(listings)
        wizard = self.env["amazon.listing.bulk.edit"].browse(action["res_id"])
        chosen = wizard.attribute_ids.filtered(lambda a: a.name == attribute)
        self.assertEqual(len(chosen), 1, attribute)
        wizard.write({"attribute_id": chosen.id, **values})
        return wizard

    def line(self, wizard, listing):
        found = wizard.line_ids.filtered(lambda line: line.listing_id == listing)
        self.assertEqual(len(found), 1, listing.sku)
        return found

    def test_set_a_value_on_three_listings_sends_one_feed(self):
        live = self.live_listings([("BE-1", EANS[0]), ("BE-2", EANS[1])])
        fresh = self.make_product("BE-3", EANS[2])
        self.wizard(fresh).action_generate()  # in Odoo only: sent in full
        draft = self.listings(fresh)
        self.assertFalse(draft.on_amazon)
        listings = live | draft
        wizard = self.bulk(listings, "color", value_text="Forest green")
        self.assertEqual(wizard.kind, "text")  # the form the schema calls for
        with (
            Recorder("create_feed") as created,
            Recorder("upload_feed_document") as uploads,
        ):
            wizard.action_submit()
        # Catches: one feed per listing, or single submissions.
        self.assertEqual(len(created.calls), 1)
        self.assertEqual(len(wizard.feed_ids), 1)
        content = json.loads(uploads.calls[0][0][1])
        operations = {m["sku"]: m["operationType"] for m in content["messages"]}
        # Listings Amazon holds are patched, the others put in full.
        self.assertEqual(
            operations, {"BE-1": "PATCH", "BE-2": "PATCH", "BE-3": "UPDATE"}
        )
        self.assertEqual(wizard.line_ids.mapped("state"), ["sent"] * 3)
        self.assertEqual(wizard.line_ids.mapped("result"), ["waiting"] * 3)

        self.poll_until_done(wizard.feed_ids)
        self.env.invalidate_all()  # a new request reads afresh
        self.assertEqual(wizard.feed_ids.state, "DONE")
        self.assertEqual(wizard.line_ids.mapped("result"), ["accepted"] * 3)
        for sku in ("BE-1", "BE-2", "BE-3"):
            self.assertEqual(
                self.on_amazon(sku)["attributes"]["color"][0]["value"],
                "Forest green",
                sku,
            )

    def test_an_invalid_listing_is_parked_and_a_foreign_type_left_out(self):
        live = self.live_listings([("BI-1", EANS[0]), ("BI-2", EANS[1])])
        # A stricter product type: colour names of at most 5 characters.
        strict_schema = copy.deepcopy(live[0].product_type_id.schema)
        color = strict_schema["properties"]["color"]["items"]["properties"]["value"]
        color["maxLength"] = 5
        strict = self.copy_listing(
            live[0], "BI-STRICT", self.other_type("STRICT_PRODUCT", strict_schema)
        )
        # A product type without any colour.
        narrow = self.copy_listing(
            live[0],
            "BI-NARROW",
            self.other_type(
                "NARROW_PRODUCT",
                {
                    "type": "object",
                    "properties": {"item_name": {"title": "Item Name"}},
                    "required": ["item_name"],
                },
            ),
        )
        before = {lst.sku: copy.deepcopy(lst.attributes) for lst in strict | narrow}
        listings = live | strict | narrow
        wizard = self.bulk(listings, "color", value_text="Forest green")
        with Recorder("create_feed") as created:
            wizard.action_submit()
        self.assertEqual(len(created.calls), 1)
        self.assertEqual(wizard.feed_ids.message_count, 2)  # the two valid ones
        self.assertEqual(wizard.feed_ids.listing_ids, live)
        parked = self.line(wizard, strict)
        self.assertEqual(parked.state, "invalid")
        self.assertIn("color", parked.message)
        left = self.line(wizard, narrow)
        self.assertEqual(left.state, "left_out")
        self.assertIn("NARROW_PRODUCT", left.message)
        self.assertIn("BI-NARROW", left.message)
        # Nothing else lost: the left-out listings keep their attributes.
        for listing in strict | narrow:
            self.assertEqual(listing.attributes, before[listing.sku], listing.sku)
        self.poll_until_done(wizard.feed_ids)
        for sku in ("BI-1", "BI-2"):
            self.assertEqual(
                self.on_amazon(sku)["attributes"]["color"][0]["value"], "Forest green"
            )

    def test_clear_an_attribute_and_refuse_clearing_a_required_one(self):
        live = self.live_listings([("BC-1", EANS[0]), ("BC-2", EANS[1])])
        # Present first, so its absence afterwards means it was cleared.
        for sku in ("BC-1", "BC-2"):
            self.assertIn("item_package_weight", self.on_amazon(sku)["attributes"])
        wizard = self.bulk(live, "item_package_weight", operation="clear")
        wizard.action_submit()
        self.assertEqual(wizard.line_ids.mapped("state"), ["sent", "sent"])
        self.poll_until_done(wizard.feed_ids)
        for sku in ("BC-1", "BC-2"):
            self.assertNotIn("item_package_weight", self.on_amazon(sku)["attributes"])

        required = self.bulk(live, "color", operation="clear")
        with Recorder("create_feed") as created:
            required.action_submit()
        self.assertEqual(created.calls, [])  # nothing sent
        self.assertEqual(required.line_ids.mapped("state"), ["invalid", "invalid"])
        for listing in live:
            message = self.line(required, listing).message
            self.assertIn(listing.sku, message)
            self.assertIn("requires", message)
            self.assertIn("color", listing.attributes)

    def test_number_with_unit_and_rights(self):
        live = self.live_listings([("BR-1", EANS[3])])
        wizard = self.bulk(live, "item_weight", value_number=1.25)
        self.assertEqual(wizard.kind, "number")
        self.assertTrue(wizard.has_units)
        # No unit chosen: a number without unit is not Amazon's value.
        with self.assertRaisesRegex(UserError, "unit"):
            wizard.action_check()
        wizard.unit_id = wizard.attribute_id.choice_ids.filtered(
            lambda c: c.role == "unit" and json.loads(c.value) == "pounds"
        )
        wizard.action_check()
        self.assertEqual(wizard.line_ids.state, "ready")
        # Checking writes nothing on the listing.
        self.assertNotIn("item_weight", live.attributes)

        plain = new_test_user(self.env, login="bulk_plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["amazon.listing.bulk.edit"].with_user(plain)._open_for(
                live.with_user(plain)
            )
        with self.assertRaises(AccessError):
            wizard.with_user(plain).action_submit()
        self.assertNotIn("item_weight", live.attributes)

    def test_amazon_refusal_is_shown_per_listing_with_its_message(self):
        product = self.make_product("BX-1", EANS[2])
        self.wizard(product).action_generate()  # not on Amazon: sent in full
        listing = self.listings(product)
        self.assertEqual(len(listing), 1)
        # Amazon is stricter than the stored schema (a rule the cached copy
        # lacks): the local check passes, Amazon's processing refuses.
        ptype = listing.product_type_id.sudo()
        relaxed = copy.deepcopy(ptype.schema)
        relaxed["properties"]["color"]["items"]["properties"]["value"].pop("maxLength")
        ptype.write({"schema": relaxed, "version": "relaxed-copy"})
        wizard = self.bulk(listing, "color", value_text="Blue " * 250)
        wizard.action_submit()
        self.assertEqual(wizard.line_ids.state, "sent")
        self.poll_until_done(wizard.feed_ids)
        self.env.invalidate_all()
        line = wizard.line_ids
        self.assertEqual(line.result, "refused")
        self.assertEqual(listing.state, "refused")
        # Amazon's own words, from the processing report, name the attribute.
        feed_issues = listing.issue_ids.filtered(lambda i: i.source == "feed")
        self.assertTrue(feed_issues)
        self.assertIn("color", feed_issues.mapped("attribute"))
        for issue in feed_issues:
            self.assertIn(issue.message, line.result_message)
