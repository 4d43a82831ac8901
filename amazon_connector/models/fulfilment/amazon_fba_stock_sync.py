"""FBA stock sync: Amazon's units for sale (fulfillable, plus those reserved
for customer orders not yet shipped, which Odoo's open FBA deliveries
reserve in turn) become the on-hand quantity of the account's FBA location,
as Odoo inventory adjustments.

An account covers one selling region and Amazon pools FBA stock per region
(Pan-European FBA: one pool for the European marketplaces), so the
account's FBA warehouse is that pool and its stock location the one FBA
location; the pool is read through one marketplace of the account (every
marketplace of the region reports the same units).

Flow (each database step an ``amazon.work._run`` unit under the account's
FBA advisory lock; a held lock answers BUSY):

1. read every page of getInventorySummaries (no transaction open);
2. map the SKUs to products through the one SKU binding (``amazon.offer``);
3. per batch of products: set each quant's ``inventory_quantity`` to those
   units and ``_apply_inventory`` (an adjustment move named
   after Amazon FBA), and keep the SKU's other quantities on
   ``amazon.fba.stock``;
4. finish: products of the location Amazon no longer reports go to 0, stale
   lines go, the time is stamped, unknown SKUs are alerted.

Setting absolute quantities makes a run idempotent: a run stopped half-way
(BUSY, a crash) is completed by the next one.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import fba_stock
from ...core.spapi import RetryableError, SPAPIError
from .stock_picking_mcf import OPEN_STATES as MCF_OPEN_STATES

_logger = logging.getLogger(__name__)

FBA_STOCK_LOCK = 0x414D5A46  # "AMZF": advisory lock namespace, key = account id
BATCH = 200  # SKUs applied per transaction
ACCOUNTS_PER_RUN = 5  # per cron run; _notify_progress runs it again for more
RESYNC_AFTER = timedelta(minutes=50)  # the cron runs hourly


class MailActivity(models.Model):
    # The alert kinds of this flow, kept with the flow.
    _inherit = "mail.activity"  # pylint: disable=consider-merging-classes-inherited

    amazon_alert = fields.Selection(
        selection_add=[
            ("fba_stock", "FBA stock sync failing"),
            ("fba_unknown", "FBA stock of unknown SKUs"),
        ],
        ondelete={"fba_stock": "cascade", "fba_unknown": "cascade"},
    )


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    fba_stock_ids = fields.One2many("amazon.fba.stock", "account_id", "FBA stock")
    fba_stock_synced_on = fields.Datetime(
        "FBA stock read on", readonly=True, copy=False
    )
    fba_stock_attempted_on = fields.Datetime(readonly=True, copy=False)
    fba_stock_count = fields.Integer(compute="_compute_fba_stock_counts")
    fba_unknown_count = fields.Integer(compute="_compute_fba_stock_counts")

    @api.depends("fba_stock_ids.state")
    def _compute_fba_stock_counts(self):
        for account in self:
            lines = account.fba_stock_ids
            account.fba_stock_count = len(lines)
            account.fba_unknown_count = len(
                lines.filtered(lambda s: s.state != "synced")
            )

    # -- person's actions ------------------------------------------------------
    def action_sync_fba_stock(self):
        """'Sync FBA stock': read Amazon's FBA stock of these accounts now."""
        self.check_access("write")
        counts = {}
        for account in self:
            try:
                outcome = account._fba_stock_sync()
            except SPAPIError as exc:  # alerted already; the person sees why
                raise UserError(
                    self.env._(
                        "The FBA stock of %(account)s could not be read from "
                        "Amazon: %(error)s",
                        account=account.name,
                        error=str(exc),
                    )
                ) from exc
            if outcome is BUSY:
                raise UserError(
                    self.env._(
                        "The FBA stock of %(account)s is being synced right now; "
                        "try again in a minute.",
                        account=account.name,
                    )
                )
            counts[account] = outcome
        self.invalidate_recordset()
        return self._notify(
            self.env._("FBA stock synced"),
            self.env._(
                "%(synced)s SKU(s) in Odoo stock, %(unknown)s not (see FBA stock).",
                synced=sum(c["synced"] for c in counts.values()),
                unknown=sum(c["unknown"] for c in counts.values()),
            ),
            "success",
        )

    def action_view_fba_stock(self):
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_fba_stock"
        )
        action["domain"] = [("account_id", "in", self.ids)]
        return action

    # -- cron ------------------------------------------------------------------
    @api.model
    def _cron_sync_fba_stock(self):
        """Accounts not read for an hour, a few per run, oldest first; Odoo
        runs the cron again at once while some remain."""
        due = self.search(
            [
                ("active", "=", True),
                ("fba_warehouse_id", "!=", False),
                "|",
                ("fba_stock_attempted_on", "=", False),
                ("fba_stock_attempted_on", "<", fields.Datetime.now() - RESYNC_AFTER),
            ],
            order="fba_stock_attempted_on asc nulls first, id",
        )
        batch = due[:ACCOUNTS_PER_RUN]
        failed = 0
        for account in batch:
            account = account.with_company(account.company_id)
            try:
                account._fba_stock_sync()
            except (SPAPIError, UserError):
                failed += 1  # logged and alerted by _fba_stock_sync: next account
        if failed:
            _logger.info("Amazon FBA stock sync: %s account(s) failed", failed)
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=len(due) - len(batch)
        )

    # -- the sync ----------------------------------------------------------------
    def _fba_stock_step(self, step, *args):
        """``step(account, *args)`` in its own committed transaction under the
        account's FBA stock lock (not its row lock, which the order sync
        holds while it imports a page: the two flows do not conflict)."""
        account = self

        def unit(env):
            return step(account.with_env(env), *args)

        return self.env["amazon.work"]._run(
            unit, locks=[(FBA_STOCK_LOCK, account.id)], company=account.company_id
        )

    def _fba_stock_sync(self):
        """Read Amazon's FBA stock of this account into Odoo; return
        ``{"synced": n, "unknown": n}`` or BUSY. Failures are alerted
        (``fba_stock``) and raised."""
        self.ensure_one()
        # A run already under way answers BUSY before Amazon is called.
        if self._fba_stock_step(_probe) is BUSY:
            return BUSY
        self._fba_stock_stamp("fba_stock_attempted_on")
        self._fba_stock_orders_first()
        try:
            counts = self._fba_stock_run()
        except (SPAPIError, UserError) as exc:
            self._fba_stock_failed(exc)
            raise
        if counts is not BUSY:
            self._fba_stock_stamp("fba_stock_synced_on")
        self.env.invalidate_all()
        return counts

    def _fba_stock_orders_first(self):
        """Bring the account's orders up to date before reading its stock:
        deliveries of FBA orders Amazon shipped are validated and orders it
        took are imported, so an order placed and shipped since the last
        order sync is not booked off twice (once by the read, in neither of
        the counts ``fba_stock.on_hand_by_product`` compares, then by its
        validation). A busy or failing order sync (its own log says why)
        leaves the read to that comparison, which covers every order Odoo
        already knows."""
        if self.active and self.sync_orders:
            self.env["amazon.order.sync"].run(self)

    def _fba_stock_stamp(self, field):
        """Now on the account's ``field``, in a unit of its own without the
        FBA lock: the account's row is shared with the order sync, and a
        concurrent write of it (BUSY) loses only this time stamp, never the
        stock just written."""
        self.env["amazon.work"]._run(_stamp, self.id, field, company=self.company_id)

    def _fba_stock_run(self):
        if not self.fba_location_id:
            raise UserError(
                self.env._(
                    "Amazon account %(account)s has no FBA warehouse: set one on "
                    "its Orders tab to hold its FBA stock.",
                    account=self.name,
                )
            )
        found, problems = self._fba_stock_read()
        mapping = self._fba_stock_step(_map_skus, [r.sku for r in found])
        if mapping is BUSY:
            return BUSY
        for rows in _batches(found, mapping):
            if self._fba_stock_step(_apply_rows, rows, mapping) is BUSY:
                return BUSY
        problems = [{"sku": p.sku, "reason": p.reason} for p in problems]
        return self._fba_stock_step(_finish, [r.sku for r in found], problems)

    def _fba_stock_marketplace(self):
        """The marketplace the region's pool is read through: the first of
        the account's (Amazon reports the same pool from each)."""
        marketplaces = self.marketplace_ids.sorted("id")
        if not marketplaces:
            raise UserError(
                self.env._(
                    "Amazon account %(account)s has no marketplace: its FBA "
                    "stock cannot be read.",
                    account=self.name,
                )
            )
        return marketplaces[0]

    def _fba_stock_read(self):
        """``(rows, problems)`` of every page Amazon returns."""
        marketplace = self._fba_stock_marketplace().amazon_id
        with self._client() as client:
            pages = list(
                client.inventory_summaries_pages(
                    marketplace_ids=[marketplace],
                    granularity_type="Marketplace",
                    granularity_id=marketplace,
                    details=True,
                )
            )
        return fba_stock.rows(pages)

    def _fba_stock_failed(self, exc):
        if isinstance(exc, RetryableError):
            # Throttled or unreachable: the next hourly run tries again.
            _logger.info("Amazon FBA stock sync of account %s paused: %s", self.id, exc)
            return
        if self._lwa_secret_halt(exc):
            return  # the account is stopped and says why
        _logger.warning("Amazon FBA stock sync of account %s failed: %s", self.id, exc)
        error = str(exc)

        def alert(env):
            account = self.with_env(env)
            account._alert(
                "fba_stock",
                env._("FBA stock sync failing"),
                env._(
                    "Amazon's FBA stock of %(account)s could not be synced: "
                    "%(error)s\nOdoo's FBA quantities stay as they were until it "
                    "works again; check the account's credentials and roles "
                    "(Amazon Fulfillment).",
                    account=account.name,
                    error=error,
                ),
            )

        # Its own transaction: the caller may roll back (a person's click
        # that raises).
        self.env["amazon.work"]._run(alert, company=self.company_id)


