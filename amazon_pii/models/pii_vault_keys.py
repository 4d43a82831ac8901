"""Vault: key versions (docs/data-protection.md #5): re-wrap data keys under
the active version, report which versions are in use, retire the unused ones
from the key file."""

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..core import envelope
from ..core.errors import KeyUnavailableError, TamperError
from ..core.keyring import replace_atomically
from .keyring_service import get_keyring, key_file_path


class AmazonPiiVaultKeys(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _stale_domain(self, keyring):
        parts = []
        for namespace in ("vault", "archive"):
            try:
                active = keyring.active_version(namespace)
            except KeyUnavailableError:
                continue
            parts.append(
                [
                    ("kek_namespace", "=", namespace),
                    ("kek_version", "!=", active),
                    ("wrapped_key", "!=", False),
                ]
            )
        return expression.OR(parts) if parts else expression.FALSE_DOMAIN

    @api.model
    def _rewrap_batch(self, batch_size=1000):
        """Re-wrap data keys under the active key versions; payloads untouched."""
        keyring = get_keyring(self.env)
        Entry = self.env["amazon.pii.entry"].sudo().with_context(bin_size=False)
        domain = self._stale_domain(keyring)
        entries = Entry.search(domain, limit=batch_size, order="id")
        canaries = entries.filtered("is_canary")
        self._reseal_canaries(canaries)
        failed = Entry
        for entry in entries - canaries:
            try:
                sealed = envelope.rewrap(keyring, self._sealed(entry), self._aad(entry))
            except (TamperError, KeyUnavailableError) as exc:
                failed |= entry  # audited and raised as an incident below
                self._audit()._log(
                    "decrypt_failed",
                    res_model=entry.owner_model,
                    res_id=entry.owner_id,
                    field_keys=[entry.field_key],
                    detail=f"re-wrap of entry {entry.id}: {exc}"[:120],
                )
                continue
            entry.write(self._sealed_vals(sealed))
        if failed:
            self.env["amazon.pii.incident"]._open(
                "decryption_failure",
                self.env._(
                    "%(count)s vault entries failed their integrity check during "
                    "key re-wrapping (ids %(ids)s).",
                    count=len(failed),
                    ids=failed.ids[:20],
                ),
            )
        remaining = Entry.search_count(domain)
        if entries:
            self._audit()._log(
                "key_rewrap", count=len(entries), detail=f"{remaining} remaining"
            )
        # Entries that failed stay stale: not done, or the cron would be run
        # again at once, forever, on the same entries.
        return len(entries - failed), remaining

    @api.model
    def _cron_rewrap(self):
        done, remaining = self._rewrap_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _signing_key(self, version=None):
        """``(version, key)`` of a key-ring key (the ``audit`` namespace, whose
        versions stay in the key file) for addons that authenticate what they
        store (amazon_ai's risk model); ``(None, None)`` without a key ring.
        Callers derive their own key from it for their one purpose."""
        return self.env["amazon.pii.audit"]._chain_key(version)

    @api.model
    @api.private
    def key_usage(self):
        """``{(namespace, version): count}`` of what each key version still
        protects: vault entries, and for the ``audit`` namespace the audit
        rows it sealed or signed (those must verify for as long as the log is
        kept, so their key can never be retired)."""
        groups = (
            self.env["amazon.pii.entry"]
            .sudo()
            ._read_group(
                [("wrapped_key", "!=", False)],
                ["kek_namespace", "kek_version"],
                ["__count"],
            )
        )
        usage = {(ns, version): count for ns, version, count in groups}
        cr = self.env.cr
        self.env["amazon.pii.audit"].flush_model()
        cr.execute(
            SQL(
                "SELECT version, count(*) FROM ("
                " SELECT chain_key AS version FROM amazon_pii_audit"
                "  WHERE chain_key IS NOT NULL"
                " UNION ALL"
                " SELECT mac_key FROM amazon_pii_audit"
                "  WHERE mac_key IS NOT NULL AND mac_key IS DISTINCT FROM chain_key"
                ") AS used GROUP BY version"
            )
        )
        for version, count in cr.fetchall():
            usage["audit", version] = count
        return usage

    @api.model
    @api.private
    def retire_key_version(self, namespace, version):
        """Remove a key version from the key file, refused while entries use it."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may retire keys."))
        dependents = self.key_usage().get((namespace, version), 0)
        if dependents:
            self._audit()._log_independently(
                "key_retire_refused",
                count=dependents,
                detail=f"{namespace}/{version}",
            )
            if namespace == "audit":
                raise UserError(
                    self.env._(
                        "Audit key version %(version)s sealed %(count)s audit "
                        "rows: the chain could no longer be verified without "
                        "it, so it stays in the key file.",
                        version=version,
                        count=dependents,
                    )
                )
            raise UserError(
                self.env._(
                    "Key version %(ns)s/%(version)s still protects %(count)s vault "
                    "entries: re-wrap them to the active key first.",
                    ns=namespace,
                    version=version,
                    count=dependents,
                )
            )
        ring = get_keyring(self.env).without_version(namespace, version)
        self._write_key_file(ring)
        self._audit()._log("key_retire", detail=f"{namespace}/{version}")

    @api.model
    def _write_key_file(self, ring):
        try:
            replace_atomically(key_file_path(), ring)
        except OSError as exc:
            raise UserError(
                self.env._("Cannot rewrite the key file: %(error)s", error=exc)
            ) from None
