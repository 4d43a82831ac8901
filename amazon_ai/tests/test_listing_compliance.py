"""Compliance findings on listings and the submission gate (issue 21,
item 2), end to end against the local SP-API sandbox: warnings shown and
never blocking, an error blocking the single submission and the feed (the
sandbox proves it received nothing), a manager's recorded override, a plain
user refused, Amazon's restrictions with Amazon's link, and a changed text
needing a new override.

The expected findings are written here from the texts (a pesticide claim,
an unqualified environmental claim), not read back from the engine."""

import json
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.amazon_connector.tests.test_listing_families import (
    APPAREL,
    FAMILY_COMMON,
    FamilyCase,
)
from odoo.addons.amazon_connector.tests.test_listings import (
    EANS,
    Recorder,
)
from odoo.addons.amazon_pii.tests.common import new_test_user

from ..core.listing_compliance import MESSAGES as RESTRICTION_MESSAGES
from ..core.listing_findings import MESSAGES
from ..models import amazon_listing_compliance
from ..models.listing_compliance_texts import compliance_texts

GERMS = "Kills 99.9% of germs."
APPROVAL_LINK = (
    "https://sellercentral.amazon.com/hz/approvalrequest/restrictions/"
    "approve?asin=B0GATED001"
)


@tagged("post_install", "-at_install")
class TestListingCompliance(FamilyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "compliance_manager",
            groups="base.group_user,amazon_pii.group_amazon_manager",
        )
        cls.user = new_test_user(
            cls.env,
            "compliance_user",
            groups="base.group_user,amazon_pii.group_amazon_user",
        )

    def generated(self, code, ean, description, **wizard):
        product = self.make_product(code, ean, description_sale=description)
        self.wizard(product, **wizard).action_generate()
        listing = self.listings(product)
        self.assertEqual(len(listing), 1)
        self.assertEqual(listing.state, "valid")  # the schema is satisfied
        return listing

    def submit(self, listing):
        """Submit; the refusal's text, or None when it was sent. Not
        assertRaises: its savepoint would undo what the gate recorded in its
        own transaction (a separate commit in production)."""
        try:
            listing.action_submit()
        except UserError as exc:
            self.env.invalidate_all()
            return str(exc)
        self.env.invalidate_all()
        return None

    def at_amazon(self, sku):
        self.env.flush_all()
        with self.account._client() as client:
            return client.find_listings_item(
                sku, marketplace_ids=[self.us.amazon_id], included_data=["summaries"]
            )

    def findings(self, listing, rule):
        return listing.amazon_finding_ids.filtered(lambda f: f.rule == rule)

    def test_warnings_are_shown_and_never_block(self):
        clean = self.generated("CMP-0", EANS[0], "A lunch box that keeps food fresh.")
        clean.action_amazon_check_compliance()
        # The absence below means something: the same check finds the
        # warning once the text makes the claim.
        self.assertEqual(clean.amazon_compliance_state, "clean")
        self.assertFalse(clean.amazon_finding_ids)

        listing = self.generated("CMP-1", EANS[1], "Eco-friendly lunch box.")
        listing.action_amazon_check_compliance()
        found = self.findings(listing, "claim.environmental")
        self.assertEqual(len(found), 1)
        self.assertEqual(found.severity, "warning")
        self.assertEqual(found.attribute, "product_description")
        self.assertEqual(found.span, "Eco-friendly")
        self.assertIn("Eco-friendly", found.message)
        self.assertTrue(found.hint)
        self.assertEqual(listing.amazon_compliance_state, "warning")
        self.assertEqual(listing.amazon_compliance_errors, 0)

        self.assertIsNone(self.submit(listing))
        self.assertEqual(listing.state, "pending")
        self.assertIsNotNone(self.at_amazon("CMP-1"))

    def test_an_error_blocks_the_single_submission_and_the_feed(self):
        listing = self.generated("CMP-2", EANS[2], GERMS)
        with Recorder("put_listings_item") as puts:
            refusal = self.submit(listing)
        self.assertIn("CMP-2", refusal or "")
        self.assertFalse(puts.calls)
        self.assertIsNone(self.at_amazon("CMP-2"))
        self.assertEqual(listing.state, "valid")  # unchanged, to fix and send
        # The gate recorded what it found, though the submission was refused.
        found = self.findings(listing, "claim.pesticide")
        self.assertEqual(len(found), 1)
        self.assertEqual(found.severity, "error")
        self.assertEqual(found.attribute, "product_description")
        self.assertEqual(listing.amazon_compliance_state, "error")

        # The create wizard's feed: one clean product and one with the
        # claim; the clean one goes, the other is left out with its reason.
        good = self.make_product("CMP-3", EANS[3])
        bad = self.make_product(
            "CMP-4", "4006381333948", description_sale="Antibacterial lunch box."
        )
        wizard = self.wizard(good | bad)
        with Recorder("create_feed") as feeds:
            wizard.action_submit_feed()
        self.env.invalidate_all()
        # Bug caught: one bad listing refusing (or letting through) the
        # whole feed.
        self.assertEqual(len(feeds.calls), 1)
        sent = self.env["amazon.listing.feed"].search(
            [("listing_ids", "in", self.listings(good | bad).ids)]
        )
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.listing_ids, self.listings(good))
        parked = self.listings(bad)
        self.assertEqual(len(parked), 1)
        self.assertNotEqual(parked.state, "sending")
        self.assertFalse(parked.feed_id)
        said = parked.message_ids.filtered(lambda m: "Left out of the feed" in m.body)
        self.assertEqual(len(said), 1)
        self.assertIn("CMP-4", said.body)
        self.assertEqual(len(self.findings(parked, "claim.pesticide")), 1)

        # A feed of blocked listings only is refused as a whole, saying why.
        with Recorder("create_feed") as feeds:
            try:
                entry = (parked, parked._feed_message(), {})
                self.env["amazon.listing.feed"]._submit(self.account, self.us, [entry])
            except UserError as exc:
                self.assertIn("CMP-4", str(exc))
            else:
                self.fail("a feed of blocked listings only was sent")
        self.assertFalse(feeds.calls)

    def test_a_bulk_edit_holds_back_a_blocked_listing_and_sends_the_rest(self):
        clean = self.generated("CMP-B1", "4006381333962", "A fresh lunch box.")
        blocked = self.generated("CMP-B2", "4006381333979", GERMS)
        Bulk = self.env["amazon.listing.bulk.edit"]
        wizard = Bulk.browse(Bulk._open_for(clean | blocked)["res_id"])
        color = wizard.attribute_ids.filtered(lambda a: a.name == "color")
        self.assertEqual(len(color), 1)
        wizard.write({"attribute_id": color.id, "value_text": "Forest green"})
        with Recorder("create_feed") as feeds:
            wizard.action_submit()
        self.env.invalidate_all()
        # Bugs caught: the gate refusing the whole bulk edit for one listing,
        # and the wizard calling a held-back listing "sent".
        self.assertEqual(len(feeds.calls), 1)
        self.assertEqual(wizard.feed_ids.listing_ids, clean)
        states = {line.listing_id: line.state for line in wizard.line_ids}
        self.assertEqual(states, {clean: "sent", blocked: "held"})

    def test_the_wizard_shows_each_listings_findings_before_submission(self):
        good = self.make_product("CMP-5", EANS[0])
        bad = self.make_product("CMP-6", EANS[1], description_sale=GERMS)
        wizard = self.wizard(good | bad)
        wizard.action_amazon_check_compliance()
        lines = {line.sku: line for line in wizard.amazon_compliance_line_ids}
        self.assertEqual(set(lines), {"CMP-5", "CMP-6"})
        self.assertEqual(lines["CMP-5"].compliance_state, "clean")
        self.assertEqual(lines["CMP-6"].compliance_state, "error")
        self.assertEqual(lines["CMP-6"].errors, 1)
        self.assertIn("germs", lines["CMP-6"].summary)
        self.assertIsNone(self.at_amazon("CMP-6"))  # checking sends nothing

    def test_manager_override_with_reason_lets_it_through_and_is_recorded(self):
        listing = self.generated("CMP-7", EANS[2], GERMS)
        listing.action_amazon_check_compliance()
        error = self.findings(listing, "claim.pesticide")
        self.assertEqual(len(error), 1)
        fingerprint = error.fingerprint  # the rows are rewritten by each check
        Override = self.env["amazon.listing.compliance.override"]
        Wizard = self.env["amazon.listing.compliance.override.wizard"]

        # A plain user: neither the button nor the form's confirmation.
        with self.assertRaises(AccessError):
            listing.with_user(self.user).action_amazon_override_compliance()
        form = Wizard.with_user(self.user).create(
            {"listing_id": listing.id, "reason": "I say so"}
        )
        with self.assertRaises(AccessError):
            form.action_confirm()
        with self.assertRaises(AccessError):
            Override.with_user(self.user).create(
                {
                    "listing_id": listing.id,
                    "user_id": self.user.id,
                    "reason": "forged",
                    "fingerprints": [fingerprint],
                }
            )
        self.assertFalse(Override.search([("listing_id", "=", listing.id)]))

        reason = "EPA registration 1234-56 covers the claim."
        Wizard.with_user(self.manager).create(
            {"listing_id": listing.id, "reason": reason}
        ).action_confirm()
        override = Override.search([("listing_id", "=", listing.id)])
        self.assertEqual(len(override), 1)
        self.assertEqual(override.user_id, self.manager)
        self.assertEqual(override.reason, reason)
        self.assertEqual(override.fingerprints, [fingerprint])
        self.assertIn("germs", override.findings_text)
        self.assertTrue(override.overridden_on)
        self.assertTrue(self.findings(listing, "claim.pesticide").overridden)
        self.assertEqual(listing.amazon_compliance_state, "overridden")

        self.assertIsNone(self.submit(listing))
        self.assertEqual(listing.state, "pending")
        self.assertIsNotNone(self.at_amazon("CMP-7"))

    def test_a_changed_text_voids_the_override(self):
        listing = self.generated("CMP-8", EANS[3], GERMS)
        listing.action_amazon_check_compliance()
        self.env["amazon.listing.compliance.override.wizard"].with_user(
            self.manager
        ).create({"listing_id": listing.id, "reason": "Registered."}).action_confirm()
        attributes = dict(listing.attributes)
        attributes["product_description"] = [
            dict(
                attributes["product_description"][0],
                value="Kills 99.9% of germs on every surface.",
            )
        ]
        listing.attributes = attributes
        refusal = self.submit(listing)
        self.assertIn("CMP-8", refusal or "")
        self.assertIsNone(self.at_amazon("CMP-8"))
        found = self.findings(listing, "claim.pesticide")
        self.assertEqual(len(found), 1)
        self.assertFalse(found.overridden)
        # The old override stays as the record of what it covered.
        self.assertEqual(len(listing.amazon_override_ids), 1)
        self.assertEqual(listing.amazon_compliance_state, "error")

    def test_amazons_restrictions_are_shown_with_amazons_link(self):
        listing = self.generated("CMP-9", EANS[0], "A lunch box.")
        listing.asin = "B0GATED001"
        listing.action_amazon_check_compliance()
        found = self.findings(listing, "restriction.approval_required")
        self.assertEqual(len(found), 1)
        self.assertEqual(found.source, "restriction")
        self.assertEqual(found.severity, "error")
        self.assertIn(APPROVAL_LINK, found.links_html)
        self.assertIn("You need approval", found.message)  # Amazon's reason
        self.assertIn("B0GATED001", found.message)
        self.assertTrue(listing.amazon_restrictions_read_on)
        self.assertIn("CMP-9", self.submit(listing) or "")

        # Gated only in used conditions: new is fine, used is restricted.
        new = self.generated("CMP-10", EANS[1], "A lunch box.")
        new.asin = "B0USEDG001"
        new.action_amazon_check_compliance()
        self.assertTrue(new.amazon_restrictions_read_on)
        self.assertFalse(new.amazon_finding_ids)
        used = self.generated("CMP-11", EANS[2], "A lunch box.", condition="used_good")
        used.asin = "B0USEDG002"
        used.action_amazon_check_compliance()
        found = self.findings(used, "restriction.approval_required")
        self.assertEqual(len(found), 1)
        self.assertIn("Used - Good", found.message)

    def test_restrictions_are_read_once_per_asin_and_a_few_per_click(self):
        # Bugs caught: one getListingsRestrictions call per listing (two
        # listings of one ASIN read twice), and a check of many listings
        # keeping the person's page waiting on Amazon's 5 calls a second.
        listings = self.env["amazon.listing"]
        for index, asin in enumerate(("B0GATED001", "B0GATED001", "B0X2", "B0X3")):
            listing = self.generated(f"CMP-R{index}", EANS[index], "A lunch box.")
            listing.asin = asin
            listings |= listing
        with (
            patch.object(amazon_listing_compliance, "RESTRICTIONS_READS_PER_CHECK", 2),
            Recorder("get_listings_restrictions") as reads,
        ):
            listings.action_amazon_check_compliance()
        self.assertEqual([args[0] for args, _kw in reads.calls], ["B0GATED001", "B0X2"])
        # One reading, both listings of the ASIN judged by it.
        for listing in listings[:2]:
            self.assertEqual(
                len(self.findings(listing, "restriction.approval_required")), 1
            )
            self.assertTrue(listing.amazon_restrictions_read_on)
        self.assertFalse(listings[2].amazon_finding_ids)
        self.assertTrue(listings[2].amazon_restrictions_read_on)
        # The fourth is said not to be read yet, not silently clean.
        unread = self.findings(listings[3], "restriction.unread")
        self.assertEqual(len(unread), 1)
        self.assertIn("not read in this check", unread.message)
        self.assertFalse(listings[3].amazon_restrictions_read_on)
        # The next check reads only what is still due.
        with Recorder("get_listings_restrictions") as reads:
            listings.action_amazon_check_compliance()
        self.assertEqual([args[0] for args, _kw in reads.calls], ["B0X3"])
        self.assertFalse(self.findings(listings[3], "restriction.unread"))

    def test_without_credentials_the_rules_still_run_and_say_why(self):
        # Bug caught: an account without credentials yet made "Check
        # compliance" fail as a whole (the text rules are useful before
        # the seller connects Amazon).
        listing = self.generated("CMP-NC", EANS[0], GERMS)
        listing.asin = "B0GATED001"
        Account = type(self.account)
        refusal = UserError("Amazon account X has no client ID")
        with patch.object(Account, "_client", side_effect=refusal):
            listing.action_amazon_check_compliance()
        unread = self.findings(listing, "restriction.unread")
        self.assertEqual(len(unread), 1)
        self.assertIn("has no client ID", unread.message)
        self.assertEqual(len(self.findings(listing, "claim.pesticide")), 1)

    def test_a_family_whose_parent_is_held_back_holds_its_children(self):
        # Bug caught: the parent left out of the feed for a compliance error
        # while its children went, each refused by Amazon for the missing
        # parent.
        template = self.make_template("Tote", {"Colour": ["Red", "Blue"]}, "tote")
        self.wizard(
            template.product_variant_ids,
            product_type=APPAREL,
            common_attributes=json.dumps(FAMILY_COMMON),
        ).action_generate()
        parent = self.env["amazon.listing"].search([("sku", "=", "TOTE-PARENT")])
        self.assertEqual(len(parent), 1)
        children = parent.child_ids
        self.assertEqual(len(children), 2)
        # Amazon gates the parent's suggested ASIN: an error on it alone.
        parent.attributes = {
            **parent.attributes,
            "merchant_suggested_asin": [{"value": "B0GATED001"}],
        }
        entries = [(lst, lst._feed_message(), {}) for lst in parent | children]
        with Recorder("create_feed") as feeds:
            try:
                self.env["amazon.listing.feed"]._submit(self.account, self.us, entries)
            except UserError as exc:
                self.assertIn("TOTE-PARENT", str(exc))
            else:
                self.fail("the children of a held-back parent were sent")
        self.assertFalse(feeds.calls)
        self.env.invalidate_all()
        self.assertEqual(len(self.findings(parent, "restriction.approval_required")), 1)
        for child in children:
            self.assertNotEqual(child.amazon_compliance_state, "error")
            said = child.message_ids.filtered(lambda m: "TOTE-PARENT" in m.body)
            self.assertEqual(len(said), 1)
            self.assertIn("Left out of the feed", said.body)
        # Once Amazon holds the parent, its children go on their own.
        parent.on_amazon = True
        with Recorder("create_feed") as feeds:
            entries = [(lst, lst._feed_message(), {}) for lst in children]
            self.env["amazon.listing.feed"]._submit(self.account, self.us, entries)
        self.assertEqual(len(feeds.calls), 1)

    def test_the_products_own_attributes_are_compared_with_the_copy(self):
        """Odoo's variant value (colour) and weight reach the consistency
        rules: the copy's "blue" and "2 kg" contradict a red 0.4 kg box."""
        color = self.env["product.attribute"].create(
            {
                "name": "Color",
                "value_ids": [
                    Command.create({"name": "Red"}),
                    Command.create({"name": "Blue"}),
                ],
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "Lunch box",
                "is_storable": True,
                "list_price": 19.99,
                "country_of_origin": self.germany.id,
                "description_sale": "A blue lunch box that weighs 2 kg.",
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": color.id,
                            "value_ids": [Command.set(color.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        red = template.product_variant_ids.filtered(
            lambda p: p.product_template_attribute_value_ids.name == "Red"
        )
        self.assertEqual(len(red), 1)
        # A template with variants keeps weights per variant.
        red.write({"default_code": "CMP-12", "barcode": EANS[3], "weight": 0.4})
        self.wizard(red).action_generate()
        listing = self.listings(red)
        self.assertEqual(len(listing), 1)
        listing.action_amazon_check_compliance()
        colour = self.findings(listing, "consistency.color")
        self.assertEqual(colour.mapped("span"), ["blue"])
        self.assertIn("Red", colour.message)
        weight = self.findings(listing, "consistency.measure")
        self.assertEqual(weight.mapped("span"), ["2 kg"])
        self.assertEqual(weight.severity, "error")

    def test_every_rule_has_its_translatable_text(self):
        """The Odoo layer's literal templates say what the core says: a rule
        added or reworded in core without its translatable copy fails."""
        english = compliance_texts(self.env(context={"lang": "en_US"}))
        core = {
            rule: (message, hint)
            for rule, (_severity, message, hint) in {
                **MESSAGES,
                **RESTRICTION_MESSAGES,
            }.items()
        }
        self.assertEqual(english, core)