# -- units (each runs in its own transaction: ``account`` in the unit's env) ----
def _probe(account):
    return True


def _stamp(env, account_id, field):
    env["amazon.account"].browse(account_id).write({field: fields.Datetime.now()})


def _map_skus(account, skus):
    """``{sku: (product id or False, reason or False)}`` through the one
    SKU-to-product binding (offers created and matched when missing)."""
    offers = account.env["amazon.offer"]._for_skus(account, skus) if skus else {}
    result = {}
    for sku in skus:
        product = offers[sku].product_id
        reason = False
        if not product:
            reason = account.env._(
                "No product is mapped to this SKU: map it under Amazon > Offers, "
                "or give a product this SKU as its internal reference."
            )
        elif not product.is_storable:
            reason = account.env._(
                "%(product)s does not track inventory: make it storable (Track "
                "Inventory) to hold its FBA stock.",
                product=product.display_name,
            )
        result[sku] = (product.id, reason)
    return result


def _batches(found, mapping):
    """Rows in batches of about BATCH SKUs, every SKU of a product in the
    same batch (two SKUs of one product add up to its quantity)."""
    by_product = defaultdict(list)
    for row in found:
        product_id, reason = mapping[row.sku]
        by_product[product_id if not reason else ("unknown", row.sku)].append(row)
    batches, current = [], []
    for rows in by_product.values():
        if current and len(current) + len(rows) > BATCH:
            batches.append(current)
            current = []
        current += rows
    if current:
        batches.append(current)
    return batches


