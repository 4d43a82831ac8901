"""Vault: erasure on request (docs/data-protection.md #4).

Erasing shreds owners' entries through the purge path (row, ciphertext and
wrapped data key deleted together, ``_purge_owner_copies`` hooks called,
audited), credentials included, and never silently skips what a legal hold
keeps: an erasure under a hold is refused with the hold's reference, because
the hold is the law's reason to keep the data (the lawful default; the
officer releases the hold first if it no longer applies).
"""

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..core import purpose as purpose_rules
from .pii_vault import OFFICER

LABEL_PREFIX = "shipping_label#"


class AmazonPiiVaultErasure(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _check_erasure_rights(self):
        """Erasing is for PII Officers with two-factor authentication, from
        a web session that confirmed a code recently (as a reveal): raise
        otherwise, before anything is touched."""
        user = self.env.user
        if not user.has_group(OFFICER):
            raise AccessError(self.env._("Only PII Officers may erase Amazon data."))
        if not user.sudo().totp_enabled:
            raise AccessError(purpose_rules.TOTP_HINT)
        self._check_step_up()

    @api.model
    def _holds_on(self, owner_model, owner_ids_sql):
        """Active legal holds on owners of ``owner_model`` whose ids the SQL
        ``owner_ids_sql`` selects, or holding any of their entries."""
        self.env["amazon.pii.hold"].flush_model()
        self.env["amazon.pii.entry"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM amazon_pii_hold
                    WHERE state = 'active' AND owner_model = %(model)s
                      AND owner_id IN (%(ids)s)
                   UNION
                   SELECT hold_id FROM amazon_pii_entry
                    WHERE hold_id IS NOT NULL AND owner_model = %(model)s
                      AND owner_id IN (%(ids)s)""",
                model=owner_model,
                ids=owner_ids_sql,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.env["amazon.pii.hold"].sudo().browse(ids)

    @api.model
    def _refuse_under_hold(self, holds, what):
        if holds:
            raise UserError(
                self.env._(
                    "%(what)s cannot be erased: legal hold %(holds)s keeps its "
                    "data (%(reason)s). Release the hold under Amazon > Data "
                    "Protection > Legal Holds once it no longer applies, then "
                    "erase.",
                    what=what,
                    holds=", ".join(holds.mapped("name")),
                    reason=holds[0].reason,
                )
            )

    @api.model
    def _shred(self, owners, reason):
        """Delete every entry of ``owners`` now, credentials and labels
        included, through the purge path; ``{vault_entries, credentials,
        labels}`` counted before. Refuses held entries rather than skip them."""
        if not owners:
            return {"vault_entries": 0, "credentials": 0, "labels": 0}
        Entry = self.env["amazon.pii.entry"].sudo()
        domain = [("owner_model", "=", owners._name), ("owner_id", "in", owners.ids)]
        held = Entry.search(domain + [("hold_id", "!=", False)])
        self._refuse_under_hold(
            held.hold_id, ", ".join(owners[:3].mapped("display_name"))
        )
        credentials = Entry.search_count(domain + [("classification", "=", "secret")])
        labels = Entry.search_count(
            domain + [("field_key", "=like", f"{LABEL_PREFIX}%")]
        )
        total = self._purge_entries(self._entries(owners), reason)
        return {
            "vault_entries": total,
            "credentials": credentials,
            "labels": labels,
        }
