"""Vault: retention and legal holds (docs/data-protection.md #1, #2).

Retention dates come from ``core/retention.py`` with this database's settings;
purging deletes the entries (their wrapped data keys with them) and calls the
``_purge_owner_copies`` hook so addons wipe the copies they keep. A legal hold
moves an owner's entries under the archive key, out of purge and reveal.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..core import envelope, retention
from .keyring_service import get_keyring


class AmazonPiiVaultRetention(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    # -- retention dates ---------------------------------------------------
    @api.model
    @api.private
    def purge_date_for(
        self, delivered=None, latest_delivery=None, shipped=None, purchased=None
    ):
        """The purge date (docs/data-protection.md #1) with this database's
        settings (see core/retention.py)."""
        return retention.purge_date(
            delivered=delivered,
            latest_delivery=latest_delivery,
            shipped=shipped,
            purchased=purchased,
            days=self._param("retention_days"),
            margin=self._param("ship_margin_days"),
        )

    @api.model
    @api.private
    def set_purge_after(self, owner_dates):
        """``[(owner_record, date), ...]``: when each owner's PII must be gone."""
        # One search and one write per (model, date), not per owner: a sync
        # sets the dates of a whole page of orders at once.
        grouped = defaultdict(list)
        for owner, purge_on in owner_dates:
            grouped[owner._name, purge_on].extend(owner.ids)
        for (model, purge_on), ids in grouped.items():
            self._entries(self.env[model].browse(ids)).write({"purge_after": purge_on})

    # -- purge -------------------------------------------------------------
    @api.model
    @api.private
    def purge(self, owners, reason="request"):
        """Crypto-shred and delete the owners' entries now (except held ones)."""
        entries = self._entries(owners).filtered(lambda e: not e.hold_id)
        return self._purge_entries(entries, reason)

    def _purge_entries(self, entries, reason):
        by_model = defaultdict(set)
        for entry in entries:
            by_model[entry.owner_model].add(entry.owner_id)
        count = len(entries)
        # Deleting the row deletes the wrapped data key with it. Copies in
        # backups stay unreadable once their key version is retired.
        entries.unlink()
        for model, ids in by_model.items():
            self._purge_owner_copies(model, sorted(ids))
        owners = sum(len(ids) for ids in by_model.values())
        self._audit()._log("purge", count=count, detail=f"{reason}: {owners} owner(s)")
        return count

    @api.model
    def _purge_owner_copies(self, owner_model, owner_ids):
        """Hook: wipe other copies of these owners' PII (labels, tracking
        values, raw payloads). Addons that keep such copies extend this."""

    @api.model
    def _purge_due_domain(self, today):
        """Entries due for the purge on ``today`` (also the status page's
        backlog)."""
        # Entries whose owner never gave a date fall back to their storage
        # date plus the shipping margin and the retention period.
        undated = today - timedelta(
            days=self._param("retention_days") + self._param("ship_margin_days")
        )
        return [
            ("hold_id", "=", False),
            ("classification", "!=", "secret"),  # credentials have no retention
            "|",
            ("purge_after", "<=", today),
            "&",
            ("purge_after", "=", False),
            ("create_date", "<", fields.Datetime.to_datetime(undated)),
        ]

    @api.model
    def _cron_purge_due(self, batch_size=1000):
        """Daily retention purge (docs/data-protection.md #1), batched with
        progress reporting."""
        Entry = self.env["amazon.pii.entry"].sudo()
        domain = self._purge_due_domain(fields.Date.context_today(self))
        due = Entry.search(domain, limit=batch_size, order="id")
        purged = self._purge_entries(due, "retention")
        remaining = Entry.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=purged, remaining=remaining)
        return purged

    # -- legal hold ----------------------------------------------------------
    def _place_hold(self, hold):
        keyring = get_keyring(self.env)
        owner = self.env[hold.owner_model].browse(hold.owner_id)
        # Credentials are not buyer data: archiving them would stop the sync.
        entries = self._entries(owner).filtered(lambda e: e.classification != "secret")
        if entries.hold_id:
            raise UserError(
                self.env._(
                    "This buyer data is already under legal hold %(hold)s.",
                    hold=entries.hold_id[0].name,
                )
            )
        if entries.company_id - self.env.companies:
            raise AccessError(
                self.env._(
                    "This buyer data belongs to a company you are not working in."
                )
            )
        self._check_canaries(entries, "legal hold placed")
        for entry in entries:
            sealed = envelope.archive(keyring, self._sealed(entry), self._aad(entry))
            entry.write(dict(self._sealed_vals(sealed), hold_id=hold.id))
        self._audit()._log(
            "hold", records=owner, count=len(entries), detail=hold.name[:120]
        )

    def _release_hold(self, hold):
        keyring = get_keyring(self.env)
        entries = (
            self.env["amazon.pii.entry"]
            .sudo()
            .with_context(bin_size=False)
            .search([("hold_id", "=", hold.id)])
        )
        self._check_canaries(entries, "legal hold released")
        for entry in entries:
            sealed = envelope.unarchive(keyring, self._sealed(entry), self._aad(entry))
            entry.write(dict(self._sealed_vals(sealed), hold_id=False))
        self._audit()._log(
            "hold_release",
            res_model=hold.owner_model,
            res_id=hold.owner_id,
            count=len(entries),
            detail=hold.name[:120],
        )
