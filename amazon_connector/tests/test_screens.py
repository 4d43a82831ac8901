"""Screens people understand (issue #19, item 4): the Amazon order form
hides what does not apply, products reach their listings, technical JSON
only in developer mode, live listings do not call "Missing" what Amazon has."""

import re

from lxml import etree

from odoo import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval
from odoo.tools.view_validation import get_expression_field_names

from odoo.addons.amazon_connector.core.listings import amazon_issue
from odoo.addons.amazon_pii.tests.common import new_test_user

# Hidden on an Amazon order, and why (amazon_connector/readme/USAGE.md).
HIDDEN = (
    "//button[@id='send_by_email_primary']",  # e-mail to the buyer
    "//button[@id='send_by_email']",
    "//button[@id='send_proforma_primary']",
    "//button[@id='send_proforma']",
    "//header/button[@name='action_preview_sale_order']",  # portal preview
    "//button[@id='action_confirm']",  # Amazon confirms
    "//header/button[@name='action_confirm'][not(@id)]",
    "//button[@name='action_update_prices']",  # Amazon's prices
    "//button[@name='action_open_discount_wizard']",
    "//button[@name='action_open_delivery_wizard']",  # Amazon's shipping
)


class ScreensCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("amazon_connector.marketplace_us")
        cls.account = cls.env["amazon.account"].create(
            {
                "name": "Screens seller",
                "seller_id": "SCREENS1",
                "region": "na",
                "marketplace_ids": [Command.set(cls.us.ids)],
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Screens mug", "is_storable": True, "list_price": 12.0}
        )
        cls.user = new_test_user(
            cls.env,
            login="screens_seller",
            groups="sales_team.group_sale_manager,sale.group_proforma_sales,"
            "sale.group_discount_per_so_line,product.group_product_pricelist,"
            "amazon_pii.group_amazon_manager",
        )

    def listing(self, sku, product=None, **vals):
        return self.env["amazon.listing"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": self.us.id,
                "sku": sku,
                "product_id": (product or self.product).id,
                **vals,
            }
        )


