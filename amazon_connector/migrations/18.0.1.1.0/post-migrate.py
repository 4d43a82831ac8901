"""Shipping labels moved from attachments into the vault
(docs/data-protection.md #22): encrypt the existing ones, delete the files."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["stock.picking"]._amazon_move_labels_to_vault()
