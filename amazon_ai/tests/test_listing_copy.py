"""Copy proposals on listings: proposed beside the current text with the
differences and the findings, accepted per field, per listing and in bulk,
recorded; the optional language model endpoint through the host allow-list
(issue 21, item 3; docs/data-protection.md #30)."""

import json
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.amazon_connector.tests.common import sandbox_module
from odoo.addons.amazon_pii.core import purpose as purpose_rules
from odoo.addons.amazon_pii.tests.common import new_test_user

from ..models import amazon_account_copy_llm

US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
KEY = "sk-copy-test-4242"
GOOD = {
    "title": "Acme Trail Bottle, stainless steel, 750 ml",
    "bullets": [
        "Keeps drinks cold for a day",
        "Stainless steel body",
        "Screw lid with a loop",
        "Fits bike bottle cages",
        "Hand wash",
    ],
    "description": "A stainless steel bottle for the trail.",
    "search_terms": "flask canteen hiking",
}


class CopyCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.us = env.ref("amazon_connector.marketplace_us")
        ca = env.ref("amazon_connector.marketplace_ca")
        cls.account = env["amazon.account"].create(
            {
                "name": "Copy seller",
                "seller_id": "COPY1",
                "region": "na",
                "marketplace_ids": [Command.set((cls.us | ca).ids)],
            }
        )
        cls.product = env["product.product"].create(
            {
                "name": "Trail Bottle",
                "description_sale": "Keeps drinks cold for 24 hours. "
                "The screw lid has a carry loop. Money back guarantee!",
                "weight": 0.4,
            }
        )
        # No sign-up mail: Odoo's template rendering warns in tests.
        quiet = env(context=dict(env.context, no_reset_password=True))
        cls.user = new_test_user(
            quiet, login="copy_user", groups="amazon_pii.group_amazon_user"
        )

    def make_listing(self, sku, product=None, title="Old bottle title"):
        return self.env["amazon.listing"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": self.us.id,
                "sku": sku,
                "product_id": (product or self.product).id,
                "attributes": {
                    "item_name": [
                        {"value": title, "marketplace_id": US, "language_tag": "en_US"},
                        {"value": "Bouteille", "marketplace_id": CA},
                    ],
                    "brand": [{"value": "Acme", "marketplace_id": US}],
                },
            }
        )


