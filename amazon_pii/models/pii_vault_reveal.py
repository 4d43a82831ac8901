"""Vault: purpose-bound reveal, decryption and the audit of both.

Who may read what for which purpose is decided by ``core/purpose.py``; this
file gathers the facts, decrypts and records. The audit rows of a reveal, a
refusal and a decryption failure are written in a transaction of their own
(``amazon.work._run``), so a caller that rolls back cannot erase them.
"""

import logging
import time
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.http import request

from ..core import envelope, step_up
from ..core import purpose as purpose_rules
from ..core.errors import KeyUnavailableError, TamperError
from .keyring_service import get_keyring
from .pii_vault import OFFICER, SHIPPING


def _record_reveal(env, owner_model, owner_ids, field_keys, purpose):
    """Unit of work: audit a reveal and watch its volume
    (docs/data-protection.md #13, #14)."""
    vault = env["amazon.pii.vault"]
    vault._audit()._log(
        "reveal",
        records=env[owner_model].browse(owner_ids),
        field_keys=field_keys,
        purpose=purpose,
    )
    vault._watch()


def _record_decryption_failure(env, entry_facts, detail, tampered):
    """Unit of work: audit a failed decryption; a tampered entry is an incident."""
    owner_model, owner_id, field_key = entry_facts
    env["amazon.pii.audit"]._log(
        "decrypt_failed",
        res_model=owner_model,
        res_id=owner_id,
        field_keys=[field_key],
        detail=detail[:120],
    )
    if tampered:
        env["amazon.pii.incident"]._open("decryption_failure", detail, user=env.user)


class AmazonPiiVaultReveal(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    def _actor(self):
        user = self.env.user
        return purpose_rules.Actor(
            is_officer=user.has_group(OFFICER),
            is_shipping=user.has_group(SHIPPING),
            has_2fa=bool(user.sudo().totp_enabled),
            step_up=self._step_up_refusal()[1],
        )

    # -- step-up 2FA (docs/data-protection.md #10) --------------------------
    # RPC entry points that authenticate each call by login and API key,
    # never by the browser session (odoo/addons/base/controllers/rpc.py;
    # "/json/" is the API-key JSON endpoint of later Odoo versions).
    _API_KEY_PATHS = ("/xmlrpc", "/jsonrpc", "/json/")

    def _step_up_facts(self):
        if not request or getattr(request, "session", None) is None:
            return step_up.RequestFacts(False, False, None, self.env.uid, None)
        http = request.httprequest
        # Bearer: Odoo's API-key scheme (a proxy's Basic auth is no API key).
        bearer = str(http.headers.get("Authorization") or "").lower()
        api_key = bearer.startswith("bearer") or str(http.path or "").startswith(
            self._API_KEY_PATHS
        )
        session = request.session
        return step_up.RequestFacts(
            has_request=True,
            api_key=api_key,
            session_uid=session.get("uid"),
            uid=self.env.uid,
            mark=session.get(step_up.SESSION_KEY),
        )

    @api.model
    def _step_up_refusal(self):
        """``(kind, reason)`` from ``core/step_up.py`` for the current request."""
        return step_up.refusal(
            self._step_up_facts(), time.time(), self._param("step_up_hours")
        )

    @api.model
    def _check_step_up(self):
        """Raise unless the current web session passed the second factor
        within the configured window (Settings > Amazon, default 12 hours).

        For every path that hands buyer data to a person outside ``reveal``
        (label downloads): API-key and session-less requests get an
        AccessError, an interactive session a dialog to confirm its code. It
        writes no audit row: the caller audits its refusal, as ``reveal``
        does."""
        kind, reason = self._step_up_refusal()
        if kind:
            self._raise_step_up(kind, reason)

    def _raise_step_up(self, kind, reason):
        if kind == "stale":
            # Offers the confirmation dialog; the web client knows this class
            # by its name, so it is tagged (Odoo's HTTP layer logs an exception
            # with a ``loglevel`` at that level) rather than subclassed.
            warning = RedirectWarning(
                reason,
                "amazon_pii.action_amazon_pii_step_up",
                self.env._("Confirm my code"),
            )
            warning.loglevel = logging.INFO
            raise warning
        raise AccessError(reason)

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
            kind, step_up_reason = self._step_up_refusal()
            if kind and reason == step_up_reason:
                self._raise_step_up(kind, reason)
            raise AccessError(reason)
        result = self._decrypt(entries, purpose)
        # Recorded in its own transaction: a caller that rolls back after the
        # reveal (a failed label purchase, say) must not erase the access.
        self.env["amazon.work"]._run(
            _record_reveal,
            owners._name,
            owners.ids,
            field_keys,
            purpose,
            su=self.env.su,
        )
        return result

    @api.model
    @api.private
    def mark_fulfilled(self, owners, when=None):
        """The owners shipped: Shipping staff lose access after the grace period.

        The first shipment counts: marking again (a later update of a shipped
        order) must not restart the grace period."""
        self._entries(owners).filtered(lambda e: not e.fulfilled_at).write(
            {"fulfilled_at": when or fields.Datetime.now()}
        )

    def _decrypt(self, entries, how="decrypt"):
        """Plaintexts of ``entries``: the one place payloads are decrypted
        (reveal, export, credentials), so a canary among them always opens an
        incident, whatever path asked (docs/data-protection.md #14)."""
        self._check_canaries(entries, how)
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
        # Audited (and, when tampered, an incident) in a transaction of its
        # own: the UserError below rolls the caller back.
        self.env["amazon.work"]._run(
            _record_decryption_failure,
            (entry.owner_model, entry.owner_id, entry.field_key),
            detail,
            isinstance(exc, TamperError),
            su=self.env.su,
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
