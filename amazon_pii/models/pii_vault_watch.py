"""Vault: misuse detection (docs/data-protection.md #14): canary entries and
reveal volume.

A canary is a vault entry of a synthetic buyer that no task ever needs. Any
service path that opens one, decrypting its payload (reveal, export) or
unwrapping its data key to re-wrap it (a legal hold placed or released),
opens an incident in a transaction of its own. Only the key-rotation sweep
leaves them alone: it seals fresh synthetic values under the new key instead
of unwrapping (``_reseal_canaries``), so rotating keys never raises a false
alarm. Officers cannot tell canaries apart: the flag lives only on the vault
table, which no group can read, and the values look like any buyer's.
"""

import secrets
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..core import envelope, masking
from .keyring_service import get_keyring
from .pii_vault import OFFICER, _b64

# Synthetic but ordinary-looking values (never a real person's).
_FIRST = ("Alex", "Sam", "Jordan", "Casey", "Morgan", "Robin", "Taylor", "Jamie")
_LAST = ("Miller", "Garcia", "Novak", "Okafor", "Lindqvist", "Moreau", "Tanaka")
_STREETS = ("Maple Ave", "Oak Street", "Lakeview Dr", "Cedar Lane", "Hill Road")


def _canary_values():
    """Values for a canary buyer, with the fields a merchant order stores."""
    pick = secrets.choice
    name = f"{pick(_FIRST)} {pick(_LAST)}"
    return {
        "buyer_name": name,
        "buyer_email": f"{secrets.token_hex(8)}@marketplace.amazon.com",
        "recipient_name": name,
        "address_line1": f"{secrets.randbelow(9000) + 100} {pick(_STREETS)}",
        "postal_code": f"{secrets.randbelow(90000) + 10000}",
        "phone": f"+1 555 01{secrets.randbelow(100):02d}",
    }


def _record_canary(env, owner_refs, how):
    """Unit of work: a canary was opened (committed whatever the caller does)."""
    user = env.user
    env["amazon.pii.incident"]._open(
        "canary",
        env._(
            "User %(login)s opened %(count)s canary vault entries (%(how)s).",
            login=user.login,
            count=len(owner_refs),
            how=how,
        ),
        user=user,
    )


def _fake_order_id():
    digits = f"{uuid.uuid4().int % 10**17:017d}"
    return f"1{digits[:2]}-{digits[2:9]}-{digits[9:16]}"


class AmazonPiiVaultWatch(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    def _check_canaries(self, entries, how):
        """Open a canary incident, in its own transaction, when ``entries``
        (about to be decrypted or unwrapped by ``how``) include a canary."""
        canaries = entries.filtered("is_canary")
        if canaries:
            self.env["amazon.work"]._run(
                _record_canary,
                [(e.owner_model, e.owner_id) for e in canaries],
                how,
                su=True,
                user=self.env.uid,
            )

    def _reseal_canaries(self, entries):
        """The key-rotation sweep's way with canaries: fresh synthetic values
        sealed under the active key, so their data keys are never unwrapped by
        a legitimate path and any unwrap is worth an incident."""
        keyring = get_keyring(self.env)
        for entry in entries:
            value = _canary_values().get(entry.field_key.partition("#")[0], "n/a")
            sealed = envelope.seal(
                keyring, value, self._aad(entry), namespace=entry.kek_namespace
            )
            entry.write(
                dict(self._sealed_vals(sealed), ciphertext=_b64(sealed.ciphertext))
            )

    def _watch(self):
        """Unusual reveal volumes open incidents (docs/data-protection.md #14)."""
        Incident = self.env["amazon.pii.incident"]
        user = self.env.user
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
        self.store([(partner, _canary_values())], canary=True)
        return partner
