"""'Erase seller account' removes the account's risk model, its hash key and
every order's risk record (issue #18, item 5; docs/data-protection.md #4)."""

from odoo.tests import tagged

from odoo.addons.amazon_connector.tests.common import SandboxCase
from odoo.addons.amazon_pii.tests.common import in_web_session, new_test_user

from ..models import amazon_risk

TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@tagged("post_install", "-at_install")
class TestErasureRisk(SandboxCase):
    sandbox_options = {"orders": 120, "seed": 5, "new_orders": 0.3}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.flush_all()
        cls.env["amazon.order.sync"].run(cls.account)
        cls.env.invalidate_all()
        cls.officer = new_test_user(
            cls.env,
            login="erase_risk_officer",
            groups="amazon_pii.group_amazon_pii_officer",
        )
        cls.officer.sudo().totp_secret = TOTP

    def test_erasure_removes_the_risk_model_its_key_and_the_risk_records(self):
        env, account = self.env, self.account.sudo()
        env["amazon.risk"]._retrain(account)
        orders = self.amazon_orders(account).sudo()
        scored = orders.filtered("amazon_risk_facts")
        # First prove there is something to remove: a stored model (an
        # attachment), its key in the vault, records of the merchant orders.
        self.assertTrue(account.risk_model)
        self.assertTrue(scored)
        model_files = (
            env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "amazon.account"),
                    ("res_id", "=", account.id),
                    ("res_field", "=", "risk_model"),
                ]
            )
        )
        self.assertEqual(len(model_files), 1)
        vault = env["amazon.pii.vault"]
        self.assertIn("risk_hash_key", vault.stored_keys(account))
        self.assertTrue(
            [k for k in amazon_risk._MODELS if k[:2] == (env.cr.dbname, account.id)]
        )

        wizard = (
            env["amazon.account.erase.wizard"]
            .sudo()
            .create(
                {
                    "account_id": account.id,
                    "confirm_name": account.name,
                    "request_ref": "TICKET-7",
                }
            )
        )
        with in_web_session(self, self.officer):
            action = wizard.with_user(self.officer).action_erase()

        record = env["amazon.pii.deletion"].browse(action["res_id"])
        self.assertEqual(len(record), 1)
        self.assertEqual(
            (record.count_risk_models, record.count_risk_records), (1, len(scored))
        )
        env.invalidate_all()
        self.assertFalse(account.risk_model)
        self.assertFalse(account.risk_trained_at)
        self.assertFalse(account.risk_card)
        self.assertFalse(model_files.exists())
        self.assertNotIn("risk_hash_key", vault.stored_keys(account))
        self.assertFalse(orders.filtered("amazon_risk_facts"))
        # No worker keeps scoring with the erased model.
        self.assertFalse(
            [k for k in amazon_risk._MODELS if k[:2] == (env.cr.dbname, account.id)]
        )
