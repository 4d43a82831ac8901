"""Vault: misuse detection (docs/data-protection.md #14): canary entries and
reveal volume."""

import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..core import masking
from .pii_vault import OFFICER


def _fake_order_id():
    digits = f"{uuid.uuid4().int % 10**17:017d}"
    return f"1{digits[:2]}-{digits[2:9]}-{digits[9:16]}"


class AmazonPiiVaultWatch(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    def _watch(self, canary):
        """Canaries and unusual reveal volumes open incidents
        (docs/data-protection.md #14)."""
        Incident = self.env["amazon.pii.incident"]
        user = self.env.user
        if canary:
            Incident._open(
                "canary",
                self.env._(
                    "User %(login)s revealed a canary vault entry.", login=user.login
                ),
                user=user,
            )
        minutes = self._param("reveal_window_minutes")
        since = fields.Datetime.now() - timedelta(minutes=minutes)
        Audit = self._audit().sudo()
        revealed = Audit.search_count(
            [
                ("event", "=", "reveal"),
                ("user_id", "=", user.id),
                ("create_date", ">=", since),
            ]
        )
        limit = self._param("reveal_limit")
        already = Incident.sudo().search_count(
            [
                ("kind", "=", "reveal_anomaly"),
                ("user_id", "=", user.id),
                ("detected_at", ">=", since),
            ]
        )
        if revealed > limit and not already:
            Incident._open(
                "reveal_anomaly",
                self.env._(
                    "User %(login)s revealed %(count)s records within %(minutes)s "
                    "minutes (limit %(limit)s).",
                    login=user.login,
                    count=revealed,
                    minutes=minutes,
                    limit=limit,
                ),
                user=user,
            )

    @api.model
    @api.private
    def plant_canary(self):
        """Synthetic entries nobody has a reason to open: revealing one opens an
        incident (docs/data-protection.md #14)."""
        if not self.env.user.has_group(OFFICER):
            raise AccessError(self.env._("Only a PII Officer may plant canaries."))
        partner = (
            self.env["res.partner"]
            .sudo()
            # Named like any other Amazon buyer: a canary nobody can tell apart.
            .create({"name": masking.pseudonym(_fake_order_id())})
        )
        token = uuid.uuid4().hex[:8]
        self.store(
            [
                (
                    partner,
                    {
                        "recipient_name": f"Canary {token}",
                        "address_line1": f"{token} Canary Street",
                        "phone": "+1-555-0100",
                    },
                )
            ],
            canary=True,
        )
        return partner