def _apply_rows(account, rows, mapping):
    env = account.env
    location = account.fba_location_id
    now = fields.Datetime.now()
    Stock = env["amazon.fba.stock"]
    lines = {
        s.seller_sku: s
        for s in Stock.search(
            [
                ("account_id", "=", account.id),
                ("seller_sku", "in", [r.sku for r in rows]),
            ]
        )
    }
    for row in rows:
        product_id, reason = mapping[row.sku]
        vals = {
            "location_id": location.id,
            "asin": row.asin,
            "fnsku": row.fnsku,
            "amazon_name": row.name,
            "product_id": product_id,
            "state": "unknown" if reason else "synced",
            "reason": reason,
            "synced_on": now,
            **{name: getattr(row, name) for name in fba_stock.QUANTITIES},
        }
        if row.sku in lines:
            lines[row.sku].write(vals)
        else:
            Stock.create({"account_id": account.id, "seller_sku": row.sku, **vals})
    totals = fba_stock.on_hand_by_product(
        rows,
        lambda sku: not mapping[sku][1] and mapping[sku][0],
        _held_by_open_deliveries(account, [m[0] for m in mapping.values()]),
    )
    _set_quantities(account, env["product.product"].browse(list(totals)), totals)


def _held_by_open_deliveries(account, product_ids):
    """``{product id: units}`` Odoo's open deliveries still take from the FBA
    location for orders Amazon knows: Amazon orders' deliveries and those
    sent to Multi-Channel Fulfilment. A delivery of the FBA warehouse that
    Amazon was never asked to ship reserves nothing at Amazon: left out."""
    moves = (
        account.env["stock.move"]
        .search(
            [
                ("product_id", "in", [p for p in product_ids if p]),
                ("location_id", "child_of", account.fba_location_id.id),
                ("state", "not in", ("draft", "done", "cancel")),
                "|",
                ("picking_id.sale_id.amazon_order_id", "!=", False),
                ("picking_id.amazon_mcf_state", "in", list(MCF_OPEN_STATES)),
            ]
        )
        ._amazon_to_buyer()
    )
    held = defaultdict(float)
    for move in moves:
        held[move.product_id.id] += move.product_qty
    return held


