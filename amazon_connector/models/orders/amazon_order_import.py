"""Apply Amazon orders (as core.order_mapping plans them) to sale orders.

Each order is applied in a savepoint: an order that fails is rolled back
alone and parked with its reason; the rest of the page goes through.
"""

import logging
from collections import defaultdict

from odoo import Command, api, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core import masking, registry

from ...core import order_mapping
from ...core.spapi import redact

_logger = logging.getLogger(__name__)

CHARGE_PRODUCTS = {
    "shipping": "shipping_product_id",
    "gift_wrap": "gift_wrap_product_id",
    "discount": "discount_product_id",
    "cod_fee": "fee_product_id",
    "other": "fee_product_id",
    "tax": "tax_product_id",
    "mf_tax": "mf_tax_product_id",
}
CONFIRMED = ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")
SHIPPED = ("PARTIALLY_SHIPPED", "SHIPPED")
CLOSED = ("CANCELLED", "UNFULFILLABLE")
FULFILLED = ("SHIPPED", *CLOSED)  # the buyer's address is no longer needed


class AmazonOrderImport(models.AbstractModel):
    _name = "amazon.order.import"
    _description = "Amazon Order Import"

    @api.model
    @api.private
    def import_orders(self, account, orders, counters, force=False):
        """Upsert one page of Amazon orders; ``counters`` gets created,
        updated, unchanged and failed. ``force`` re-applies unchanged ones."""
        # Malformed orders are parked one by one below: nothing here may
        # assume their shape (docs/data-protection.md #24).
        ids = [order_mapping.order_id_of(o) for o in orders]
        existing = {
            o.amazon_order_id: o
            for o in self.env["sale.order"].search(
                [
                    ("amazon_account_id", "=", account.id),
                    ("amazon_order_id", "in", ids),
                ]
            )
        }
        parked = {
            p.amazon_order_id: p
            for p in self.env["amazon.parked.order"].search(
                [("account_id", "=", account.id), ("amazon_order_id", "in", ids)]
            )
        }
        # Chatter creation notes and tracking of imported orders are noise
        # (and a third of the import's time).
        importer = self.with_context(tracking_disable=True, mail_create_nolog=True)
        cache = _PageCache(importer.env, account, orders)
        applied, imported = [], []
        for raw in orders:
            amazon_id = order_mapping.order_id_of(raw)
            order = existing.get(amazon_id)
            try:
                with self.env.cr.savepoint():
                    outcome, order, plan = importer._apply(cache, raw, order, force)
            except Exception as exc:  # noqa: BLE001 - any failure parks the order
                counters["failed"] += 1
                self._park(
                    account,
                    amazon_id,
                    _reason(exc),
                    order_mapping.fulfilled_by(raw),
                    order,
                )
                continue
            counters[outcome] += 1
            if outcome != "unchanged":
                applied.append((order, plan))
                imported.append((order, raw))
            if amazon_id in parked:
                parked.pop(amazon_id).unlink()
        self._date_buyer_data(applied)
        if imported:
            self._imported(account, imported)

    def _imported(self, account, orders):
        """Hook: ``[(sale order, Amazon's order object)]`` created or updated
        on this page, while the buyer data is in memory (never stored outside
        the vault). amazon_ai scores them here."""

    def _date_buyer_data(self, applied):
        """Retention facts of a page's orders in two batched vault calls: the
        purge date (docs/data-protection.md #1) and, once shipped or
        cancelled, the end of warehouse access."""
        vault = self.env["amazon.pii.vault"]
        dates = []
        for order, plan in applied:
            shipped = [p["ship_time"] for p in plan.packages if p.get("ship_time")]
            purge_on = vault.purge_date_for(
                latest_delivery=plan.latest_delivery,
                shipped=max(shipped) if shipped else None,
                purchased=plan.created,
            )
            dates.append((order, purge_on))
        vault.set_purge_after(dates)
        done = [order for order, plan in applied if plan.status in FULFILLED]
        if done:
            vault.mark_fulfilled(self.env["sale.order"].union(*done))

    def _import_step(self, account, order, counters):
        """One re-fetched order, applied even when Amazon shows no change."""
        return self.with_env(account.env).import_orders(
            account, [order], counters, force=True
        )

    def _park_step(self, account, amazon_id, reason, fulfilled_by):
        return self.with_env(account.env)._park(
            account, amazon_id, reason, fulfilled_by
        )

    def _park(self, account, amazon_id, reason, fulfilled_by=None, order=None):
        _logger.warning(
            "Amazon order %s of account %s parked: %s", amazon_id, account.id, reason
        )
        Parked = self.env["amazon.parked.order"].sudo()
        parked = Parked.search(
            [("account_id", "=", account.id), ("amazon_order_id", "=", amazon_id)]
        )
        vals = {}
        if fulfilled_by:
            vals["fulfilled_by"] = fulfilled_by
        if order:
            vals["sale_order_id"] = order.id
            order.amazon_sync_error = reason
        if parked:
            parked.write(vals)
        else:
            parked = Parked.create(
                [dict(vals, account_id=account.id, amazon_order_id=amazon_id)]
            )
        parked.work_item_id._failed(reason)
        parked._alert_parked()

    # -- one order ---------------------------------------------------------
    def _apply(self, cache, raw, order, force):
        setting = cache.tax_setting(raw)
        plan = order_mapping.plan_order(raw, fold_tax=bool(setting))
        seen = order and order.amazon_last_update
        if seen and not force and seen >= plan.last_updated:
            return "unchanged", order, plan  # seen again through the overlap
        pii = order_mapping.pii_values(raw, registry.FIELDS)
        created = not order
        if created:
            order = self._create_order(cache, plan, setting)
        else:
            self._update_order(cache, order, plan, setting)
        if pii and not order.amazon_buyer_data_purged:
            self.env["amazon.pii.vault"].store([(order, pii)])
        self._follow_status(cache.account, order, plan)
        return ("created" if created else "updated"), order, plan

    def _header(self, cache, plan):
        return {
            "amazon_status": plan.status,
            "amazon_last_update": plan.last_updated,
            "amazon_purchase_date": plan.created,
            "amazon_latest_ship_date": plan.latest_ship,
            # Odoo's delivery date: the deliveries' deadline and scheduled
            # date follow it, so "late" means late for Amazon.
            "commitment_date": plan.latest_ship or False,
            "amazon_latest_delivery_date": plan.latest_delivery,
            "amazon_service_level": plan.service_level,
            "amazon_is_prime": plan.is_prime,
            "amazon_is_business": plan.is_business,
            "amazon_channel": plan.channel,
            "amazon_seller_order_ref": plan.seller_order_id,
            "amazon_sync_error": False,
        }

    def _tax_header(self, plan, setting):
        """Amazon's tax the order's is compared with (sale_order_tax.py)."""
        return {
            "amazon_tax_checked": bool(setting),
            "amazon_tax": float(plan.included_tax) if setting else 0.0,
        }

    def _create_order(self, cache, plan, setting):
        account = cache.account
        marketplace = cache.marketplace(plan.marketplace_id)
        currency = cache.currency(plan.currency) or marketplace.currency_id
        if not currency.active:
            currency.sudo().active = True  # Odoo refuses documents otherwise
        partner = self._buyer(cache, plan, marketplace)
        taxes, position = self._line_taxes(plan, setting)
        vals = {
            **self._header(cache, plan),
            **self._tax_header(plan, setting),
            "fiscal_position_id": position.id,
            "amazon_account_id": account.id,
            "amazon_order_id": plan.order_id,
            "amazon_marketplace_id": marketplace.id,
            "partner_id": partner.id,
            "company_id": account.company_id.id,
            "warehouse_id": (
                account.fba_warehouse_id
                if plan.channel in ("afn", "mcf")
                else account.warehouse_id
            ).id,
            "team_id": account.team_id.id,
            "user_id": False,
            "pricelist_id": account._pricelist_for(currency).id,
            "client_order_ref": plan.order_id,
            "origin": plan.seller_order_id,
            "date_order": plan.created,
            "order_line": [
                Command.create(v) for v in self._line_vals(cache, plan, taxes)
            ],
        }
        order = self.env["sale.order"].create(vals)
        unknown = [
            line.sku
            for line in plan.lines
            if line.kind == "item" and not cache.product(line.sku)
        ]
        if unknown:
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Unknown Amazon SKU"),
                note=self.env._(
                    "Amazon sold SKU(s) %(skus)s, which match no product. Map "
                    "them under Amazon > Offers; the lines use a placeholder.",
                    skus=", ".join(unknown),
                ),
                user_id=account.create_uid.id or self.env.uid,
            )
        return order

    def _buyer(self, cache, plan, marketplace):
        """A pseudonymous contact per order: only what taxes need."""
        country = cache.country(plan.tax_country) or marketplace.country_id
        return (
            self.env["res.partner"]
            .sudo()
            .create(
                {
                    "name": masking.pseudonym(plan.order_id),
                    "amazon_buyer": True,
                    "country_id": country.id,
                    "state_id": cache.state(country, plan.tax_state).id,
                    "city": plan.tax_city or False,
                    "company_id": cache.account.company_id.id,
                }
            )
        )

    def _line_taxes(self, plan, setting):
        """Odoo taxes of the lines Amazon's tax was folded into, and the
        order's fiscal position (VAT-registered business buyers)."""
        if not setting:
            return self.env["account.tax"], self.env["account.fiscal.position"]
        # The reverse charge applies where Amazon applied it: a registered
        # business buyer Amazon charged no VAT (a domestic one pays VAT).
        return setting._taxes_for(plan.buyer_vat_registered and not plan.included_tax)

    def _line_vals(self, cache, plan, taxes):
        account = cache.account
        vals_list = []
        for line in plan.lines:
            if line.kind == "item":
                product = cache.product(line.sku) or account.unknown_product_id
                label = f"[{line.sku}] {line.title or ''}".strip()
                if not cache.product(line.sku):
                    label = self.env._("Unknown SKU %(label)s", label=label)
            else:
                product = account[CHARGE_PRODUCTS[line.kind]]
                label = line.title or product.display_name
            vals_list.append(
                {
                    "product_id": product.id,
                    "name": label,
                    "product_uom_qty": float(line.quantity),
                    "price_unit": float(line.price_unit),
                    # Amounts are as Amazon charged them: Amazon's tax is in
                    # the taxed lines' prices (price-included tax), else lines.
                    "tax_id": [Command.set(taxes.ids if line.taxed else [])],
                    "amazon_item_id": line.amazon_item_id,
                    "amazon_line_key": line.key,
                }
            )
        return vals_list

    def _update_order(self, cache, order, plan, setting):
        order.write(self._header(cache, plan))
        if order.state not in ("draft", "sent"):
            return  # confirmed lines are the deliveries' and invoices' now
        taxes, position = self._line_taxes(plan, setting)
        vals = {**self._tax_header(plan, setting), "fiscal_position_id": position.id}
        if any(order[name] != value for name, value in vals.items()):
            order.write(vals)
        by_key = {line.amazon_line_key: line for line in order.order_line}
        commands = []
        for vals in self._line_vals(cache, plan, taxes):
            line = by_key.pop(vals["amazon_line_key"], None)
            line_taxes = vals["tax_id"][0][2]
            if line is None:
                commands.append(Command.create(vals))
            elif (
                line.price_unit != vals["price_unit"]
                or line.product_uom_qty != vals["product_uom_qty"]
                or set(line.tax_id.ids) != set(line_taxes)
            ):
                commands.append(
                    Command.update(
                        line.id,
                        {
                            "price_unit": vals["price_unit"],
                            "product_uom_qty": vals["product_uom_qty"],
                            "tax_id": [Command.set(line_taxes)],
                        },
                    )
                )
        commands += [Command.delete(line.id) for line in by_key.values()]
        if commands:
            order.order_line = commands

    # -- status ------------------------------------------------------------
    def _follow_status(self, account, order, plan):
        status = plan.status
        if status in CONFIRMED and order.state in ("draft", "sent"):
            order.action_confirm()
            order.date_order = plan.created  # confirming stamps "now" on it
        if status in SHIPPED and plan.channel in ("afn", "mcf"):
            self._deliver_from_amazon(order, plan)
        if status in SHIPPED and plan.channel == "mfn":
            self._shipped_elsewhere(account, order, plan)
        if status in CLOSED and order.state != "cancel":
            self._cancel(order)
        if (
            account.auto_invoice
            and status == "SHIPPED"
            and order.invoice_status == "to invoice"
        ):
            self._invoice(account, order, plan)

    def _invoice(self, account, order, plan):
        """Invoice a shipped order once its goods have left: dated the day
        Amazon reports it shipped (the purchase day when Amazon gives no ship
        time), so revenue lands in the period of the sale, not of the import;
        facilitator tax goes to its liability account, not to revenue."""
        if order.picking_ids.filtered(
            lambda p: (
                p.state not in ("done", "cancel") and p.move_ids._amazon_to_buyer()
            )
        ):
            return  # not delivered in Odoo yet: invoiced when it is
        shipped = [p["ship_time"] for p in plan.packages if p.get("ship_time")]
        invoice_date = (max(shipped) if shipped else plan.created).date()
        account._ensure_facilitator_tax_account()
        try:
            with self.env.cr.savepoint():
                moves = order._create_invoices()
                moves.invoice_date = invoice_date
                moves.action_post()
        except UserError as exc:  # a lock date, a missing account: say so
            order.amazon_sync_error = self.env._(
                "The invoice of this shipped order could not be posted: %(reason)s",
                reason=str(exc),
            )

    def _shipped_elsewhere(self, account, order, plan):
        """Amazon reports a merchant-fulfilled order (partly) shipped while
        its delivery is open in Odoo: shipped on Seller Central, by another
        tool, or before the first sync. By default the delivery (with the
        pick and pack steps of a multi-step warehouse) is validated for what
        Amazon shipped (backorders keep the rest), marked as known to
        Amazon, and nothing is sent back; else it stays open with an
        activity for a person to decide."""
        open_ = order.picking_ids.filtered(
            lambda p: (
                p.state not in ("done", "cancel") and p.move_ids._amazon_to_buyer()
            )
        )
        if not open_:
            return
        if account.shipped_elsewhere == "activity":
            summary = self.env._("Amazon reports this order shipped")
            # On the delivery; a multi-step warehouse creates it once the
            # goods are picked, so until then on the open steps.
            for picking in (
                open_.filtered(lambda p: p._amazon_ships_to_buyer()) or open_
            ).filtered(lambda p: summary not in p.activity_ids.mapped("summary")):
                picking.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=summary,
                    note=self.env._(
                        "Amazon reports %(order)s as %(status)s, but this delivery "
                        "is still open in Odoo. Validate it if the goods left, or "
                        "cancel what will not ship.",
                        order=order.amazon_order_id,
                        status=plan.status,
                    ),
                    user_id=(picking.user_id or account.user_id or self.env.user).id,
                )
            return
        # On the transfers' environment: the delivery's validation hook reads it.
        self._deliver_from_amazon(
            order.with_context(amazon_shipped_elsewhere=True), plan
        )

    def _deliver_from_amazon(self, order, plan):
        """Amazon shipped (from its warehouse, or the seller outside Odoo):
        the quantities Amazon reports fulfilled reach the buyer in Odoo too,
        through every step of the warehouse. Partly shipped: backorders keep
        the rest to ship. Shipped: Amazon considers the order complete (an
        item it does not detail shipped whole), so nothing stays open.

        Each transfer is validated in a savepoint of its own: one Odoo will
        not validate alone (lots, serials) stops the chain there and says so
        on the order, while Amazon's status and everything else still apply."""
        targets = defaultdict(float)
        for line in order.order_line:
            item = line.amazon_item_id  # False for a line the seller added
            if plan.status == "SHIPPED" and item not in plan.shipped:
                targets[item] += line.product_uom_qty
            else:
                targets[item] = plan.shipped.get(item, 0)
        done_before = order.picking_ids.filtered(lambda p: p.state == "done")
        stopped = self.env["stock.picking"]._amazon_ship_to_buyer(
            order, targets, backorder=order.amazon_status != "SHIPPED"
        )
        self._as_amazon_shipped(
            plan, order.picking_ids.filtered(lambda p: p.state == "done") - done_before
        )
        if stopped:
            transfer, reason = stopped
            order.amazon_sync_error = self.env._(
                "Amazon reports this order shipped, but transfer "
                "%(picking)s could not be validated: %(reason)s",
                picking=transfer.name,
                reason=reason,
            )

    def _as_amazon_shipped(self, plan, transfers):
        """Transfers validated because Amazon shipped are dated when Amazon
        shipped (stock history and "done" dates tell the truth, not the
        import time) and the deliveries carry Amazon's tracking numbers."""
        times = [p["ship_time"] for p in plan.packages if p.get("ship_time")]
        if not transfers or not times:
            return
        when = max(times)
        numbers = {p["tracking_number"] for p in plan.packages}
        tracking = ", ".join(sorted(n for n in numbers if n))
        for transfer in transfers:
            vals = {"date_done": when}
            if tracking and transfer._amazon_ships_to_buyer():
                vals["carrier_tracking_ref"] = transfer.carrier_tracking_ref or tracking
            transfer.sudo().write(vals)
            moves = transfer.move_ids.filtered(lambda m: m.state == "done")
            moves.sudo().write({"date": when})
            moves.move_line_ids.sudo().write({"date": when})

    def _cancel(self, order):
        pickings = order.picking_ids
        if not pickings.filtered(lambda p: p.state == "done"):
            order.with_context(disable_cancel_warning=True)._action_cancel()
            return
        # Part already left: stop what has not, and tell the seller.
        pickings.filtered(lambda p: p.state not in ("done", "cancel")).action_cancel()
        order.amazon_sync_error = self.env._(
            "Amazon cancelled this order after goods left the warehouse: "
            "handle the return manually."
        )