@tagged("post_install", "-at_install")
class TestAmazonOrderForm(ScreensCase):
    def order(self, **vals):
        partner = self.env["res.partner"].create({"name": "Screens customer"})
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
                **vals,
            }
        )

    def amazon_order(self):
        return self.order(
            amazon_account_id=self.account.id,
            amazon_order_id="111-0000000-0000019",
            amazon_marketplace_id=self.us.id,
            amazon_channel="mfn",
            amazon_status="UNSHIPPED",
        )

    def form(self):
        arch = (
            self.env["sale.order"]
            .with_user(self.user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        return etree.fromstring(arch)

    def invisible(self, node, order):
        """The node's ``invisible`` expression evaluated on ``order``, as the
        web client evaluates it (many2one: id, x2many: ids)."""
        expr = node.get("invisible")
        if not expr:
            return False
        values = {}
        for name in get_expression_field_names(expr):
            field = order._fields[name]
            value = order[name]
            if field.type == "many2one":
                value = value.id
            elif field.type in ("one2many", "many2many"):
                value = value.ids
            values[name] = value
        return bool(safe_eval(expr, values))

    def nodes(self, tree, xpath):
        found = tree.xpath(xpath)
        self.assertTrue(found, f"{xpath} is not in the sales order form")
        return found

    def test_actions_that_do_not_apply_are_hidden_on_amazon_orders(self):
        tree = self.form()
        amazon = self.amazon_order()
        for xpath in HIDDEN:
            for node in self.nodes(tree, xpath):
                # Bug caught: "Send by Email" to a pseudonymous Amazon buyer,
                # "Add shipping" on an order whose shipping Amazon charged.
                self.assertTrue(self.invisible(node, amazon), xpath)

    def test_ordinary_orders_keep_them(self):
        # The check above sees the buttons: on an ordinary quotation they show.
        tree = self.form()
        ordinary = self.order()
        self.assertEqual(ordinary.state, "draft")
        for xpath in (
            "//button[@id='send_by_email_primary']",
            "//button[@id='send_proforma_primary']",
            "//header/button[@name='action_preview_sale_order']",
            "//header/button[@name='action_confirm'][not(@id)]",
            "//button[@name='action_open_discount_wizard']",
            "(//button[@name='action_open_delivery_wizard'])[1]",
        ):
            (node,) = self.nodes(tree, xpath)
            self.assertFalse(self.invisible(node, ordinary), xpath)
        ordinary.action_confirm()
        for xpath in ("//button[@id='send_by_email']", "//button[@id='send_proforma']"):
            (node,) = self.nodes(tree, xpath)
            self.assertFalse(self.invisible(node, ordinary), xpath)

    def test_amazon_actions_stay(self):
        tree = self.form()
        amazon = self.amazon_order()
        (resync,) = self.nodes(tree, "//button[@name='action_amazon_resync']")
        self.assertFalse(self.invisible(resync, amazon))
        (cancel,) = self.nodes(tree, "//header/button[@name='action_cancel']")
        self.assertFalse(self.invisible(cancel, amazon))


@tagged("post_install", "-at_install")
class TestProductListingsButton(ScreensCase):
    def test_count_and_action_of_template_and_variant(self):
        other = self.env["product.product"].create({"name": "Screens plate"})
        mine = self.listing("SCR-1") | self.listing("SCR-2")
        theirs = self.listing("SCR-3", product=other)
        template = self.product.product_tmpl_id.with_user(self.user)
        variant = self.product.with_user(self.user)
        # Bug caught: no way from the product to its listings.
        self.assertEqual(template.amazon_listing_count, 2)
        self.assertEqual(variant.amazon_listing_count, 2)
        self.assertEqual(other.amazon_listing_count, 1)
        for record in (template, variant):
            action = record.action_view_amazon_listings()
            self.assertEqual(action["res_model"], "amazon.listing")
            found = self.env["amazon.listing"].search(action["domain"])
            self.assertEqual(found, mine)
            self.assertNotIn(theirs, found)

    def test_smart_button_on_both_forms(self):
        for model in ("product.template", "product.product"):
            arch = (
                self.env[model]
                .with_user(self.user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            tree = etree.fromstring(arch)
            buttons = tree.xpath(
                "//div[@name='button_box']/button[@name='action_view_amazon_listings']"
            )
            self.assertEqual(len(buttons), 1, model)
            self.assertIn("oe_stat_button", buttons[0].get("class"))
            self.assertTrue(buttons[0].xpath("field[@name='amazon_listing_count']"))

    def test_not_amazon_users_see_no_button(self):
        clerk = new_test_user(
            self.env, login="screens_clerk", groups="sales_team.group_sale_salesman"
        )
        arch = (
            self.env["product.template"]
            .with_user(clerk)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("action_view_amazon_listings", arch)


@tagged("post_install", "-at_install")
class TestTechnicalTabs(ScreensCase):
    def technical_fields(self, model):
        """Fields of ``model`` that hold raw JSON for machines."""
        return {
            name
            for name, field in self.env[model]._fields.items()
            if field.type == "json"
            or name.endswith("_json")
            or name == "attributes_text"
        }

    def visible_technical(self, user, model):
        arch = (
            self.env[model]
            .with_user(user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        tree = etree.fromstring(arch)
        shown = set()
        for name in self.technical_fields(model):
            for node in tree.xpath(f"//field[@name='{name}']"):
                if node.get("invisible") not in ("1", "True"):
                    shown.add(name)
        return shown

    def test_json_only_in_developer_mode(self):
        # Bug caught: the listing form opened on a JSON editor for everyone.
        self.assertIn("attributes_text", self.technical_fields("amazon.listing"))
        models = [
            name
            for name in self.env
            if name.startswith("amazon.")
            and not self.env[name]._abstract
            and not self.env[name]._transient
            and self.technical_fields(name)
        ]
        self.assertIn("amazon.listing", models)
        for model in models:
            self.assertEqual(self.visible_technical(self.user, model), set(), model)
        developer = new_test_user(
            self.env,
            login="screens_developer",
            groups="amazon_pii.group_amazon_user,base.group_no_one",
        )
        # group_no_one counts in developer mode only (a session flag).
        self.assertEqual(self.visible_technical(developer, "amazon.listing"), set())
        with self.debug_mode():
            self.assertEqual(
                self.visible_technical(developer, "amazon.listing"),
                {"attributes_text"},
            )


SCHEMA = {
    "properties": {
        "item_name": {"title": "Item Name", "type": "array"},
        "brand": {"title": "Brand Name", "type": "array"},
        "bullet_point": {"title": "Bullet Point", "type": "array"},
    },
    "required": ["item_name", "brand"],
}
IMPORTED = {"item_name": [{"value": "Screens mug", "marketplace_id": "ATVPDKIKX0DER"}]}


@tagged("post_install", "-at_install")
class TestLiveListingRequirements(ScreensCase):
    def states(self, listing):
        """``{attribute: what the form says}`` from the rendered table."""
        html = str(listing.requirements_html)
        rows = re.findall(
            r"<tr[^>]*><td>.*?</td><td><code>(\w+)</code></td>"
            r"<td>.*?</td><td>(.*?)</td></tr>",
            html,
        )
        return dict(rows)

    def test_live_listing_does_not_call_missing_what_amazon_has(self):
        product_type = self.env["amazon.product.type"].create(
            {
                "name": "SCREENS",
                "marketplace_id": self.us.id,
                "locale": "en_US",
                "schema": SCHEMA,
            }
        )
        # As the import stores a listing Amazon sells: its own attributes
        # only (Amazon's catalog supplies the brand).
        listing = self.listing(
            "SCR-LIVE",
            product_type_id=product_type.id,
            attributes=IMPORTED,
            submitted_attributes=IMPORTED,
            on_amazon=True,
            amazon_status="BUYABLE, DISCOVERABLE",
            state="listed",
        )
        self.assertEqual(
            self.states(listing), {"item_name": "Filled", "brand": "On Amazon"}
        )
        self.assertNotIn("table-danger", str(listing.requirements_html))
        # Not live (accepted, not processed): the same listing says Missing.
        listing.amazon_status = False
        self.assertEqual(
            self.states(listing), {"item_name": "Filled", "brand": "Missing"}
        )
        # Live, but Amazon reports the brand: Missing again.
        listing.amazon_status = "BUYABLE"
        listing._set_issues(
            "amazon",
            [
                amazon_issue(
                    {
                        "code": "90220",
                        "severity": "ERROR",
                        "message": "'brand' is required but not supplied.",
                        "attributeNames": ["brand"],
                    }
                )
            ],
        )
        self.assertEqual(self.states(listing)["brand"], "Missing")

    def test_local_check_of_a_live_listing_accepts_what_amazon_has(self):
        product_type = self.env["amazon.product.type"].create(
            {
                "name": "SCREENS2",
                "marketplace_id": self.us.id,
                "locale": "en_US",
                "schema": SCHEMA,
            }
        )
        listing = self.listing(
            "SCR-LOCAL",
            product_type_id=product_type.id,
            attributes=IMPORTED,
            submitted_attributes=IMPORTED,
            on_amazon=True,
            amazon_status=False,
        )

        def required():
            return {
                i.attribute for i in listing._local_issues() if i.keyword == "required"
            }

        # Not live: the validator's "brand is required" is there (the check
        # sees it) ...
        self.assertIn("brand", required())
        # ... live: Amazon's catalog has it, a price change must not be refused.
        listing.amazon_status = "BUYABLE, DISCOVERABLE"
        self.assertNotIn("brand", required())
