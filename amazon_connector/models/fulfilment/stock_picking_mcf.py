"""Multi-Channel Fulfilment (MCF) of an outgoing delivery.

Python API for other flows (recommendation, automated shipment):

- ``picking._amazon_mcf_preview()``: one plain dict per shipping speed;
- ``picking._amazon_mcf_send(speed)``: records the intent, then creates the
  MCF order at Amazon; errors land on the delivery and its work item;
- ``picking._amazon_mcf_cancel()``: cancels while Amazon allows.

Stock: when sent, the delivery's source location becomes the account's FBA
location (its moves too), because Amazon ships from its own stock; the
delivery is validated from there when Amazon reports it shipped, so the
units leave the FBA location's quants, not the seller's warehouse.

The destination address is the delivery partner's or, for an Amazon order,
revealed from the PII vault (purpose ``shipping_label``: the same access rule
as buying a label). It is built into the request in memory and sent; it is
never stored on the delivery, in a work item or in a log.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.models.background_work import BUSY

from ...core import mcf
from ...core.spapi import PermanentError, RetryableError, SPAPIError
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
            account = (
                self.env["amazon.account"]
                .sudo()
                .search([("company_id", "=", self.company_id.id)], limit=1)
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
        country = self.partner_id.country_id.code
        marketplace = (
            marketplace
            or account.marketplace_ids.filtered(lambda m: m.code == country)[:1]
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
            lines.append((move.id, sku, move.product_uom_qty))
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

    def _amazon_mcf_order_key(self):
        # Stable per database and delivery: a retry asks for the same order.
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return mcf.fulfillment_order_id("ODOO" + uuid.replace("-", "")[:8], self.id)

    def _amazon_mcf_send(self, speed, fee=None, currency=None):
        """Send this delivery to Amazon MCF at ``speed`` (Standard, Expedited,
        Priority). The intent (state "sending", the order id) is committed
        first; the call follows; its outcome is recorded in a transaction of
        its own. Refusals land in ``amazon_mcf_message`` and the work item;
        returns True when Amazon accepted the order. A crash after the intent
        leaves state "sending": the poll cron (or a new send) asks Amazon for
        the order id before creating it again."""
        self.ensure_one()
        self._amazon_mcf_check()
        account = self._amazon_mcf_account()
        try:
            body = mcf.create_request(
                self._amazon_mcf_marketplace(account),
                self._amazon_mcf_order_key(),
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
                ._amazon_mcf_claim(
                    account_id, body["sellerFulfillmentOrderId"], speed, fee, currency
                )
            )

        def call(intent):
            with self.env["amazon.account"].sudo().browse(account_id)._client() as c:
                if intent["check_first"] and self._amazon_mcf_exists(c, intent):
                    return "exists"
                c.create_fulfillment_order(body)
                return "created"

        def settle(env, intent, outcome, error):
            return env["stock.picking"].browse(picking_id)._amazon_mcf_settle(error)

        result = self.env["amazon.work"]._send(
            claim, call, settle, rows=[("stock.picking", [picking_id])]
        )
        if result is BUSY:
            raise UserError(
                self.env._("%(delivery)s is being sent right now.", delivery=self.name)
            )
        self.invalidate_recordset()
        return bool(result)

    @staticmethod
    def _amazon_mcf_exists(client, intent):
        try:
            client.get_fulfillment_order(intent["order_id"])
        except PermanentError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _amazon_mcf_claim(self, account_id, order_id, speed, fee, currency):
        """Record the intent (committed before the call)."""
        self.ensure_one()
        # Sent before and never settled (a crash): Amazon may have the order.
        check_first = self.amazon_mcf_order_id == order_id
        account = self.env["amazon.account"].browse(account_id)
        self._amazon_mcf_source_fba(account)
        self.sudo().write(
            {
                "amazon_mcf_state": "sending",
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
        return {"order_id": order_id, "check_first": check_first}

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
            self.write({"location_id": fba.id})
            self.move_ids.write({"location_id": fba.id})

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
        item._failed(message, retry=retry)
        return False

    def _amazon_mcf_cancel(self):
        """Cancel the MCF order while Amazon allows (before processing).
        Amazon's refusal is raised as a UserError with its message."""
        self.ensure_one()
        if self.amazon_mcf_state not in (
            "sending",
            "received",
            "planning",
            "processing",
        ):
            raise UserError(
                self.env._("%(delivery)s has no open MCF order.", delivery=self.name)
            )
        with self.amazon_mcf_account_id.sudo()._client() as client:
            try:
                client.cancel_fulfillment_order(self.amazon_mcf_order_id)
            except SPAPIError as exc:
                raise UserError(
                    self.env._(
                        "Amazon refused to cancel MCF order %(order)s of "
                        "%(delivery)s: %(problem)s",
                        order=self.amazon_mcf_order_id,
                        delivery=self.name,
                        problem=exc,
                    )
                ) from None
        self.sudo().write(
            {"amazon_mcf_state": "cancelled", "amazon_mcf_message": False}
        )
        return True

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
                item._failed(str(exc), retry=False)
                return False
            item._failed(str(exc), retry=False)
            return False
        except (SPAPIError, ValueError) as exc:
            item._failed(str(exc), retry=True)
            return False
        state = STATE_OF.get(status.status, "failed")
        values = {"amazon_mcf_state": state}
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
            self._amazon_mcf_validate()
            item._succeeded()
        else:
            self.sudo().write(values)
            if state in OPEN_STATES:
                item._queue()  # asked again on the next run
            else:
                item._succeeded()
        return True

    def _amazon_mcf_validate(self):
        """Amazon shipped it: the delivery is done from the FBA location."""
        if self.state in ("done", "cancel"):
            return
        for move in self.move_ids.filtered(lambda m: m.state != "cancel"):
            move.quantity = move.product_uom_qty
            move.picked = True
        self.with_context(skip_backorder=True, skip_sms=True)._action_done()
