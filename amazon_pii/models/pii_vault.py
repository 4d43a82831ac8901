"""The only door to buyer PII: store, reveal, export, purge, hold, rotate.

Every method checks its caller itself (the vault table has no ORM access
rights) and audits what it did. Other addons call these methods server-side
(they are closed to RPC); they never read ``amazon.pii.entry`` directly.
"""

import base64
import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..core import envelope, masking, registry, retention
from ..core import purpose as purpose_rules
from ..core.errors import KeyUnavailableError, TamperError
from ..core.keyring import replace_atomically
from .keyring_service import get_keyring, key_file_path

OFFICER = "amazon_pii.group_amazon_pii_officer"
SHIPPING = "amazon_pii.group_amazon_shipping"
DEFAULTS = {
    "retention_days": retention.DEFAULT_DAYS_AFTER_DELIVERY,
    "ship_margin_days": retention.DEFAULT_SHIP_MARGIN_DAYS,
    "shipping_grace_hours": 24,
    "reveal_limit": 50,
    "reveal_window_minutes": 10,
}


def _fake_order_id():
    digits = f"{uuid.uuid4().int % 10**17:017d}"
    return f"1{digits[:2]}-{digits[2:9]}-{digits[9:16]}"


def _b64(data):
    return base64.b64encode(data) if data else False


def _unb64(data):
    return base64.b64decode(data) if data else b""


