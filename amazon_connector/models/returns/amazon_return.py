"""One returned item of an Amazon returns report, and its return picking.

Two reports feed it (``core/returns_report.py`` reads them):

- the merchant-fulfilled returns report (channel ``mfn``): the buyer asked
  Amazon to return an item the seller shipped; the item comes back to the
  seller's warehouse;
- the FBA customer returns report (channel ``afn``): a fulfilment centre
  took an item back; Amazon says in ``disposition`` whether it can be sold
  again (SELLABLE) or not (DEFECTIVE, CUSTOMER_DAMAGED...).

The return key (unique per account) is what Amazon gives each return:

- MFN: ``MFN:<Amazon RMA id>:<SKU>`` (an RMA is one return request, which
  may cover several items of the order: the SKU tells them apart);
- AFN: ``AFN:<license plate number>:<SKU>`` (the fulfilment centre's label
  of the returned unit(s), one per return);
- when Amazon left that id empty: ``<channel>:<order id>:<SKU>:<return
  date>`` (plus the disposition for AFN), which does not change between
  two reads of the same return either;
- a row the parser could not read (no order id, a bad quantity or date):
  ``ROW:<channel>:<sha1 of the row's text>``, so reading that row again
  does not park it twice.

A report read twice, or two overlapping windows, find the record by its key
and never make a second picking. Records carry no buyer data: the reports'
free-text columns are dropped by the parser.
"""

import hashlib
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

_logger = logging.getLogger(__name__)

CHANNELS = [("mfn", "Merchant (MFN)"), ("afn", "Amazon (FBA)")]
STATES = [
    ("done", "Done"),
    ("waiting", "Waiting for the order or its delivery"),
    ("parked", "Parked"),
]
SELLABLE = "SELLABLE"


def return_key(record):
    """The stable key of a parsed ``ReturnRecord`` (see the module's doc)."""
    channel = record.channel.upper()
    amazon_id = record.rma_id if channel == "MFN" else record.license_plate
    if amazon_id:
        return f"{channel}:{amazon_id}:{record.sku}"
    parts = [channel, record.order_id, record.sku, record.return_date.isoformat()]
    if channel == "AFN":
        parts.append(record.disposition)
    return ":".join(parts)


def row_key(channel, text):
    digest = hashlib.sha1(text.encode()).hexdigest()[:20]
    return f"ROW:{channel.upper()}:{digest}"


def mfn_received(delivered_on):
    """Whether a merchant return is back in the seller's hands: Amazon fills
    the report's "Return delivery date" when the return carrier delivered the
    parcel to the seller. The request's status alone does not say it:
    "Approved" is a request whose parcel may be on its way, and Amazon also
    closes requests whose item never came back (the buyer did not send it,
    a refund at first scan), so "Closed" without a delivery date is not a
    receipt."""
    return bool(delivered_on)


