"""The data protection status page's client-secret row
(docs/data-protection.md #8): days until each seller account's LWA client
secret expires. Amazon makes sellers rotate it every 180 days; the expiry
date is the field ``lwa_secret_expires_on`` of the account, which the
secret-rotation work adds. Until that field exists the row says so instead
of guessing."""

from odoo import api, fields, models

# Warn this many days before a secret expires.
WARN_DAYS = 30


class AmazonPiiStatus(models.TransientModel):
    _inherit = "amazon.pii.status"

    @api.model
    def _status_rows(self):
        return super()._status_rows() + self._rows_client_secrets()

    @api.model
    def _rows_client_secrets(self):
        Account = self.env["amazon.account"].sudo()
        area = self.env._("Seller credentials")
        accounts = Account.search([])
        if "lwa_secret_expires_on" not in Account._fields:
            return [
                {
                    "key": "lwa_secret",
                    "area": area,
                    "label": self.env._("Client secret expiry"),
                    "value": self.env._("Not tracked in this installation"),
                    "level": "warning",
                    "action": "amazon_connector.action_amazon_account",
                }
            ]
        today = fields.Date.context_today(self)
        rows = []
        for account in accounts:
            expires = account.lwa_secret_expires_on
            row = {
                "key": f"lwa_secret.{account.id}",
                "area": area,
                "label": self.env._(
                    "Client secret expiry: %(account)s", account=account.name
                ),
                "res_model": "amazon.account",
                "res_id": account.id,
            }
            if not expires:
                rows.append(
                    dict(row, value=self.env._("Expiry date not set"), level="warning")
                )
                continue
            days = (expires - today).days
            if days < 0:
                value = self.env._(
                    "Expired %(days)s days ago (%(date)s)", days=-days, date=expires
                )
                level = "danger"
            else:
                value = self.env._(
                    "%(days)s days left (expires %(date)s)", days=days, date=expires
                )
                level = "warning" if days <= WARN_DAYS else "ok"
            rows.append(dict(row, value=value, level=level))
        return rows
