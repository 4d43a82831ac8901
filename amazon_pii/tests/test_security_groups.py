from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSecurityGroups(TransactionCase):
    def test_manager_implies_user_but_not_pii_access(self):
        manager = self.env.ref("amazon_pii.group_amazon_manager")
        user = self.env.ref("amazon_pii.group_amazon_user")
        officer = self.env.ref("amazon_pii.group_amazon_pii_officer")
        shipping = self.env.ref("amazon_pii.group_amazon_shipping")
        implied = manager.trans_implied_ids
        self.assertIn(user, implied)
        # Need-to-know: managing Amazon does not grant buyer data.
        self.assertNotIn(officer, implied)
        self.assertNotIn(shipping, implied)

    def test_all_groups_live_under_the_amazon_category(self):
        category = self.env.ref("amazon_pii.module_category_amazon")
        for xmlid in (
            "group_amazon_user",
            "group_amazon_manager",
            "group_amazon_shipping",
            "group_amazon_pii_officer",
        ):
            group = self.env.ref(f"amazon_pii.{xmlid}")
            self.assertIn(
                category, group.category_id | group.category_id.parent_id, xmlid
            )

    def test_new_internal_user_gets_no_amazon_group(self):
        user = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "Plain Employee", "login": "plain.employee@example.com"})
        )
        amazon_groups = self.env["res.groups"].search(
            [
                (
                    "category_id",
                    "child_of",
                    self.env.ref("amazon_pii.module_category_amazon").id,
                )
            ]
        )
        self.assertFalse(user.groups_id & amazon_groups)
