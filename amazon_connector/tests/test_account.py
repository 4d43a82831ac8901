import base64

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.amazon_pii.tests.common import new_test_user

from .common import SandboxCase


@tagged("post_install", "-at_install")
class TestAccount(SandboxCase):
    def test_credentials_are_write_only_and_encrypted(self):
        account = self.account
        self.assertEqual(account.credentials_status, "Stored encrypted")
        self.assertFalse(account.lwa_client_secret)
        self.assertFalse(account.refresh_token)
        entries = (
            self.env["amazon.pii.entry"]
            .sudo()
            .search(
                [("owner_model", "=", "amazon.account"), ("owner_id", "=", account.id)]
            )
        )
        self.assertEqual(
            sorted(entries.mapped("field_key")),
            ["lwa_client_id", "lwa_client_secret", "refresh_token"],
        )
        self.assertEqual(set(entries.mapped("classification")), {"secret"})
        # Nowhere in the database in clear (nor base64 of it): only ciphertext.
        secret = self.sandbox.credentials["client_secret"]
        self.env.flush_all()
        for needle in (secret, base64.b64encode(secret.encode()).decode()):
            self.env.cr.execute(
                SQL(
                    "SELECT 1 FROM amazon_pii_entry WHERE ciphertext::text LIKE %s",
                    f"%{needle}%",
                )
            )
            self.assertFalse(self.env.cr.fetchall())
            self.env.cr.execute(
                SQL(
                    "SELECT 1 FROM amazon_account a WHERE a::text LIKE %s",
                    f"%{needle}%",
                )
            )
            self.assertFalse(self.env.cr.fetchall())
        audit = (
            self.env["amazon.pii.audit"]
            .sudo()
            .search([("event", "=", "credential"), ("res_id", "=", account.id)])
        )
        self.assertTrue(audit)

    def test_credentials_are_for_administrators_with_2fa(self):
        manager = new_test_user(
            self.env, login="amazon_mgr", groups="amazon_pii.group_amazon_manager"
        )
        with self.assertRaises(AccessError):
            self.account.with_user(manager).read(["lwa_client_secret"])
        admin = new_test_user(
            self.env,
            login="amazon_adm",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )
        with self.assertRaisesRegex(AccessError, "two-factor"):
            self.account.with_user(admin).refresh_token = "synthetic-other-token"
        admin.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        self.account.with_user(admin).refresh_token = "synthetic-new-token"
        vault = self.env["amazon.pii.vault"]
        self.assertEqual(
            vault._secrets(self.account, ["refresh_token"]),
            {"refresh_token": "synthetic-new-token"},
        )
        officer = new_test_user(
            self.env, login="amazon_off", groups="amazon_pii.group_amazon_pii_officer"
        )
        officer.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        with self.assertRaisesRegex(AccessError, "never revealed"):
            vault.with_user(officer).reveal(
                self.account, ["refresh_token"], "legal_request"
            )

    def test_test_connection_reports_success_and_amazons_error(self):
        result = self.account.action_test_connection()
        self.assertEqual(result["params"]["type"], "success")
        self.account.refresh_token = "synthetic-revoked-token"
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            result = self.account.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("invalid_grant", result["params"]["message"])
        self.assertNotIn("synthetic-revoked-token", result["params"]["message"])

    def test_each_account_has_its_cron_and_amazon_location(self):
        cron = self.account.cron_id
        self.assertTrue(cron.active)
        self.assertEqual(cron.interval_number, 15)
        self.account.orders_interval = 5
        self.assertEqual(cron.interval_number, 5)
        self.account.sync_orders = False
        self.assertFalse(cron.active)
        location = self.account.fba_location_id
        self.assertEqual(location.usage, "internal")
        self.assertEqual(location.warehouse_id, self.account.fba_warehouse_id)
        self.assertNotEqual(location.warehouse_id, self.account.warehouse_id)

    def test_cron_runs_the_sync(self):
        self.account.cron_id.method_direct_trigger()
        self.assertTrue(self.amazon_orders(self.account))
        self.assertTrue(self.account.orders_cursor)

    def test_accounts_are_isolated_per_company(self):
        other = self.env["res.company"].create({"name": "Other seller company"})
        user = new_test_user(
            self.env,
            login="amazon_other",
            groups="amazon_pii.group_amazon_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.sync()
        self.assertFalse(
            self.env["amazon.account"].with_user(user).search([]),
        )
        self.assertFalse(
            self.env["sale.order"]
            .with_user(user)
            .search([("amazon_account_id", "!=", False)])
        )
        self.assertFalse(self.env["amazon.sync.log"].with_user(user).search([]))

    def test_a_run_that_cannot_start_is_logged_as_failed(self):
        account = self.env["amazon.account"].create(
            {"name": "No credentials", "seller_id": "A1NOCREDENTIALS", "region": "eu"}
        )
        self.assertIn("Missing", account.credentials_status)
        with self.assertLogs("odoo.addons.amazon_connector", "WARNING"):
            log = self.env["amazon.order.sync"].run(account)
        self.assertEqual(log.state, "failed")
        self.assertIn("no lwa_client_id", log.message)

    def test_sync_now_runs_in_the_background_for_managers_only(self):
        result = self.account.action_sync_orders()
        self.assertEqual(result["params"]["type"], "info")
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.account.cron_id.id)]
            )
        )
        clerk = new_test_user(
            self.env, login="amazon_user_only", groups="amazon_pii.group_amazon_user"
        )
        with self.assertRaises(AccessError):
            self.account.with_user(clerk).action_sync_orders()

    def test_deleting_an_account_deletes_its_credentials(self):
        account = self.make_account(name="To delete", seller_id="A1TODELETE")
        entries = (
            self.env["amazon.pii.entry"]
            .sudo()
            .search(
                [("owner_model", "=", "amazon.account"), ("owner_id", "=", account.id)]
            )
        )
        self.assertEqual(len(entries), 3)
        cron = account.cron_id
        account.unlink()
        self.assertFalse(entries.exists())
        self.assertFalse(cron.exists())