@tagged("post_install", "-at_install")
class TestCopyProposals(CopyCase):
    def test_proposal_beside_current_text_with_diff_findings_and_card(self):
        listing = self.make_listing("COPY-1").with_user(self.user)
        listing.action_propose_copy()
        proposal = listing.proposal_ids
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.generator, "local")
        self.assertEqual(proposal.generated_by, self.user)
        self.assertTrue(proposal.generated_on)
        fields_ = proposal.line_ids.mapped("field")
        self.assertIn("item_name", fields_)
        self.assertIn("bullet_point", fields_)
        title = proposal.line_ids.filtered(lambda line: line.field == "item_name")
        # The current text of this marketplace, not Canada's.
        self.assertEqual(title.current_text, "Old bottle title")
        self.assertTrue(title.proposed_text.startswith("Acme Trail Bottle"))
        self.assertIn("<del", title.diff_html)
        self.assertIn("Old", title.diff_html)
        self.assertIn("<ins", title.diff_html)
        # The seller's "money back guarantee" is an error: not proposed,
        # and the proposal says it was removed.
        everything = " ".join(proposal.line_ids.mapped("proposed_text"))
        self.assertNotIn("guarantee", everything.lower())
        self.assertIn("Money back guarantee!", proposal.findings_html)
        self.assertIn("copy.guarantee", proposal.findings_html)
        self.assertIn("TF-IDF", proposal.card_html)
        self.assertEqual(listing.proposal_count, 1)

    def test_accept_one_field_writes_amazons_json_and_records_who(self):
        listing = self.make_listing("COPY-2").with_user(self.user)
        listing.action_propose_copy()
        proposal = listing.proposal_ids
        title = proposal.line_ids.filtered(lambda line: line.field == "item_name")
        messages_before = len(listing.message_ids)
        title.action_accept()
        values = listing.attributes["item_name"]
        self.assertEqual(len(values), 2)
        # Canada's value kept; this marketplace's replaced, in Amazon's shape.
        self.assertIn({"value": "Bouteille", "marketplace_id": CA}, values)
        self.assertIn(
            {
                "value": title.proposed_text,
                "marketplace_id": US,
                "language_tag": "en_US",
            },
            values,
        )
        self.assertNotIn("bullet_point", listing.attributes)  # not accepted
        self.assertEqual(title.state, "accepted")
        self.assertEqual(title.accepted_by, self.user)
        self.assertTrue(title.accepted_on)
        self.assertEqual(proposal.state, "partial")
        self.assertEqual(len(listing.message_ids), messages_before + 1)
        self.assertIn("Title", listing.message_ids[0].body)
        self.assertIn("local", listing.message_ids[0].body)
        with self.assertRaises(UserError):
            title.action_accept()  # decided once

    def test_who_decided_and_what_was_proposed_cannot_be_forged(self):
        # Bug: proposals writable by Amazon users let anyone rewrite the
        # proposed text after review, or name somebody else as the decider.
        listing = self.make_listing("COPY-8").with_user(self.user)
        listing.action_propose_copy()
        proposal = listing.proposal_ids
        self.assertEqual(len(proposal), 1)
        line = proposal.line_ids[:1]
        self.assertEqual(len(line), 1)
        line.action_accept()
        self.assertEqual(line.accepted_by, self.user)  # the decision is recorded
        for record, values in (
            (line, {"accepted_by": self.env.ref("base.user_admin").id}),
            (line, {"proposed_text": "Forged"}),
            (proposal, {"generator": "llm:forged"}),
        ):
            with self.assertRaises(AccessError):
                record.write(values)
        with self.assertRaises(AccessError):
            self.env["amazon.listing.proposal"].with_user(self.user).create(
                {"listing_id": listing.id, "generator": "local"}
            )
        self.assertEqual(line.accepted_by, self.user)

    def test_accept_the_listing_writes_every_field(self):
        listing = self.make_listing("COPY-3").with_user(self.user)
        listing.action_propose_copy()
        proposal = listing.proposal_ids
        bullets = proposal.line_ids.filtered(lambda line: line.field == "bullet_point")
        expected = bullets.proposed_text.split("\n")
        self.assertGreaterEqual(len(expected), 3)
        proposal.action_accept_all()
        self.assertEqual(proposal.state, "accepted")
        self.assertEqual(
            [v["value"] for v in listing.attributes["bullet_point"]], expected
        )
        self.assertEqual(
            {
                (v["marketplace_id"], v["language_tag"])
                for v in listing.attributes["bullet_point"]
            },
            {(US, "en_US")},
        )
        self.assertEqual(set(proposal.line_ids.mapped("accepted_by")), {self.user})

    def test_bulk_over_listings_accepts_each_newest_open_proposal(self):
        other = self.env["product.product"].create({"name": "Camp Mug"})
        listings = (
            self.make_listing("COPY-4") | self.make_listing("COPY-5", other)
        ).with_user(self.user)
        listings.action_propose_copy()
        self.assertEqual(len(listings.proposal_ids), 2)
        listings.action_accept_copy_proposals()
        self.assertEqual(set(listings.proposal_ids.mapped("state")), {"accepted"})
        titles = {
            listing.sku: [
                v["value"]
                for v in listing.attributes["item_name"]
                if v["marketplace_id"] == US
            ]
            for listing in listings
        }
        self.assertTrue(titles["COPY-4"][0].startswith("Acme Trail Bottle"))
        self.assertTrue(titles["COPY-5"][0].startswith("Acme Camp Mug"))
        with self.assertRaises(UserError):
            listings.action_accept_copy_proposals()  # nothing open any more

    def test_the_sellers_other_listings_feed_the_keywords(self):
        self.make_listing("COPY-6", title="Insulated hiking flask")
        listing = self.make_listing("COPY-7")
        data = listing._copy_product_data()
        self.assertEqual(
            [lst["title"] for lst in data["listings"]], ["Insulated hiking flask"]
        )
        self.assertEqual(data["brand"], "Acme")
        self.assertIn("0.4 kg", data["measures"])


