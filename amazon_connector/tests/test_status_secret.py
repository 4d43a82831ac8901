from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestStatusSecret(TransactionCase):
    """The status page's client-secret rows (docs/data-protection.md #8)."""

    def rows(self):
        return {
            row["key"]: row
            for row in self.env["amazon.pii.status"]._status_rows()
            if row["key"].startswith("lwa_secret")
        }

    def test_days_to_client_secret_expiry_per_account(self):
        Account = self.env["amazon.account"]
        accounts = Account.create(
            [
                {"name": f"Expiry {i}", "seller_id": f"A1EXPIRY{i}", "region": "na"}
                for i in range(5)
            ]
        )
        today = fields.Date.context_today(Account)
        soon, expired, later, unset, refused = accounts
        soon.sudo().lwa_secret_expires_on = today + timedelta(days=10)
        expired.sudo().lwa_secret_expires_on = today - timedelta(days=3)
        later.sudo().lwa_secret_expires_on = today + timedelta(days=100)
        unset.sudo().lwa_secret_expires_on = False
        # Amazon answered invalid_client, though the date is far off.
        refused.sudo().write(
            {
                "lwa_secret_expires_on": today + timedelta(days=100),
                "lwa_secret_refused_on": fields.Datetime.now(),
            }
        )
        rows = self.rows()
        expect = {
            soon: ("10 days left", "warning"),
            expired: ("Expired 3 days ago", "danger"),
            later: ("100 days left", "ok"),
            unset: ("Expiry date not set", "warning"),
            refused: ("Refused by Amazon", "danger"),
        }
        for account, (text, level) in expect.items():
            row = rows[f"lwa_secret.{account.id}"]
            self.assertTrue(row["value"].startswith(text), row)
            self.assertEqual(row["level"], level, row)
            self.assertEqual(
                (row["res_model"], row["res_id"]), ("amazon.account", account.id)
            )
