"""Multi-Channel Fulfilment (MCF) of an outgoing delivery.

Python API for other flows (recommendation, automated shipment):

- ``picking._amazon_mcf_preview()``: one plain dict per shipping speed;
- ``picking._amazon_mcf_send(speed)``: records the intent, then creates the
  MCF order at Amazon; errors land on the delivery and its work item;
- ``picking._amazon_mcf_cancel()``: cancels while Amazon allows, through
  ``amazon.work._send`` like the send.

Each sending is an attempt with an order id of its own
(``amazon_mcf_attempt``): Amazon refuses an id used before, so a delivery
cancelled or failed at Amazon is sent again as a new MCF order, while a
retry of one attempt (the poll after a crash) asks for the same id.

Stock: when sent, the delivery's source location becomes the account's FBA
location (its moves too), because Amazon ships from its own stock; the
delivery is validated from there when Amazon reports it shipped, so the
units leave the FBA location's quants, not the seller's warehouse. Its own
source location is kept (``amazon_mcf_source_location_id``): when Amazon
cancels or cannot fulfil the order, the delivery goes back there and is
reserved again, for the warehouse to ship. When Amazon ships only part
(``CompletePartialled``), only what it shipped is validated; the rest is
Odoo's backorder at the original source, with an activity saying what
Amazon could not fulfil.

The destination address is the delivery partner's or, for an Amazon order,
revealed from the PII vault (purpose ``shipping_label``: the same access rule
as buying a label). It is built into the request in memory and sent; it is
never stored on the delivery, in a work item or in a log.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.models.background_work import BUSY

from ...core import mcf
from ...core.spapi import PermanentError, RetryableError, SPAPIError
from ..accounts.amazon_work_item import LEASE_MINUTES
from ..shipments.stock_picking import SHIPPING_GROUPS

_logger = logging.getLogger(__name__)

MCF_STATES = [
    ("sending", "Sending"),
    ("received", "Received"),
    ("planning", "Planning"),
    ("processing", "Processing"),
    ("shipped", "Shipped"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
# Amazon's FulfillmentOrderStatus -> our state.
STATE_OF = {
    "New": "received",
    "Received": "received",
    "Planning": "planning",
    "Processing": "processing",
    "Complete": "shipped",
    "CompletePartialled": "shipped",
    "Cancelled": "cancelled",
    "Unfulfillable": "failed",
    "Invalid": "failed",
}
OPEN_STATES = ("sending", "received", "planning", "processing")
POLL_BATCH = 50
# A cancel recorded as under way and not settled within this time was left
# by a crash: the next cancel asks Amazon first.
CANCEL_LEASE = timedelta(minutes=LEASE_MINUTES)


class AmazonWorkItemMcf(models.Model):
    _inherit = "amazon.work.item"

    kind = fields.Selection(
        selection_add=[("mcf", "Multi-Channel Fulfilment")],
        ondelete={"mcf": "cascade"},
    )


class StockPickingMcf(models.Model):
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    amazon_mcf_state = fields.Selection(
        MCF_STATES, "MCF state", readonly=True, copy=False, index=True, tracking=True
    )
    amazon_mcf_order_id = fields.Char(
        "MCF order", readonly=True, copy=False, help="Seller fulfillment order id."
    )
    amazon_mcf_account_id = fields.Many2one(
        "amazon.account", "MCF account", readonly=True, copy=False
    )
    amazon_mcf_speed = fields.Selection(
        [(speed, speed) for speed in mcf.SPEEDS], "MCF speed", readonly=True, copy=False
    )
    amazon_mcf_fee = fields.Float("MCF fee (preview)", readonly=True, copy=False)
    amazon_mcf_currency = fields.Char("MCF fee currency", readonly=True, copy=False)
    amazon_mcf_message = fields.Char("MCF message", readonly=True, copy=False)
    amazon_mcf_attempt = fields.Integer(
        "MCF attempt",
        readonly=True,
        copy=False,
        help="How many times this delivery was sent to MCF; each sending is "
        "a new MCF order with an id of its own.",
    )
    amazon_mcf_source_location_id = fields.Many2one(
        "stock.location",
        "Source before MCF",
        readonly=True,
        copy=False,
        help="Where the delivery came from before Amazon was to ship it from "
        "its FBA stock: it returns there if Amazon cancels or cannot fulfil it.",
    )
    amazon_mcf_cancel_since = fields.Datetime(
        "MCF cancel under way since",
        readonly=True,
        copy=False,
        help="A cancel of the MCF order was recorded and Amazon's answer is awaited.",
    )
    amazon_mcf_available = fields.Boolean(compute="_compute_amazon_mcf_available")

    @api.depends("picking_type_code", "state", "company_id", "amazon_mcf_state")
    def _compute_amazon_mcf_available(self):
        has_account = {
            account.company_id.id
            for account in self.env["amazon.account"].sudo().search([])
        }
        for picking in self:
            picking.amazon_mcf_available = (
                picking.picking_type_code == "outgoing"
                and picking.state not in ("done", "cancel")
                and picking.company_id.id in has_account
                and picking.amazon_mcf_state in (False, "cancelled", "failed")
            )

    # -- what is sent ------------------------------------------------------------
    def _amazon_mcf_account(self):
        self.ensure_one()
        account = self.sale_id.amazon_account_id
        if not account:
            # A web-shop order: the account selling in the destination's
            # country (its FBA network ships there, in its currency), else
            # the company's first.
            accounts = (
                self.env["amazon.account"]
                .sudo()
                .search([("company_id", "=", self.company_id.id)])
            )
            country = self.partner_id.country_id
            account = (
                accounts.filtered(lambda a: country in a.marketplace_ids.country_id)[:1]
                or accounts[:1]
            )
        if not account:
            raise UserError(
                self.env._(
                    "%(delivery)s: company %(company)s has no Amazon account.",
                    delivery=self.name,
                    company=self.company_id.name,
                )
            )
        return account.sudo()

    def _amazon_mcf_check(self):
        self.ensure_one()
        if self.picking_type_code != "outgoing":
            raise UserError(
                self.env._(
                    "%(delivery)s is not an outgoing delivery.", delivery=self.name
                )
            )
        if self.state in ("done", "cancel"):
            raise UserError(
                self.env._(
                    "%(delivery)s is already done or cancelled.", delivery=self.name
                )
            )
        if self.amazon_mcf_state in OPEN_STATES + ("shipped",):
            raise UserError(
                self.env._(
                    "%(delivery)s was already sent to Amazon (MCF order %(order)s).",
                    delivery=self.name,
                    order=self.amazon_mcf_order_id,
                )
            )

    def _amazon_mcf_marketplace(self, account):
        marketplace = self.sale_id.amazon_marketplace_id if self.sale_id else False
        # A web-shop order: the account's marketplace of the destination
        # country (its currency and network), else the first.
        country = self.partner_id.country_id
        marketplace = (
            marketplace
            or account.marketplace_ids.filtered(lambda m: m.country_id == country)[:1]
            or account.marketplace_ids[:1]
        )
        if not marketplace:
            raise UserError(
                self.env._(
                    "Amazon account %(account)s has no marketplace.",
                    account=account.name,
                )
            )
        return marketplace.amazon_id

    def _amazon_mcf_sku(self, account, product):
        listing = (
            self.env["amazon.listing"]
            .sudo()
            .search(
                [("account_id", "=", account.id), ("product_id", "=", product.id)],
                limit=1,
            )
        )
        return listing.sku or product.default_code

    def _amazon_mcf_lines(self, account):
        lines = []
        for move in self.move_ids.filtered(lambda m: m.state != "cancel"):
            sku = self._amazon_mcf_sku(account, move.product_id)
            if not sku:
                raise UserError(
                    self.env._(
                        "%(delivery)s: product %(product)s has no Amazon SKU "
                        "(no listing of account %(account)s, no internal reference).",
                        delivery=self.name,
                        product=move.product_id.display_name,
                        account=account.name,
                    )
                )
            # Amazon counts the SKU's own units: a move in packs of 6 sends 6
            # times its quantity (the product's unit of measure).
            lines.append((move.id, sku, move.product_qty))
        return lines

    def _amazon_mcf_address(self):
        """The destination (PII: keep it in memory, pass it on, never log it)."""
        order = self.sale_id
        if order.amazon_order_id:
            found = (
                self.env["amazon.pii.vault"]
                .reveal(
                    order,
                    (
                        "recipient_name",
                        "address_line1",
                        "address_line2",
                        "postal_code",
                        "phone",
                    ),
                    "shipping_label",
                )
                .get(order.id, {})
            )
            partner = order.partner_id
            return {
                "name": found.get("recipient_name"),
                "street": found.get("address_line1"),
                "street2": found.get("address_line2"),
                "zip": found.get("postal_code"),
                "phone": found.get("phone"),
                "city": partner.city,
                "state": partner.state_id.code,
                "country": partner.country_id.code,
            }
        partner = self.partner_id
        return {
            "name": partner.name,
            "street": partner.street,
            "street2": partner.street2,
            "city": partner.city,
            "state": partner.state_id.code,
            "zip": partner.zip,
            "country": partner.country_id.code,
            "phone": partner.phone,
        }

    def _amazon_mcf_user_error(self, error):
        message = str(error) if isinstance(error, (SPAPIError, ValueError)) else ""
        return UserError(
            self.env._("%(delivery)s: %(problem)s", delivery=self.name, problem=message)
        )

    # -- API ---------------------------------------------------------------------
    @api.depends(
        "sale_id.amazon_channel",
        "picking_type_code",
        "location_dest_id.usage",
        "state",
        "amazon_confirm_state",
        "amazon_mcf_state",
    )
    def _compute_amazon_label_ready(self):
        # A delivery Amazon ships (MCF) gets no label of ours: buying one
        # would ship the goods twice (every label path checks this field).
        result = super()._compute_amazon_label_ready()
        for picking in self:
            if picking.amazon_mcf_state in OPEN_STATES + ("shipped",):
                picking.amazon_label_ready = False
        return result

    def _amazon_mcf_preview(self):
        """Amazon's MCF preview of this delivery, one plain dict per speed:
        ``{"speed", "fulfillable", "reasons", "fee", "currency", "earliest",
        "latest"}`` (fee: Amazon's estimated fees summed; earliest/latest:
        arrival, naive UTC or None; reasons: why not fulfillable, in Amazon's
        codes). Raises UserError naming the delivery and the problem when the
        delivery cannot use MCF (not outgoing, no account, no SKU, address
        incomplete) or Amazon refuses the request."""
        self.ensure_one()
        self._amazon_mcf_check()
        account = self._amazon_mcf_account()
        try:
            body = mcf.preview_request(
                self._amazon_mcf_marketplace(account),
                self._amazon_mcf_address(),
                self._amazon_mcf_lines(account),
            )
            with account._client() as client:
                return mcf.parse_preview(client.get_fulfillment_preview(body))
        except (SPAPIError, ValueError) as exc:
            raise self._amazon_mcf_user_error(exc) from None

    def _amazon_mcf_order_key(self, attempt):
        # Stable per database, delivery and attempt: a retry of one attempt
        # asks for the same order, a new attempt is a new order.
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return mcf.fulfillment_order_id(
            "ODOO" + uuid.replace("-", "")[:8], self.id, attempt
        )

    def _amazon_mcf_next_attempt(self):
        # A delivery sent before attempts were counted has an order id and
        # attempt 0: that id was attempt 1.
        done = max(self.amazon_mcf_attempt, 1 if self.amazon_mcf_order_id else 0)
        return done + 1

    def _amazon_mcf_send(self, speed, fee=None, currency=None):
        """Send this delivery to Amazon MCF at ``speed`` (Standard, Expedited,
        Priority). The intent (state "sending", the order id) is committed
        first; the call follows; its outcome is recorded in a transaction of
        its own. Refusals land in ``amazon_mcf_message`` and the work item;
        returns True when Amazon accepted the order. Each send is a new
        attempt (a new order id: Amazon refuses one used before). A crash
        after the intent leaves state "sending": the poll cron asks Amazon
        for that attempt's order id, and a new send is refused meanwhile."""
        self.ensure_one()
        self._amazon_mcf_check()
        account = self._amazon_mcf_account()
        try:
            body = mcf.create_request(
                self._amazon_mcf_marketplace(account),
                # The claim decides the attempt (and so the id) under lock.
                self._amazon_mcf_order_key(self._amazon_mcf_next_attempt()),
                self.name,
                self.scheduled_date or fields.Datetime.now(),
                speed,
                self._amazon_mcf_address(),
                self._amazon_mcf_lines(account),
                self.origin or self.name,
            )
        except ValueError as exc:
            raise self._amazon_mcf_user_error(exc) from None
        picking_id, account_id = self.id, account.id

        def claim(env):
            return (
                env["stock.picking"]
                .browse(picking_id)
                ._amazon_mcf_claim(account_id, speed, fee, currency)
            )

        def call(intent):
            with self.env["amazon.account"].sudo().browse(account_id)._client() as c:
                c.create_fulfillment_order(
                    dict(body, sellerFulfillmentOrderId=intent["order_id"])
                )
                return "created"

        def settle(env, intent, outcome, error):
            return env["stock.picking"].browse(picking_id)._amazon_mcf_settle(error)

        result = self.env["amazon.work"]._send(
            claim, call, settle, rows=[("stock.picking", [picking_id])]
        )
        if result is BUSY or result is None:
            raise UserError(
                self.env._("%(delivery)s is being sent right now.", delivery=self.name)
            )
        self.invalidate_recordset()
        return bool(result)

    def _amazon_mcf_claim(self, account_id, speed, fee, currency):
        """Record the intent (committed before the call): a new attempt and
        its order id. None when another request sent it meanwhile."""
        self.ensure_one()
        if self.amazon_mcf_state in OPEN_STATES + ("shipped",):
            return None
        attempt = self._amazon_mcf_next_attempt()
        order_id = self._amazon_mcf_order_key(attempt)
        account = self.env["amazon.account"].browse(account_id)
        self._amazon_mcf_source_fba(account)
        self.sudo().write(
            {
                "amazon_mcf_state": "sending",
                "amazon_mcf_attempt": attempt,
                "amazon_mcf_order_id": order_id,
                "amazon_mcf_account_id": account_id,
                "amazon_mcf_speed": speed,
                "amazon_mcf_fee": fee or 0.0,
                "amazon_mcf_currency": currency or False,
                "amazon_mcf_message": False,
            }
        )
        item = self.env["amazon.work.item"]._for("mcf", self, account)
        item._claim()
        return {"order_id": order_id}

    def _amazon_mcf_source_fba(self, account):
        """Amazon ships from its own stock: the delivery leaves the FBA location."""
        fba = account.fba_location_id
        if not fba:
            raise UserError(
                self.env._(
                    "Amazon account %(account)s has no FBA warehouse.",
                    account=account.name,
                )
            )
        if self.location_id != fba:
            self.do_unreserve()
            self.sudo().write(
                {
                    "location_id": fba.id,
                    # Kept over several attempts: the first one's is home.
                    "amazon_mcf_source_location_id": (
                        self.amazon_mcf_source_location_id or self.location_id
                    ).id,
                }
            )
            self.move_ids.write({"location_id": fba.id})
            # Amazon holds these units for the order from now on: so does
            # Odoo, or the clerk sees a delivery waiting for stock it has.
            self.sudo().action_assign()

    def _amazon_mcf_home(self):
        """Amazon will not ship it: back to the location it came from,
        reserved there again, for the warehouse to ship."""
        self.ensure_one()
        home = self.amazon_mcf_source_location_id
        if not home or self.state in ("done", "cancel"):
            return
        self.do_unreserve()  # whatever was reserved at the FBA location
        self.sudo().write(
            {"location_id": home.id, "amazon_mcf_source_location_id": False}
        )
        self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")).write(
            {"location_id": home.id}
        )
        self.action_assign()

    def _amazon_mcf_settle(self, error):
        self.ensure_one()
        item = self.env["amazon.work.item"]._for(
            "mcf", self, self.amazon_mcf_account_id
        )
        if error is None:
            self.sudo().write({"amazon_mcf_state": "received"})
            item._succeeded()
            return True
        if isinstance(error, SPAPIError):
            message = str(error)
        else:
            _logger.error(
                "MCF send of picking %s crashed: %s", self.id, type(error).__name__
            )
            message = self.env._(
                "Unexpected error (%(error)s).", error=type(error).__name__
            )
        retry = isinstance(error, RetryableError)
        # A retryable failure stays "sending": the poll asks Amazon first.
        self.sudo().write(
            {
                "amazon_mcf_state": "sending" if retry else "failed",
                "amazon_mcf_message": message[:500],
            }
        )
        if not retry:
            self._amazon_mcf_home()
        item._failed(message, retry=retry)
        return False

    def _amazon_mcf_cancel(self):
        """Cancel the MCF order while Amazon allows (before processing),
        through ``amazon.work._send``: the cancel is committed as under way
        before Amazon is called and Amazon's answer is recorded in a
        transaction of its own, so a rollback of this request cannot forget
        a cancel Amazon made. A cancel left under way by a crash (older than
        the lease) asks Amazon for the order's status before cancelling
        again. Amazon's refusal is raised as a UserError with its message;
        read the delivery back afterwards (it changed in other
        transactions)."""
        self.ensure_one()
        if self.amazon_mcf_state not in OPEN_STATES:
            raise UserError(
                self.env._("%(delivery)s has no open MCF order.", delivery=self.name)
            )
        picking_id, name = self.id, self.name
        account = self.amazon_mcf_account_id.sudo()
        # The units run as superuser: the chatter names the person here.
        who = self.env.user.name

        def claim(env):
            mine = env["stock.picking"].browse(picking_id)
            since = mine.amazon_mcf_cancel_since
            now = fields.Datetime.now()
            if mine.amazon_mcf_state not in OPEN_STATES or (
                since and since > now - CANCEL_LEASE
            ):
                return None
            mine.sudo().amazon_mcf_cancel_since = now
            return {
                "order_id": mine.amazon_mcf_order_id,
                # Left by a crash or an unanswered call: Amazon may have it.
                "ask_first": bool(since),
            }

        def call(intent):
            with account._client() as client:
                if intent["ask_first"]:
                    reply = client.get_fulfillment_order(intent["order_id"])
                    if mcf.parse_order(reply).status == "Cancelled":
                        return "already"
                client.cancel_fulfillment_order(intent["order_id"])
                return "cancelled"

        def settle(env, intent, outcome, error):
            mine = env["stock.picking"].browse(picking_id)
            if error is None:
                mine.sudo().amazon_mcf_cancel_since = False
                mine._amazon_mcf_cancelled(by=who)
                return {}
            if isinstance(error, RetryableError):
                # Amazon may have acted: the next cancel asks first (an
                # expired mark, not a busy one).
                mine.sudo().amazon_mcf_cancel_since = (
                    fields.Datetime.now() - CANCEL_LEASE - timedelta(seconds=1)
                )
            else:
                mine.sudo().amazon_mcf_cancel_since = False
            if isinstance(error, SPAPIError):
                # cancelFulfillmentOrder carries no buyer data: Amazon's own
                # words (a getFulfillmentOrder error arrives withheld).
                problem = env._(
                    "Amazon refused to cancel MCF order %(order)s of "
                    "%(delivery)s: %(problem)s",
                    order=intent["order_id"],
                    delivery=name,
                    problem=error,
                )
            else:
                _logger.error(
                    "MCF cancel of picking %s crashed: %s",
                    picking_id,
                    type(error).__name__,
                )
                problem = env._(
                    "MCF order %(order)s of %(delivery)s was not cancelled "
                    "(%(error)s).",
                    order=intent["order_id"],
                    delivery=name,
                    error=type(error).__name__,
                )
            return {"error": problem}

        outcome = self.env["amazon.work"]._send(
            claim, call, settle, rows=[("stock.picking", [picking_id])]
        )
        self.env.invalidate_all()
        if outcome is BUSY or outcome is None:
            raise UserError(
                self.env._(
                    "The MCF order of %(delivery)s is being cancelled right now, "
                    "or is no longer open.",
                    delivery=name,
                )
            )
        if "error" in outcome:
            raise UserError(outcome["error"])
        return True

    def _amazon_mcf_cancelled(self, by):
        """Amazon cancelled the order at ``by``'s request (a user's name):
        record it, bring the delivery home."""
        self.ensure_one()
        self.sudo().write(
            {"amazon_mcf_state": "cancelled", "amazon_mcf_message": False}
        )
        self.env["amazon.work.item"]._for(
            "mcf", self, self.amazon_mcf_account_id
        )._succeeded()
        self._amazon_mcf_home()
        self.message_post(
            body=self.env._(
                "MCF order %(order)s cancelled at Amazon by %(user)s; the "
                "delivery ships from %(location)s again.",
                order=self.amazon_mcf_order_id,
                user=by,
                location=self.location_id.display_name,
            )
        )

    # -- buttons -------------------------------------------------------------------
    def action_amazon_mcf_open(self):
        """ "Fulfil with Amazon": the preview per speed, then the send."""
        self.ensure_one()
        self._amazon_require(SHIPPING_GROUPS)  # may reveal the address
        return self.env["amazon.mcf.wizard"]._open_for(self)

    def action_amazon_mcf_cancel(self):
        """ "Cancel MCF order" (shipping staff)."""
        self.ensure_one()
        self._amazon_require(SHIPPING_GROUPS)
        return self._amazon_mcf_cancel()

    # -- polling -------------------------------------------------------------------
    @api.model
    def _cron_amazon_mcf_poll(self):
        """Follow open MCF orders; write tracking and validate when shipped."""
        work = self.env["amazon.work"]
        ids = work._run(
            lambda env: (
                env["stock.picking"]
                .search(
                    [("amazon_mcf_state", "in", list(OPEN_STATES))], limit=POLL_BATCH
                )
                .ids
            )
        )
        for picking_id in ids:
            work._run(
                lambda env, p=picking_id: (
                    env["stock.picking"].browse(p)._amazon_mcf_poll()
                ),
                rows=[("stock.picking", [picking_id])],
            )
        self.env.invalidate_all()

    def _amazon_mcf_poll(self):
        self.ensure_one()
        account = self.amazon_mcf_account_id.sudo()
        item = self.env["amazon.work.item"]._for("mcf", self, account)
        if item.next_attempt and item.next_attempt > fields.Datetime.now():
            return False
        try:
            with account._client() as client:
                reply = client.get_fulfillment_order(self.amazon_mcf_order_id)
            status = mcf.parse_order(reply)
        except PermanentError as exc:
            if exc.status == 404 and self.amazon_mcf_state == "sending":
                # The create never reached Amazon: nothing to follow.
                self.sudo().write(
                    {
                        "amazon_mcf_state": "failed",
                        "amazon_mcf_message": self.env._(
                            "Amazon has no such order: send it again."
                        ),
                    }
                )
                self._amazon_mcf_home()
                item._failed(str(exc), retry=False)
                return False
            item._failed(str(exc), retry=False)
            return False
        except (SPAPIError, ValueError) as exc:
            item._failed(str(exc), retry=True)
            return False
        state = STATE_OF.get(status.status, "failed")
        values = {"amazon_mcf_state": state}
        if state not in OPEN_STATES:
            # A cancel left under way (a crash) is answered by Amazon's status.
            values["amazon_mcf_cancel_since"] = False
        if state == "shipped":
            if status.packages:
                package = status.packages[0]
                values["carrier_tracking_ref"] = ",".join(
                    p.tracking for p in status.packages if p.tracking
                )
                values["amazon_mcf_message"] = self.env._(
                    "Shipped by %(carrier)s", carrier=package.carrier
                )
            self.sudo().write(values)
            self._amazon_mcf_validate(status)
            item._succeeded()
        else:
            self.sudo().write(values)
            if state in OPEN_STATES:
                item._queue()  # asked again on the next run
            else:
                self._amazon_mcf_home()
                item._succeeded()
        return True

    def _amazon_mcf_shipped_units(self, status, moves):
        """{move: units Amazon shipped}, in the product's unit of measure (as
        Amazon counts them): its SHIPPED shipments' items (by our item id,
        the move's id); without them, "Complete" means every unit and
        "CompletePartialled" the ordered less the unfulfillable and cancelled
        units of each item."""
        items = {item.item_id: item for item in status.items} if status else {}
        result = {}
        for move in moves:
            key = str(move.id)
            if status is None or (
                not status.shipped_quantities and status.status == "Complete"
            ):
                units = move.product_qty
            elif status.shipped_quantities:
                units = status.shipped_quantities.get(key, 0)
            elif key in items:
                item = items[key]
                units = item.quantity - item.unfulfillable - item.cancelled
            else:
                units = 0
            result[move] = max(0, min(units, move.product_qty))
        return result

    def _amazon_mcf_validate(self, status=None):
        """Amazon shipped it: the delivery is done from the FBA location,
        for the units Amazon shipped. What it did not ship (CompletePartialled)
        is Odoo's backorder, back at the original source location and
        reserved there, with an activity saying what Amazon could not fulfil."""
        if self.state in ("done", "cancel"):
            return
        moves = self.move_ids.filtered(lambda m: m.state != "cancel")
        shipped = self._amazon_mcf_shipped_units(status, moves)
        if not any(shipped.values()):
            # Nothing left Amazon's warehouse: the warehouse ships it all.
            self._amazon_mcf_home()
            return
        items = {item.item_id: item for item in status.items} if status else {}
        short = []
        for move in moves:
            move.quantity = move.product_id.uom_id._compute_quantity(
                shipped[move], move.product_uom
            )
            move.picked = bool(shipped[move])
            missing = move.product_qty - shipped[move]
            if missing > 0:
                item = items.get(str(move.id))
                sku = (item and item.sku) or self._amazon_mcf_sku(
                    self.amazon_mcf_account_id, move.product_id
                )
                short.append((sku, missing))
        if not short:
            self.with_context(skip_backorder=True, skip_sms=True)._action_done()
            return
        home = self.amazon_mcf_source_location_id
        known = self.backorder_ids
        self.with_context(skip_sms=True)._action_done()  # Odoo's backorder
        backorder = (self.backorder_ids - known).filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        words = self.env._(
            "Amazon could not fulfil %(what)s of MCF order %(order)s.",
            what=", ".join(
                self.env._("%(units)s units of %(sku)s", units=f"{u:g}", sku=sku)
                for sku, u in short
            ),
            order=self.amazon_mcf_order_id,
        )
        if backorder and home:
            backorder.do_unreserve()
            backorder.sudo().write({"location_id": home.id})
            backorder.move_ids.write({"location_id": home.id})
            backorder.action_assign()
        for picking in backorder:
            picking.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Ship what Amazon could not"),
                note=words
                + " "
                + self.env._(
                    "This backorder ships the rest from %(location)s.",
                    location=picking.location_id.display_name,
                ),
                user_id=self.amazon_mcf_account_id._alert_user().id,
            )
        self.sudo().amazon_mcf_source_location_id = False
        self.message_post(
            body=words
            + " "
            + self.env._(
                "Only what Amazon shipped is validated; the backorder %(new)s "
                "ships the rest.",
                new=", ".join(backorder.mapped("name")),
            )
        )