@tagged("post_install", "-at_install")
class TestCopyEndpoint(CopyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ChatServer = sandbox_module("chat_completions").ChatServer
        cls.server = ChatServer(api_key=KEY, answer=json.dumps(GOOD)).start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.answer = json.dumps(GOOD)

    def configure(self, url=None):
        self.account.write(
            {
                "copy_llm_url": url or self.server.url,
                "copy_llm_model": "llama3.1",
                "copy_llm_key": KEY,
            }
        )

    def test_endpoint_proposal_through_the_allow_list(self):
        self.configure()
        listing = self.make_listing("LLM-1").with_user(self.user)
        self.assertTrue(listing.copy_llm_enabled)
        listing.action_propose_copy_llm()
        proposal = listing.proposal_ids
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.generator, "llm:llama3.1")
        title = proposal.line_ids.filtered(lambda line: line.field == "item_name")
        self.assertEqual(title.proposed_text, GOOD["title"])
        self.assertIn("llama3.1", proposal.card_html)
        ((headers, body),) = self.server.requests
        # The key came out of the vault into the header, and only there.
        self.assertEqual(headers["Authorization"], f"Bearer {KEY}")
        self.assertNotIn(KEY, json.dumps(body))

    def test_prompt_of_a_product_with_orders_has_no_order_or_buyer_data(self):
        buyer = self.env["res.partner"].create(
            {"name": "Jane Roe", "email": "jane.roe@example.com", "street": "1 Elm St"}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": buyer.id,
                "amazon_account_id": self.account.id,
                "amazon_order_id": "111-2223334-5556667",
                "amazon_marketplace_id": self.us.id,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_confirm()
        self.assertEqual(order.order_line.product_id, self.product)
        self.configure()
        self.make_listing("LLM-2").with_user(self.user).action_propose_copy_llm()
        ((_headers, body),) = self.server.requests
        sent = json.dumps(body)
        self.assertIn("Trail Bottle", sent)  # it does see the product
        for value in (
            "Jane Roe",
            "jane.roe@example.com",
            "1 Elm St",
            "111-2223334-5556667",
            order.name,
            "buyer",
            "partner",
        ):
            self.assertNotIn(value, sent)

    def test_a_rule_breaking_answer_is_not_proposed_as_is(self):
        self.configure()
        self.server.answer = json.dumps(
            dict(
                GOOD,
                title="Acme Trail Bottle!! Best Seller",
                bullets=["Kills 99.9% of germs", "Fits bike bottle cages"],
                search_terms="acme flask cheapest",
            )
        )
        listing = self.make_listing("LLM-3").with_user(self.user)
        listing.action_propose_copy_llm()
        lines = {line.field: line for line in listing.proposal_ids.line_ids}
        self.assertEqual(lines["item_name"].proposed_text, "Acme Trail Bottle")
        self.assertEqual(lines["bullet_point"].proposed_text, "Fits bike bottle cages")
        self.assertEqual(lines["generic_keyword"].proposed_text, "flask")
        self.assertIn("claim.pesticide", listing.proposal_ids.findings_html)

    def test_hosts_outside_the_allow_list_are_refused(self):
        # A remote host the configuration file does not name.
        with self.assertRaises(ValidationError):
            self.configure("https://ollama.example.com/v1")
        # A loopback host when the configuration does not allow local ones.
        with (
            patch.object(
                amazon_account_copy_llm, "local_endpoints_allowed", lambda: False
            ),
            self.assertRaises(ValidationError),
        ):
            self.configure()
        # An Ollama beside Odoo, named by the configuration file: accepted
        # without the tests' switch for local endpoints.
        with (
            patch.object(
                amazon_account_copy_llm, "local_endpoints_allowed", lambda: False
            ),
            patch.dict(
                amazon_account_copy_llm.config.options,
                {"amazon_llm_endpoint_hosts": "127.0.0.1"},
            ),
        ):
            self.configure()
        # Named by the configuration file: accepted at save; and checked
        # again at use, when the configuration no longer names it.
        with patch.dict(
            amazon_account_copy_llm.config.options,
            {"amazon_llm_endpoint_hosts": "ollama.example.com"},
        ):
            self.configure("https://ollama.example.com/v1")
        listing = self.make_listing("LLM-4").with_user(self.user)
        with self.assertRaises(UserError) as refused:
            listing.action_propose_copy_llm()
        self.assertIn("refused", str(refused.exception))
        self.assertEqual(self.server.requests, [])

    def test_only_administrators_with_2fa_set_the_endpoint(self):
        admin = new_test_user(
            self.env(context=dict(self.env.context, no_reset_password=True)),
            login="copy_admin",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )
        with self.assertRaises(AccessError) as refused:
            self.account.with_user(admin).write({"copy_llm_url": self.server.url})
        # Refused for the missing second factor, not for the model's rights.
        self.assertEqual(str(refused.exception), purpose_rules.TOTP_HINT)
        self.assertFalse(self.account.sudo().copy_llm_url)
