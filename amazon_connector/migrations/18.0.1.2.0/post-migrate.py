"""LWA client secrets now carry the day they were set and Amazon's expiry
(180 days later). Accounts from before never recorded it: the day the vault
received the current secret stands in for it, and each account says so in its
chatter (docs/data-protection.md #8)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["amazon.account"]._lwa_secret_backfill()
