from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

# Amazon's selling regions as its SP-API documentation lists them
# (developer-docs.amazon.com/sp-api/docs/marketplace-ids).
AMAZON_REGIONS = {
    "na": {"US", "CA", "MX", "BR"},
    "eu": {
        *("UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL"),
        *("BE", "TR", "EG", "SA", "AE", "IN", "IE", "ZA"),
    },
    "fe": {"JP", "AU", "SG"},
}


@tagged("post_install", "-at_install")
class TestMarketplaces(TransactionCase):
    def test_amazon_marketplaces_are_seeded_with_country_and_currency(self):
        Marketplace = self.env["amazon.marketplace"]
        by_id = {m.amazon_id: m for m in Marketplace.search([])}
        self.assertEqual(len(by_id), 23)
        germany = by_id["A1PA6795UKMFR9"]
        self.assertEqual(
            (germany.code, germany.country_id.code, germany.currency_id.name),
            ("DE", "DE", "EUR"),
        )
        self.assertEqual(by_id["A1F83G8C2ARO7P"].currency_id.name, "GBP")
        self.assertEqual(by_id["A1VC38T7YXB528"].region, "fe")

    def test_users_read_managers_edit(self):
        user = new_test_user(
            self.env, "amz_user", groups="amazon_pii.group_amazon_user"
        )
        manager = new_test_user(
            self.env, "amz_manager", groups="amazon_pii.group_amazon_manager"
        )
        japan = self.env.ref("amazon_connector.marketplace_jp")
        self.assertEqual(japan.with_user(user).name, "Japan")
        with self.assertRaises(AccessError):
            japan.with_user(user).active = False
        japan.with_user(manager).active = False
        self.assertFalse(japan.active)

    def test_managers_see_the_marketplaces_menu(self):
        menu = self.env.ref("amazon_connector.menu_amazon_marketplace")
        manager = new_test_user(
            self.env, "amz_manager2", groups="amazon_pii.group_amazon_manager"
        )
        user = new_test_user(
            self.env, "amz_user2", groups="amazon_pii.group_amazon_user"
        )
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(user)._visible_menu_ids())


@tagged("post_install", "-at_install")
class TestAccountRegion(TransactionCase):
    def account(self, region, codes, name="Region seller"):
        return self.env["amazon.account"].create(
            {
                "name": name,
                "seller_id": "AREGIONSELLER",
                "region": region,
                "marketplace_ids": [
                    Command.set(
                        [
                            self.env.ref(f"amazon_connector.marketplace_{c}").id
                            for c in codes
                        ]
                    )
                ],
            }
        )

    def test_marketplaces_know_amazons_regions(self):
        seeded = self.env["amazon.marketplace"].search([])
        self.assertEqual(
            {
                region: set(
                    seeded.filtered(lambda m, r=region: m.region == r).mapped("code")
                )
                for region in AMAZON_REGIONS
            },
            AMAZON_REGIONS,
        )

    def test_an_account_refuses_marketplaces_of_another_region(self):
        with self.assertRaises(ValidationError) as caught:
            self.account("na", ["us", "fr"], name="Acme US")
        message = str(caught.exception)
        for part in ("Acme US", "North America", "France", "Europe"):
            self.assertIn(part, message)
        self.assertNotIn("United States", message)  # its own is fine
        # Moving an account to another region with its marketplaces: refused.
        account = self.account("na", ["us", "ca"])
        with self.assertRaisesRegex(ValidationError, "Canada"):
            account.region = "eu"
        with self.assertRaisesRegex(ValidationError, "Japan"):
            account.marketplace_ids = [
                Command.link(self.env.ref("amazon_connector.marketplace_jp").id)
            ]

    def test_one_account_per_region_accepts_every_marketplace_of_it(self):
        Marketplace = self.env["amazon.marketplace"]
        for region, codes in AMAZON_REGIONS.items():
            account = self.account(
                region, [c.lower() for c in codes], name=f"Seller {region}"
            )
            self.assertEqual(len(account.marketplace_ids), len(codes), region)
            self.assertEqual(
                account.marketplace_ids,
                Marketplace.search([("code", "in", list(codes))]),
            )

    def test_changing_the_region_in_the_form_drops_the_other_regions(self):
        account = self.account("na", ["us", "ca"])
        with Form(account) as form:
            form.region = "eu"
            self.assertFalse(form.marketplace_ids)
            form.marketplace_ids.add(self.env.ref("amazon_connector.marketplace_de"))
        self.assertEqual(account.region, "eu")
        self.assertEqual(account.marketplace_ids.mapped("code"), ["DE"])