def _reason(exc):
    """A parking reason: the error's text, redacted and bounded."""
    if isinstance(exc, order_mapping.OrderDataError):
        return str(exc)
    return redact.text(f"{type(exc).__name__}: {exc}")[:500]


class _PageCache:
    """Lookups shared by the orders of one page (one query per kind)."""

    def __init__(self, env, account, orders):
        self.env = env
        self.account = account
        skus = order_mapping.seller_skus(orders)
        offers = env["amazon.offer"].sudo()._for_skus(account, skus) if skus else {}
        self._products = {sku: offer.product_id for sku, offer in offers.items()}
        self._marketplaces = {
            m.amazon_id: m for m in env["amazon.marketplace"].search([])
        }
        self._tax_settings = {
            s.marketplace_id.amazon_id: s for s in account.sudo().tax_setting_ids
        }
        self._currencies = {}
        self._countries = {}
        self._states = {}

    def product(self, sku):
        return self._products.get(sku) or self.env["product.product"]

    def marketplace(self, amazon_id):
        marketplace = self._marketplaces.get(amazon_id)
        if not marketplace:
            raise order_mapping.OrderDataError(
                None, f"unknown marketplace {amazon_id!r}"
            )
        return marketplace

    def tax_setting(self, raw):
        """The tax setting of the marketplace ``raw`` was sold on (empty:
        none), whatever the shape of ``raw`` (a malformed order is refused
        by the planning that follows)."""
        channel = raw.get("salesChannel") if isinstance(raw, dict) else None
        amazon_id = channel.get("marketplaceId") if isinstance(channel, dict) else None
        return self._tax_settings.get(amazon_id) or self.env["amazon.account.tax"]

    def currency(self, code):
        if code and code not in self._currencies:
            self._currencies[code] = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", code)], limit=1)
            )
        return self._currencies.get(code) or self.env["res.currency"]

    def country(self, code):
        if code and code not in self._countries:
            self._countries[code] = self.env["res.country"].search(
                [("code", "=", code.upper())], limit=1
            )
        return self._countries.get(code) or self.env["res.country"]

    def state(self, country, name):
        key = (country.id, name)
        if name and key not in self._states:
            self._states[key] = self.env["res.country.state"].search(
                [
                    ("country_id", "=", country.id),
                    "|",
                    ("code", "=ilike", name),
                    ("name", "=ilike", name),
                ],
                limit=1,
            )
        return self._states.get(key) or self.env["res.country.state"]
