"""The data protection status page's client-secret rows
(docs/data-protection.md #8): days until each seller account's LWA client
secret expires, in the account's own terms (``lwa_secret_state``: Amazon
makes sellers rotate it every 180 days, and refuses a secret it no longer
accepts)."""

from odoo import api, models

LEVELS = {
    "ok": "ok",
    "expiring": "warning",
    "unknown": "warning",
    "expired": "danger",
    "refused": "danger",
}


class AmazonPiiStatus(models.TransientModel):
    _inherit = "amazon.pii.status"

    @api.model
    def _status_rows(self):
        return super()._status_rows() + self._rows_client_secrets()

    @api.model
    def _rows_client_secrets(self):
        area = self.env._("Seller credentials")
        rows = []
        for account in self.env["amazon.account"].sudo().search([]):
            expires, days = account.lwa_secret_expires_on, account.lwa_secret_days_left
            state = account.lwa_secret_state
            if state == "refused":
                value = self.env._("Refused by Amazon: store a new client secret")
            elif state == "unknown":
                value = self.env._("Expiry date not set")
            elif state == "expired":
                value = self.env._(
                    "Expired %(days)s days ago (%(date)s)", days=-days, date=expires
                )
            else:
                value = self.env._(
                    "%(days)s days left (expires %(date)s)", days=days, date=expires
                )
            rows.append(
                {
                    "key": f"lwa_secret.{account.id}",
                    "area": area,
                    "label": self.env._(
                        "Client secret expiry: %(account)s", account=account.name
                    ),
                    "value": value,
                    "level": LEVELS[state],
                    "res_model": "amazon.account",
                    "res_id": account.id,
                }
            )
        return rows
