from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


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