class AmazonPiiVault(models.AbstractModel):
    _name = "amazon.pii.vault"
    _description = "Amazon PII Vault"

    # -- helpers ---------------------------------------------------------
    @api.model
    def _param(self, key):
        value = self.env["ir.config_parameter"].sudo().get_param(f"amazon_pii.{key}")
        return int(value) if value else DEFAULTS[key]

    @api.model
    def _entries(self, owners, field_keys=None):
        domain = [("owner_model", "=", owners._name), ("owner_id", "in", owners.ids)]
        if field_keys is not None:
            domain.append(("field_key", "in", list(field_keys)))
        return (
            self.env["amazon.pii.entry"]
            .sudo()
            .with_context(bin_size=False)
            .search(domain, order="id")
        )

    @staticmethod
    def _aad(entry):
        return envelope.binding(
            entry.owner_model, entry.owner_id, entry.field_key, entry.entry_ref
        )

    @staticmethod
    def _sealed(entry):
        return envelope.Sealed(
            entry.kek_namespace,
            entry.kek_version,
            _unb64(entry.wrapped_key),
            _unb64(entry.ciphertext),
        )

    @staticmethod
    def _sealed_vals(sealed):
        return {
            "kek_namespace": sealed.kek_namespace,
            "kek_version": sealed.kek_version,
            "wrapped_key": _b64(sealed.wrapped_key),
        }

    def _registered(self, key):
        try:
            return registry.by_key(purpose_rules.base_key(key))
        except KeyError:
            raise UserError(
                self.env._(
                    "%(key)s is not a registered PII field: add it to "
                    "amazon_pii/core/registry.py before storing it.",
                    key=key,
                )
            ) from None

    def _audit(self):
        return self.env["amazon.pii.audit"]

    # -- store -----------------------------------------------------------
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

    @api.model
    @api.private
    def purge_date_for(
        self, delivered=None, latest_delivery=None, shipped=None, purchased=None
    ):
        """Rule 1 with this database's settings (see core/retention.py)."""
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

    @api.model
    @api.private
    def mark_fulfilled(self, owners, when=None):
        """The owners shipped: Shipping staff lose access after the grace period.

        The first shipment counts: marking again (a later update of a shipped
        order) must not restart the grace period."""
        self._entries(owners).filtered(lambda e: not e.fulfilled_at).write(
            {"fulfilled_at": when or fields.Datetime.now()}
        )

    # -- seller credentials ----------------------------------------------
    @api.model
    @api.private
    def store_secrets(self, owner, values):
        """Replace credentials of ``owner`` (a seller account): administrators
        with 2FA only (rules 6 and 10); audited by key, never by value."""
        owner.ensure_one()
        user = self.env.user
        if not self.env.su and not user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may change credentials."))
        if not self.env.su and not user.sudo().totp_enabled:
            raise AccessError(purpose_rules.TOTP_HINT)
        for key in values:
            if self._registered(key).classification != "secret":
                raise UserError(
                    self.env._("%(key)s is not a credential field.", key=key)
                )
        self.store([(owner, values)])
        self._audit()._log("credential", records=owner, field_keys=list(values))

    @api.model
    def _secrets(self, owner, keys):
        """Decrypt credentials for server code that calls Amazon (never RPC:
        the leading underscore keeps it off the wire); ``{key: str}``."""
        owner.ensure_one()
        entries = self._entries(owner, keys).filtered(
            lambda e: e.classification == "secret"
        )
        return self._decrypt(entries).get(owner.id, {})

    # -- reveal ----------------------------------------------------------
    def _actor(self):
        user = self.env.user
        return purpose_rules.Actor(
            is_officer=user.has_group(OFFICER),
            is_shipping=user.has_group(SHIPPING),
            has_2fa=bool(user.sudo().totp_enabled),
        )

    def _refusal(self, owners, field_keys, purpose):
        """Why the current user may not reveal these entries ('' when allowed)."""
        actor = self._actor()
        now = fields.Datetime.now()
        grace = self._param("shipping_grace_hours")
        entries = self._entries(owners, field_keys)
        try:
            owners.check_access("read")
        except AccessError:
            return entries, self.env._("You may not read these records.")
        if entries.company_id - self.env.companies:
            return entries, self.env._(
                "This buyer data belongs to a company you are not working in."
            )
        if "secret" in entries.mapped("classification"):
            return entries, self.env._("Credentials are never revealed.")
        if not entries:
            ok, reason = purpose_rules.decide(
                actor,
                purpose_rules.EntryFacts("recipient_name", False, None),
                purpose,
                now,
                grace,
            )
            return entries, reason
        for entry in entries:
            facts = purpose_rules.EntryFacts(
                entry.field_key,
                bool(entry.hold_id) or entry.kek_namespace == "archive",
                entry.fulfilled_at,
            )
            ok, reason = purpose_rules.decide(actor, facts, purpose, now, grace)
            if not ok:
                return entries, reason
        return entries, ""

    @api.model
    @api.private
    def may_reveal(self, owners, field_keys, purpose):
        """True when ``reveal`` would succeed for the current user (no audit)."""
        return not self._refusal(owners, field_keys, purpose)[1]

    @api.model
    @api.private
    def reveal(self, owners, field_keys, purpose):
        """Decrypt for the current user: ``{owner_id: {field_key: str}}``.

        Refusals raise AccessError and are audited in their own transaction,
        so the refusal row survives the rollback of the refused request.
        """
        entries, reason = self._refusal(owners, field_keys, purpose)
        if reason:
            self._audit()._log_independently(
                "reveal_refused",
                records=owners,
                field_keys=field_keys,
                purpose=purpose,
                detail=reason[:120],
            )
            raise AccessError(reason)
        result = self._decrypt(entries)
        # Recorded in its own transaction: a caller that rolls back after the
        # reveal (a failed label purchase, say) must not erase the access.
        canary = any(entries.mapped("is_canary"))
        with self.env.registry.cursor() as cr:
            vault = self.with_env(self.env(cr=cr))
            vault._audit()._log(
                "reveal", records=owners, field_keys=field_keys, purpose=purpose
            )
            vault._watch(canary)
        return result

    def _decrypt(self, entries):
        keyring = get_keyring(self.env)
        items = [(self._sealed(entry), self._aad(entry)) for entry in entries]
        try:
            values = envelope.open_many(keyring, items)
        except (TamperError, KeyUnavailableError):
            # Find the culprit one by one so the audit names it.
            for entry, (sealed, aad) in zip(entries, items, strict=True):
                try:
                    envelope.open_sealed(keyring, sealed, aad)
                except (TamperError, KeyUnavailableError) as exc:
                    self._decryption_failed(entry, exc)
            raise
        result = defaultdict(dict)
        for entry, value in zip(entries, values, strict=True):
            result[entry.owner_id][entry.field_key] = value.decode("utf-8")
        return dict(result)

    def _decryption_failed(self, entry, exc):
        detail = f"entry {entry.id} ({entry.field_key}): {exc}"
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            env["amazon.pii.audit"]._log(
                "decrypt_failed",
                res_model=entry.owner_model,
                res_id=entry.owner_id,
                field_keys=[entry.field_key],
                detail=detail[:120],
            )
            if isinstance(exc, TamperError):
                env["amazon.pii.incident"]._open(
                    "decryption_failure", detail, user=self.env.user
                )
        raise UserError(
            self.env._(
                "Vault entry %(id)s of %(model)s %(owner)s could not be decrypted "
                "(%(problem)s). The event is audited.",
                id=entry.id,
                model=entry.owner_model,
                owner=entry.owner_id,
                problem=exc,
            )
        )

    def _watch(self, canary):
        """Rule 14: canaries and unusual reveal volumes open incidents."""
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
    def export(self, owner, purpose="legal_request"):
        """Every stored field of one owner, for a PII Officer (audited)."""
        owner.ensure_one()
        if not self.env.user.has_group(OFFICER):
            self._audit()._log_independently(
                "reveal_refused", records=owner, purpose=purpose, detail="export"
            )
            raise AccessError(self.env._("Only a PII Officer may export buyer data."))
        keys = self.stored_keys(owner)
        values = self.reveal(owner, keys, purpose).get(owner.id, {})
        self._audit()._log_independently(
            "export", records=owner, field_keys=keys, purpose=purpose
        )
        return values

    # -- purge -----------------------------------------------------------
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
    def _cron_purge_due(self, batch_size=1000):
        """Daily retention purge (rule 1), batched with progress reporting."""
        Entry = self.env["amazon.pii.entry"].sudo()
        today = fields.Date.context_today(self)
        # Entries whose owner never gave a date fall back to their storage
        # date plus the shipping margin and the retention period.
        undated = today - timedelta(
            days=self._param("retention_days") + self._param("ship_margin_days")
        )
        domain = [
            ("hold_id", "=", False),
            ("classification", "!=", "secret"),  # credentials have no retention
            "|",
            ("purge_after", "<=", today),
            "&",
            ("purge_after", "=", False),
            ("create_date", "<", fields.Datetime.to_datetime(undated)),
        ]
        due = Entry.search(domain, limit=batch_size, order="id")
        purged = self._purge_entries(due, "retention")
        remaining = Entry.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=purged, remaining=remaining)
        return purged

    # -- legal hold ------------------------------------------------------
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

    # -- keys ------------------------------------------------------------
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
        failed = Entry
        for entry in entries:
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
    @api.private
    def key_usage(self):
        """``{(namespace, version): entry count}`` for the settings screen."""
        groups = (
            self.env["amazon.pii.entry"]
            .sudo()
            ._read_group(
                [("wrapped_key", "!=", False)],
                ["kek_namespace", "kek_version"],
                ["__count"],
            )
        )
        return {(ns, version): count for ns, version, count in groups}

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

    # -- canaries --------------------------------------------------------
    @api.model
    @api.private
    def plant_canary(self):
        """Synthetic entries nobody has a reason to open: revealing one opens an
        incident (rule 14)."""
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
