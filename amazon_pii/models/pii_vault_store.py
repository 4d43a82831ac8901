"""Vault: encrypt owners' values and write them, in bulk."""

import base64
import uuid
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..core import envelope
from .keyring_service import get_keyring


class AmazonPiiVaultStore(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    @api.private
    def store(self, owner_values, purge_after=None, canary=False):
        """Encrypt ``[(owner_record, {field_key: value}), ...]`` into the vault.

        A value replaces the owner's previous value of that field; an empty
        value deletes it. Field keys are registry keys, optionally qualified
        (``gift_message#<order item id>``).
        """
        keyring = get_keyring(self.env)
        owner_values = [(owner, values) for owner, values in owner_values]
        existing = self._existing_entries(owner_values)
        pending, replaced = [], []
        for owner, values in owner_values:
            owner.ensure_one()
            has_company = "company_id" in owner._fields
            company = owner["company_id"] if has_company else False
            known = existing[owner._name, owner.id]
            held = set(known.filtered("hold_id").mapped("field_key"))
            # New and replaced values share the owner's retention and shipment
            # facts, so no field outlives the others or stays revealable.
            purge_dates = [d for d in known.mapped("purge_after") if d]
            shipped = [d for d in known.mapped("fulfilled_at") if d]
            for key, value in values.items():
                field = self._registered(key)
                if key in held:
                    continue  # frozen by a legal hold
                replaced.append(known.filtered(lambda e, k=key: e.field_key == k))
                if value in (None, False, ""):
                    continue
                ref = uuid.uuid4().hex
                aad = envelope.binding(owner._name, owner.id, key, ref)
                pending.append(
                    (
                        str(value),
                        aad,
                        {
                            "owner_model": owner._name,
                            "owner_id": owner.id,
                            "field_key": key,
                            "entry_ref": ref,
                            "classification": field.classification,
                            "company_id": (company or self.env.company).id,
                            "purge_after": purge_after
                            or min(purge_dates, default=None),
                            "fulfilled_at": min(shipped, default=None),
                            "is_canary": canary,
                        },
                    )
                )
        self.env["amazon.pii.entry"].sudo().union(*replaced).unlink()
        sealed = envelope.seal_many(keyring, [(p[0], p[1]) for p in pending])
        vals_list = [
            dict(
                p[2],
                ciphertext=base64.b64encode(s.ciphertext),
                **self._sealed_vals(s),
            )
            for p, s in zip(pending, sealed, strict=True)
        ]
        return self._insert_entries(vals_list)

    _INSERT_COLUMNS = (
        "owner_model",
        "owner_id",
        "field_key",
        "entry_ref",
        "classification",
        "company_id",
        "purge_after",
        "fulfilled_at",
        "is_canary",
        "kek_namespace",
        "kek_version",
        "wrapped_key",
        "ciphertext",
    )

    def _insert_entries(self, vals_list):
        """Bulk INSERT: the vault table has no computed fields, defaults or
        tracking, and the ORM's per-row create overhead dominated store()."""
        if not vals_list:
            return self.env["amazon.pii.entry"].sudo()
        self.env["amazon.pii.entry"].flush_model()
        uid, now = self.env.uid, self.env.cr.now()
        rows = SQL(", ").join(
            SQL(
                "(%s)",
                SQL(", ").join(
                    [
                        *(vals[c] for c in self._INSERT_COLUMNS),
                        uid,
                        now,
                        uid,
                        now,
                    ]
                ),
            )
            for vals in vals_list
        )
        columns = SQL(", ").join(
            SQL.identifier(c)
            for c in (*self._INSERT_COLUMNS, "create_uid", "create_date")
            + ("write_uid", "write_date")
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO amazon_pii_entry (%s) VALUES %s RETURNING id",
                columns,
                rows,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.env["amazon.pii.entry"].sudo().browse(ids)

    def _existing_entries(self, owner_values):
        """Every stored entry of the owners being written, per (model, id)."""
        by_model = defaultdict(set)
        for owner, _values in owner_values:
            by_model[owner._name].add(owner.id)
        Entry = self.env["amazon.pii.entry"].sudo()
        existing = defaultdict(lambda: Entry)
        for model, ids in by_model.items():
            for entry in Entry.search(
                [("owner_model", "=", model), ("owner_id", "in", list(ids))]
            ):
                existing[model, entry.owner_id] |= entry
        return existing

    @api.model
    @api.private
    def stored_keys(self, owner):
        """Field keys the vault holds for ``owner`` (metadata, no reveal)."""
        return self._entries(owner).mapped("field_key")
