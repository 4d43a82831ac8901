"""Where a seller account may send its credentials (issue #15, item 3;
docs/data-protection.md #7, #10, #13)."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.amazon_pii.tests.common import new_test_user

from ..models.accounts.amazon_account_endpoints import (
    LOCAL_ENDPOINTS_OPTION,
    TRACKING_HOSTS_OPTION,
)
from .common import SandboxCase

TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ATTACKER_LWA = "https://login.attacker.example/auth/o2/token"
AMAZON_LWA = "https://api.amazon.com/auth/o2/token"
SYNC_LOGGER = "odoo.addons.amazon_connector.models.orders.amazon_order_sync"


@tagged("post_install", "-at_install")
class TestAccountEndpoints(SandboxCase):
    sandbox_options = {"orders": 5, "seed": 3}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="amazon_url_admin",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )

    def url_audit(self):
        return (
            self.env["amazon.pii.audit"]
            .sudo()
            .search(
                [
                    ("event", "=", "credential"),
                    ("res_model", "=", "amazon.account"),
                    ("res_id", "=", self.account.id),
                ]
            )
        )

    @contextmanager
    def refused(self, error, regex):
        """``error`` matching ``regex``, with what it wrote rolled back
        (Odoo's assertRaisesRegex, unlike its assertRaises, keeps it)."""
        with self.assertRaisesRegex(error, regex), self.env.cr.savepoint():
            yield

    def traffic(self):
        """What the sandbox has answered so far: API calls and token requests."""
        stats = self.sandbox.stats()
        return stats["totals"], stats["lwa"]

    def test_admin_without_2fa_cannot_point_lwa_at_another_host(self):
        account = self.account.with_user(self.admin)
        before, audited = self.account.lwa_url, self.url_audit()
        for url in (ATTACKER_LWA, AMAZON_LWA, False):
            with self.assertRaisesRegex(AccessError, "two-factor"):
                account.lwa_url = url
        self.account.invalidate_recordset()
        self.assertEqual(self.account.lwa_url, before)
        self.assertEqual(self.url_audit(), audited)
        # With 2FA the host is still checked: only Amazon's token endpoint.
        self.admin.sudo().totp_secret = TOTP
        with self.refused(ValidationError, "not an Amazon host"):
            account.lwa_url = ATTACKER_LWA
        self.account.invalidate_recordset()
        self.assertEqual(self.account.lwa_url, before)
        self.assertEqual(self.url_audit(), audited)
        # A permitted change is audited: who, which field, which host.
        account.lwa_url = AMAZON_LWA
        row = self.url_audit() - audited
        self.assertEqual(len(row), 1)
        self.assertEqual(
            (row.user_id, row.field_keys, row.detail),
            (self.admin, "lwa_url", "lwa_url: api.amazon.com"),
        )

    def test_managers_without_administrator_rights_cannot_change_urls(self):
        manager = new_test_user(
            self.env, login="amazon_url_mgr", groups="amazon_pii.group_amazon_manager"
        )
        manager.sudo().totp_secret = TOTP
        for field in ("endpoint_url", "lwa_url", "tracking_share_url"):
            with self.assertRaises(AccessError):
                self.account.with_user(manager).write({field: False})
        # Nor through a new account.
        with self.assertRaises(AccessError):
            self.env["amazon.account"].with_user(manager).create(
                {"name": "x", "seller_id": "X1", "lwa_url": AMAZON_LWA}
            )

    def test_loopback_sandbox_only_when_the_configuration_file_allows_it(self):
        sandbox_url = self.account.endpoint_url
        self.assertTrue(sandbox_url.startswith("http://127.0.0.1"))
        off = patch.dict(config.options, {LOCAL_ENDPOINTS_OPTION: False})
        # A database setting of the same name is not the configuration file.
        self.env["ir.config_parameter"].set_param(LOCAL_ENDPOINTS_OPTION, "True")
        with off:
            # Not even as superuser: the server's file decides.
            with self.refused(ValidationError, "configuration file"):
                self.account.endpoint_url = "http://localhost:8443"
            with self.refused(ValidationError, "configuration file"):
                self.account.lwa_url = "http://127.0.0.1:9/auth/o2/token"
            # What was saved while it was allowed is refused at use, before
            # any request leaves.
            before = self.traffic()
            with self.assertRaisesRegex(UserError, "configuration file"):
                self.account._client()
            with self.assertLogs(SYNC_LOGGER, "WARNING"):
                log = self.sync(self.account)
            self.assertEqual(log.state, "failed")
            self.assertIn("configuration file", log.message)
            self.assertEqual(self.traffic(), before)
        self.account.invalidate_recordset()
        self.assertEqual(self.account.endpoint_url, sandbox_url)
        # Allowed by the file (as the test runner's is): the sandbox works.
        with patch.dict(config.options, {LOCAL_ENDPOINTS_OPTION: "True"}):
            result = self.account.action_test_connection()
        self.assertEqual(result["params"]["type"], "success")

    def test_endpoint_only_amazons_hosts_of_the_region(self):
        account = self.account
        for url in (
            "https://sellingpartnerapi-eu.amazon.com",  # Europe, account is NA
            "https://sellingpartnerapi-na.amazon.com.attacker.example",
            "https://10.1.2.3",
        ):
            with self.refused(ValidationError, "refused"):
                account.endpoint_url = url
        account.endpoint_url = "https://sandbox.sellingpartnerapi-na.amazon.com"
        # Moving the account to another region does not carry a host along.
        with self.refused(ValidationError, "EU region"):
            account.region = "eu"

    def test_tracking_provider_only_on_the_configured_host(self):
        self.admin.sudo().totp_secret = TOTP
        account = self.account.with_user(self.admin)
        audited = self.url_audit()
        hook = "https://track.example.com/hook"
        with self.refused(ValidationError, "names no tracking provider"):
            account.tracking_share_url = hook
        with patch.dict(config.options, {TRACKING_HOSTS_OPTION: "track.example.com"}):
            with self.refused(ValidationError, "not among"):
                account.tracking_share_url = "https://collector.attacker.example/t"
            account.tracking_share_url = hook
        self.assertEqual(self.account.tracking_share_url, hook)
        row = self.url_audit() - audited
        self.assertEqual(row.detail, "tracking_share_url: track.example.com")

    def test_test_connection_is_for_the_accounts_managers(self):
        user = new_test_user(
            self.env, login="amazon_url_user", groups="amazon_pii.group_amazon_user"
        )
        before = self.traffic()
        with self.assertRaises(AccessError):
            self.account.with_user(user).action_test_connection()
        self.assertEqual(self.traffic(), before)  # no request was made
        manager = new_test_user(
            self.env, login="amazon_url_mgr2", groups="amazon_pii.group_amazon_manager"
        )
        result = self.account.with_user(manager).action_test_connection()
        self.assertEqual(result["params"]["type"], "success")
