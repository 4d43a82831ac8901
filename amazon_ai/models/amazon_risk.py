"""Order risk in Odoo: scoring during the order sync, retraining per account,
review activities and holds.

The model reads Amazon's order objects only while the sync holds them in
memory; what it keeps per order (``amazon_risk_facts``) and per account (the
trained model) is free of buyer data: statistics and keyed hashes whose key
stays in the vault. It learns from one account's orders, never another's.
"""

import base64
import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.amazon_connector.core import amazon_time

from ..core.model_blob import BlobRefused, open_blob, sign_blob
from ..core.risk import OrderRiskModel, level_for

_logger = logging.getLogger(__name__)

TO_SHIP = ("UNSHIPPED", "PARTIALLY_SHIPPED")
UNPRICED = ("PENDING", "PENDING_AVAILABILITY")  # no address, no prices yet
KEY_LOCK = 0x414D5A52  # "AMZR": advisory lock namespace, key = account id
_MODELS = {}  # (database, account, trained at, blob checksum, key) -> model
_MAX_CACHED = 32


class AmazonRisk(models.AbstractModel):
    _name = "amazon.risk"
    _description = "Amazon Order Risk"

    # -- the account's model ------------------------------------------------
    def _hash_key(self, account):
        """The account's secret for buyer and address hashes: hashes in the
        database cannot be reversed by hashing guessed names. Created once,
        committed in a transaction of its own under a lock, so every worker
        hashes with the same key."""
        vault = self.env["amazon.pii.vault"].sudo()
        key = vault._secrets(account, ("risk_hash_key",)).get("risk_hash_key")
        if key:
            return key

        def create_once(env):
            other = env["amazon.pii.vault"]
            mine = account.with_env(env)
            found = other._secrets(mine, ("risk_hash_key",)).get("risk_hash_key")
            if not found:
                found = secrets.token_hex(32)
                other.store_secrets(mine, {"risk_hash_key": found})
            return found

        return self.env["amazon.work"]._run(
            create_once, locks=[(KEY_LOCK, account.id)], wait=True, read_committed=True
        )

    def _new_model(self, account, key=None):
        return OrderRiskModel(
            seller_id=account.seller_id,
            marketplace_ids=account.marketplace_ids.mapped("amazon_id"),
            thresholds=(account.risk_medium, account.risk_high),
            hash_key=key or self._hash_key(account),
        )

    def _model(self, account):
        """The account's trained model (rules only before the first
        training), loaded once per worker and training."""
        account = account.sudo()
        key = self._hash_key(account)
        fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
        cache_key = (
            self.env.cr.dbname,
            account.id,
            account.risk_trained_at,
            # What is stored, not when: the time of a write is the time its
            # transaction began and a training's is to the second, so two
            # blobs stored close together would otherwise share one entry
            # (a refused blob's rules-only model served for a good one).
            self._stored_checksum(account),
            fingerprint,
        )
        model = _MODELS.get(cache_key)
        if model is None:
            model = self._load_model(account, key) or self._new_model(account, key)
            if len(_MODELS) >= _MAX_CACHED:
                _MODELS.clear()
            _MODELS[cache_key] = model
        # The account's settings win over those the model was trained with.
        model.thresholds = (account.risk_medium, account.risk_high)
        model.marketplace_ids = frozenset(account.marketplace_ids.mapped("amazon_id"))
        return model

    def _stored_checksum(self, account):
        """The checksum Odoo keeps of the account's stored model blob."""
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "amazon.account"),
                    ("res_field", "=", "risk_model"),
                    ("res_id", "=", account.id),
                ],
                limit=1,
            )
        )
        return attachment.checksum

    def _load_model(self, account, key):
        """The stored model, or None (rules only until the next training)
        when there is none or it is refused: a blob not signed by this
        service with a key-ring key, or of an older format."""
        if not account.risk_model:
            return None
        vault = self.env["amazon.pii.vault"]
        try:
            blob = open_blob(
                base64.b64decode(account.risk_model),
                lambda version: vault._signing_key(version)[1],
            )
            return OrderRiskModel.loads(blob, hash_key=key)
        except BlobRefused as exc:
            _logger.warning(
                "Risk model of account %s refused (%s); rules only until it is "
                "retrained",
                account.id,
                exc,
            )
        except ValueError:
            _logger.warning(
                "Risk model of account %s unreadable; rules only until it is retrained",
                account.id,
            )
        return None

    def _stored_blob(self, model):
        """``model`` as the signed, base64 value of ``risk_model``
        (docs/data-protection.md #17, ``core/model_blob.py``)."""
        version, key = self.env["amazon.pii.vault"]._signing_key()
        if not key:
            return False  # nothing to sign with: rules only
        return base64.b64encode(sign_blob(model.dumps(), version, key))

    @api.model
    def _forget(self, account, order_ids, buyer_keys):
        """Prune purged orders' hashes from the account's stored model, so no
        buyer hash outlives the buyer data's purge; a model that cannot be
        opened is dropped instead (rules only until the next training)."""
        account = account.sudo()
        if not account.risk_model:
            return
        model = self._load_model(account, self._hash_key(account))
        if model is not None:
            model.forget(order_ids, buyer_keys)
        account.risk_model = model is not None and self._stored_blob(model)
        for cached in [k for k in _MODELS if k[:2] == (self.env.cr.dbname, account.id)]:
            del _MODELS[cached]  # this worker must not score with the old one

    def _card(self, account):
        """The model card, also before any training (rules only), with the
        account's thresholds and the data's age as of now."""
        account = account.sudo()
        if not account.risk_card:
            return OrderRiskModel(
                seller_id=account.seller_id,
                thresholds=(account.risk_medium, account.risk_high),
            ).model_card()
        card = dict(
            account.risk_card,
            levels={"medium": account.risk_medium, "high": account.risk_high},
        )
        newest = (card.get("data_used") or {}).get("date_range", [None, None])[1]
        if newest:
            age = fields.Datetime.now() - amazon_time.parse(newest)
            card["data_freshness_days"] = round(age.total_seconds() / 86400, 1)
        return card

    # -- scoring -------------------------------------------------------------
    @api.model
    def _score_imported(self, account, pairs):
        """A sync page: keep the PII-free facts of merchant orders the first
        time Amazon shares their address, and score them."""
        self._release_closed(
            self.env["sale.order"].union(*(order for order, _raw in pairs))
        )
        if not account.risk_enabled:
            return
        pairs = [
            (order, raw)
            for order, raw in pairs
            if order.amazon_channel == "mfn"
            and order.amazon_status not in UNPRICED
            and not order.amazon_risk_facts
        ]
        if not pairs:
            return
        model = self._model(account)
        scored = self.env["sale.order"]
        records = []
        for order, raw in pairs:
            try:
                [record] = model.records([raw])
            except ValueError as exc:  # e.g. a marketplace the account left
                _logger.warning("Order %s not scored: %s", order.id, exc)
                continue
            order.amazon_risk_facts = record
            scored |= order
            records.append(record)
        if scored:
            self._apply(account, scored, model.score_records(records))

    def _apply(self, account, orders, results):
        now = fields.Datetime.now()
        for order, result in zip(orders, results, strict=True):
            order.write(
                {
                    "amazon_risk_score": result.score,
                    "amazon_risk_level": result.level,
                    "amazon_risk_reasons": "\n".join(result.reasons) or False,
                    "amazon_risk_scored_at": now,
                }
            )
        self._flag(account, orders)

    def _flag(self, account, orders):
        """High-risk orders still to ship: one review activity each, and a
        hold on the delivery when the account asks for it."""
        if not account.risk_enabled:
            return
        for order in orders.filtered(
            lambda o: (
                o.amazon_risk_level == "high"
                and o.amazon_status in TO_SHIP
                and not o.amazon_risk_flagged
            )
        ):
            user = (
                order.user_id
                or order.team_id.user_id
                or self.env.ref("base.user_admin", raise_if_not_found=False)
                or self.env.user
            )
            order.write(
                {
                    "amazon_risk_flagged": True,
                    "amazon_risk_activity_id": order.activity_schedule(
                        "mail.mail_activity_data_todo",
                        summary=self.env._("Review risky Amazon order"),
                        note=order.amazon_risk_reasons,
                        user_id=user.id,
                    ).id,
                }
            )
        if account.risk_hold:
            self._hold(
                orders.filtered(
                    lambda o: (
                        o.amazon_risk_flagged
                        and o.amazon_risk_level == "high"
                        and o.amazon_status in TO_SHIP
                        and not o.amazon_risk_hold
                        and not o.amazon_risk_released_by
                    )
                )
            )

    def _hold(self, orders):
        for order in orders:
            order.amazon_risk_hold = True
            order.message_post(
                body=self.env._(
                    "Risk %(score)s (high): the delivery is on hold until "
                    "someone reviews and releases the order.",
                    score=order.amazon_risk_score,
                )
            )

    def _release(self, orders, reason):
        """Lift holds, recording who and why (the reason stays on the order;
        chatter only says that it was released, reasons may name people)."""
        orders = orders.filtered("amazon_risk_hold")
        if not orders:
            return
        orders.write(
            {
                "amazon_risk_hold": False,
                "amazon_risk_released_by": self.env.uid,
                "amazon_risk_released_at": fields.Datetime.now(),
                "amazon_risk_release_reason": reason,
            }
        )
        for order in orders:
            order.message_post(
                body=self.env._(
                    "Risk hold released by %(user)s (the reason is on the order's "
                    "Risk tab).",
                    user=self.env.user.name,
                )
            )
            if order.amazon_risk_activity_id:
                order.amazon_risk_activity_id.action_feedback(
                    feedback=self.env._("Released.")
                )

    def _release_closed(self, orders):
        """Amazon shipped or cancelled held orders itself: nothing to hold."""
        closed = orders.filtered(
            lambda o: o.amazon_risk_hold and o.amazon_status not in TO_SHIP
        )
        self._release(
            closed, self.env._("Amazon reports the order shipped or cancelled.")
        )

    def _relevel(self, accounts):
        """New thresholds: new levels for the stored scores (no rescoring),
        holds lifted for orders no longer high, new high ones flagged."""
        Order = self.env["sale.order"].sudo()
        for account in accounts:
            scored = [
                ("amazon_account_id", "=", account.id),
                ("amazon_risk_level", "!=", False),
            ]
            changes = _changed_levels(
                Order.search(scored), (account.risk_medium, account.risk_high)
            )
            for level, orders in changes.items():
                orders.amazon_risk_level = level
            self._release(
                Order.search(
                    [
                        *scored,
                        ("amazon_risk_hold", "=", True),
                        ("amazon_risk_level", "!=", "high"),
                    ]
                ),
                self.env._("Risk thresholds changed: no longer high risk."),
            )
            self._flag(
                account,
                Order.search(
                    [
                        *scored,
                        ("amazon_risk_level", "=", "high"),
                        ("amazon_status", "in", TO_SHIP),
                    ]
                ),
            )

    # -- training --------------------------------------------------------------
    def _facts(self, account):
        """``[(order id, facts)]`` of the account's recent orders, read in SQL:
        a long history through the ORM would load every order field."""
        since = fields.Datetime.now() - timedelta(days=account.risk_history_days)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, amazon_risk_facts FROM sale_order"
                " WHERE amazon_account_id = %s AND amazon_risk_facts IS NOT NULL"
                " AND amazon_purchase_date >= %s"
                " ORDER BY amazon_purchase_date, id",
                account.id,
                since,
            )
        )
        return self.env.cr.fetchall()

    def _retrain(self, account):
        """Fit on the account's own recent orders, store model and card,
        then rescore the orders still to ship and those never scored."""
        account = account.sudo()
        rows = self._facts(account)
        model = self._new_model(account)
        model.fit_records([facts for _id, facts in rows], seller_id=account.seller_id)
        account.write(
            {
                "risk_model": self._stored_blob(model),
                "risk_trained_at": fields.Datetime.now(),
                "risk_card": model.model_card(),
            }
        )
        orders = (
            self.env["sale.order"].sudo().browse([order_id for order_id, _f in rows])
        )
        facts = dict(rows)
        rescore = orders.filtered(
            lambda o: o.amazon_status in TO_SHIP or not o.amazon_risk_level
        )
        if rescore:
            results = model.score_records([facts[o.id] for o in rescore])
            self._apply(account, rescore, results)
        _logger.info(
            "Risk model of account %s trained on %s orders, %s rescored",
            account.id,
            len(rows),
            len(rescore),
        )
        return model


def _changed_levels(orders, thresholds):
    """``{level: orders}`` whose stored level differs under ``thresholds``."""
    changes = {}
    for order in orders:
        level = level_for(order.amazon_risk_score, thresholds)
        if level != order.amazon_risk_level:
            changes[level] = changes.get(level, orders.browse()) | order
    return changes