class AmazonReturn(models.Model):
    _name = "amazon.return"
    _description = "Amazon Return"
    _check_company_auto = True
    _order = "return_date desc, id desc"
    _rec_name = "return_key"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    return_key = fields.Char(
        "Return key",
        required=True,
        readonly=True,
        help="Amazon's id of the return: RMA id (merchant returns) or license "
        "plate number (FBA returns) with the SKU; else order, SKU and date.",
    )
    amazon_order_id = fields.Char("Amazon order", readonly=True, index=True)
    sale_order_id = fields.Many2one(
        "sale.order", "Sales order", readonly=True, check_company=True, index=True
    )
    sku = fields.Char("SKU", readonly=True)
    asin = fields.Char("ASIN", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, check_company=True)
    quantity = fields.Integer(readonly=True)
    return_date = fields.Datetime(
        readonly=True,
        help="FBA: when the fulfilment centre processed the return; merchant: "
        "the day the buyer asked for it.",
    )
    received_on = fields.Date(
        "Back at the seller's",
        readonly=True,
        help="Merchant returns: the report's return delivery date.",
    )
    reason = fields.Char(readonly=True)
    disposition = fields.Char(
        "FBA disposition", readonly=True, help="SELLABLE, DEFECTIVE, DAMAGED..."
    )
    amazon_status = fields.Char("Amazon status", readonly=True)
    resolution = fields.Char(readonly=True)
    report_line = fields.Integer("Report row", readonly=True)
    picking_id = fields.Many2one(
        "stock.picking", "Return picking", readonly=True, check_company=True
    )
    picking_state = fields.Selection(related="picking_id.state", string="Picking")
    state = fields.Selection(STATES, required=True, readonly=True, default="waiting")
    problem = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "return_key_uniq",
            "unique(account_id, return_key)",
            "Amazon lists a return once per account.",
        ),
    ]

    def action_view_picking(self):
        self.ensure_one()
        self.check_access("read")
        return self.picking_id.get_formview_action()

    # -- recording report rows ------------------------------------------------
    @api.model
    def _record_rows(self, account, records, errors):
        """Create the records of a report's rows not recorded yet; update the
        status of those already known. Returns the ids to process."""
        keys = [return_key(r) for r in records] + [e["key"] for e in errors]
        known = {
            r.return_key: r
            for r in self.search(
                [("account_id", "=", account.id), ("return_key", "in", keys)]
            )
        }
        created = []
        new_keys = set()
        touched = self.browse()
        for record in records:
            key = return_key(record)
            vals = {
                "amazon_status": record.status,
                "disposition": record.disposition or False,
                "received_on": record.return_delivery_date or False,
                "resolution": record.resolution or False,
                "report_line": record.line,
            }
            if key in new_keys:
                continue  # the same return twice in one report: once
            if key in known:
                known[key].write(vals)
                touched |= known[key]
                continue
            new_keys.add(key)
            created.append(
                {
                    **vals,
                    "account_id": account.id,
                    "channel": record.channel.lower(),
                    "return_key": key,
                    "amazon_order_id": record.order_id,
                    "sku": record.sku,
                    "asin": record.asin or False,
                    "quantity": record.quantity,
                    "return_date": record.return_date.replace(tzinfo=None),
                    "reason": record.reason or False,
                    "state": "waiting",
                }
            )
        for error in errors:
            if error["key"] in known or error["key"] in new_keys:
                continue
            new_keys.add(error["key"])
            created.append(
                {
                    "account_id": account.id,
                    "channel": error["channel"],
                    "return_key": error["key"],
                    "amazon_order_id": error["order_id"] or False,
                    "report_line": error["line"],
                    "state": "parked",
                    "problem": error["problem"],
                }
            )
        new = self.create(created) if created else self.browse()
        todo = new | touched.filtered(
            lambda r: (
                r.state != "done"
                or (r.picking_id and r.picking_id.state not in ("done", "cancel"))
            )
        )
        return todo.filtered("quantity").ids

    # -- processing ------------------------------------------------------------
    def _process(self):
        """Bring each return to its end: its picking made (validated when
        Amazon or the parcel says the goods are back), or waiting for its
        order or delivery, or parked with the problem. Each return in a
        savepoint of its own: one that fails never stops the others."""
        for ret in self:
            try:
                with self.env.cr.savepoint():
                    ret._process_one()
            except UserError as exc:
                ret.write({"state": "parked", "problem": str(exc)})

    def _process_one(self):
        self.ensure_one()
        account = self.account_id
        if self.picking_id:
            self._validate_if_received()
            self.write({"state": "done", "problem": False})
            return
        order = self.sale_order_id or self.env["sale.order"].search(
            [
                ("amazon_account_id", "=", account.id),
                ("amazon_order_id", "=", self.amazon_order_id),
            ],
            limit=1,
        )
        if not order:
            self._wait(
                self.env._(
                    "Order %(order)s is not in Odoo yet: retried at the next sync.",
                    order=self.amazon_order_id,
                )
            )
            return
        self.sale_order_id = order
        if not self.product_id:
            offer = self.env["amazon.offer"]._for_skus(account, [self.sku])[self.sku]
            product = offer.product_id
            if not product:
                self._park(
                    self.env._(
                        "Row %(line)s: no product is mapped to SKU %(sku)s: map it "
                        "under Amazon > Offers.",
                        line=self.report_line,
                        sku=self.sku,
                    )
                )
                return
            self.product_id = product
        if self.channel == "mfn" and account.returns_mfn_mode == "none":
            self.write({"state": "done", "problem": False})
            return
        self._make_picking(order)

    def _wait(self, problem):
        self.write({"state": "waiting", "problem": problem})

    def _park(self, problem):
        self.write({"state": "parked", "problem": problem})

    def _deliveries(self, order):
        """Done deliveries of ``order`` to the buyer that hold the product,
        newest first, with the units still returnable from each."""
        found = []
        for picking in order.picking_ids.sorted("date_done", reverse=True):
            if picking.state != "done" or picking.picking_type_code != "outgoing":
                continue
            moves = picking.move_ids.filtered(
                lambda m: (
                    m.state == "done"
                    and m.product_id == self.product_id
                    and m.location_dest_id.usage == "customer"
                )
            )
            if not moves:
                continue
            left = {move: _returnable(move) for move in moves}
            found.append((picking, left))
        return found

    def _make_picking(self, order):
        product = self.product_id
        rounding = product.uom_id.rounding
        deliveries = self._deliveries(order)
        if not deliveries:
            self._wait(
                self.env._(
                    "No delivery of %(product)s on %(order)s is done in Odoo yet: "
                    "retried at the next sync.",
                    product=product.display_name,
                    order=order.name,
                )
            )
            return
        fit = [
            (picking, left)
            for picking, left in deliveries
            if float_compare(
                sum(left.values()), self.quantity, precision_rounding=rounding
            )
            >= 0
        ]
        if not fit:
            open_ = order.picking_ids.filtered(
                lambda p: (
                    p.state not in ("done", "cancel")
                    and p.picking_type_code == "outgoing"
                    and product in p.move_ids.product_id
                )
            )
            delivered = sum(sum(left.values()) for _p, left in deliveries)
            message = self.env._(
                "Row %(line)s: %(quantity)s unit(s) of %(product)s returned, but only "
                "%(left)s delivered and not returned yet on %(order)s (in one "
                "delivery).",
                line=self.report_line,
                quantity=self.quantity,
                product=product.display_name,
                left=delivered,
                order=order.name,
            )
            if open_:
                self._wait(message + " " + self.env._("Retried at the next sync."))
            else:
                self._park(message)
            return
        delivery, left = fit[0]
        destination = self._destination(delivery)
        picking = self._create_return(delivery, left, destination)
        self.write({"picking_id": picking.id, "state": "done", "problem": False})
        self._validate_if_received()

    def _destination(self, delivery):
        account = self.account_id
        if self.channel == "afn":
            if not account.fba_location_id:
                raise UserError(
                    self.env._(
                        "Amazon account %(account)s has no FBA warehouse.",
                        account=account.name,
                    )
                )
            if (self.disposition or "").upper() == SELLABLE:
                return account.fba_location_id
            return account._returns_unsellable_location()
        warehouse = delivery.picking_type_id.warehouse_id or account.warehouse_id
        return warehouse.lot_stock_id

    def _create_return(self, delivery, left, destination):
        """Odoo's own return of ``delivery`` for this return's units only."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({"picking_id": delivery.id})
        )
        wanted = self.quantity
        for line in wizard.product_return_moves:
            take = 0
            if line.move_id in left and wanted > 0:
                take = min(left[line.move_id], wanted)
                wanted -= take
            line.quantity = take
        picking = wizard._create_return()
        order = self.sale_order_id
        picking.write(
            {
                "location_dest_id": destination.id,
                "origin": self.env._(
                    "%(order)s (Amazon %(amazon)s): return of %(delivery)s",
                    order=order.name,
                    amazon=self.amazon_order_id,
                    delivery=delivery.name,
                ),
            }
        )
        picking.move_ids.write({"location_dest_id": destination.id})
        picking.move_ids.move_line_ids.write({"location_dest_id": destination.id})
        return picking

    def _received(self):
        if self.channel == "afn":
            return True  # Amazon's centre has processed it
        return mfn_received(self.received_on)

    def _validate_if_received(self):
        picking = self.picking_id
        if picking.state in ("done", "cancel") or not self._received():
            return
        for move in picking.move_ids.filtered(lambda m: m.state != "cancel"):
            if float_is_zero(
                move.quantity, precision_rounding=move.product_uom.rounding
            ):
                move.quantity = move.product_uom_qty
            move.picked = True
        picking.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=picking.ids
        )._action_done()
        when = self.return_date
        if self.channel == "mfn" and self.received_on:
            when = fields.Datetime.to_datetime(self.received_on)
        if when and picking.state == "done":
            picking.date_done = when
            picking.move_ids.write({"date": when})
            picking.move_ids.move_line_ids.write({"date": when})


def _returnable(move):
    """Units of a done delivery move not returned yet (returns not cancelled)."""
    returned = sum(r.product_qty for r in move.returned_move_ids if r.state != "cancel")
    return max(move.product_qty - returned, 0)


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    amazon_return_ids = fields.One2many(
        "amazon.return",
        "sale_order_id",
        "Amazon returns",
        readonly=True,
        groups="amazon_pii.group_amazon_user",
    )
    amazon_return_count = fields.Integer(
        compute="_compute_amazon_return_count", groups="amazon_pii.group_amazon_user"
    )

    @api.depends("amazon_return_ids")
    def _compute_amazon_return_count(self):
        for order in self:
            order.amazon_return_count = len(order.amazon_return_ids)

    def action_view_amazon_returns(self):
        self.check_access("read")
        self.env["amazon.return"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_return"
        )
        action["domain"] = [("sale_order_id", "in", self.ids)]
        return action