def _set_quantities(account, products, totals):
    """The on-hand quantity of ``products`` in the FBA location set to
    ``totals[product id]`` (0 when absent) through Odoo's inventory
    adjustment: one move per difference, named after Amazon FBA."""
    env = account.env
    location = account.fba_location_id
    name = env._("Amazon FBA stock (%(account)s)", account=account.name)
    Quant = env["stock.quant"].with_context(inventory_name=name)
    changed = Quant.browse()
    for product in products:
        quants = Quant._gather(product, location, strict=False)
        plain = quants.filtered(
            lambda q: (
                not (q.lot_id or q.package_id or q.owner_id)
                and q.location_id == location
            )
        )[:1]
        others = sum((quants - plain).mapped("quantity"))
        current = others + sum(plain.mapped("quantity"))
        wanted = totals.get(product.id, 0)
        rounding = product.uom_id.rounding
        if not float_compare(current, wanted, precision_rounding=rounding):
            continue
        if plain:
            plain.inventory_quantity = wanted - others
        else:
            plain = Quant.create(
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "inventory_quantity": wanted - others,
                }
            )
        changed |= plain
    if changed:
        changed._apply_inventory()


def _finish(account, skus, problems):
    """Products of the FBA location Amazon no longer reports go to 0; lines
    of SKUs no longer reported go; unknown SKUs and unreadable summaries are
    alerted (the alert closed when none are left)."""
    env = account.env
    Stock = env["amazon.fba.stock"]
    Stock.search(
        [("account_id", "=", account.id), ("seller_sku", "not in", skus)]
    ).unlink()
    lines = Stock.search([("account_id", "=", account.id)])
    kept = lines.filtered(lambda s: s.state == "synced").product_id
    held = env["stock.quant"].search(
        [("location_id", "child_of", account.fba_location_id.id)]
    )
    _set_quantities(account, held.product_id - kept, {})
    unknown = lines.filtered(lambda s: s.state != "synced")
    account._alert_resolved("fba_stock", env._("FBA stock read again."))
    if unknown or problems:
        parts = [f"{s.seller_sku}: {s.reason}" for s in unknown]
        parts += [f"{p['sku'] or '?'}: {p['reason']}" for p in problems]
        account._alert(
            "fba_unknown",
            env._("FBA stock of unknown SKUs"),
            env._(
                "Amazon holds FBA stock of %(count)s SKU(s) that are not in Odoo's "
                "stock of %(account)s (see its FBA stock list):\n%(lines)s",
                count=len(parts),
                account=account.name,
                lines="\n".join(parts),
            ),
        )
    else:
        account._alert_resolved(
            "fba_unknown", env._("Every FBA SKU maps to a stored product.")
        )
    return {
        "synced": len(lines) - len(unknown),
        "unknown": len(unknown) + len(problems),
    }
