import base64
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ...core.shipping import TRACKING_STATUSES
from ..orders.sale_order import ADDRESS_KEYS

CONFIRM_STATES = [("to_send", "To send"), ("sent", "Sent"), ("failed", "Failed")]
CONFIRM_SOURCES = [
    ("confirmation", "Shipment confirmation"),
    ("label", "Amazon Shipping label"),
    ("amazon", "Already shipped on Amazon"),
]
SHARE_STATES = [("to_share", "To share"), ("shared", "Shared"), ("failed", "Failed")]
SHIPPING_GROUPS = "amazon_pii.group_amazon_shipping,amazon_pii.group_amazon_pii_officer"
# Odoo's routes that answer a person's print (web/controllers/report.py).
PRINT_ROUTES = ("/report/pdf/", "/report/html/", "/report/text/", "/report/download")
LABEL_KEY = "shipping_label"  # amazon_pii/core/registry.py DOCUMENTS
# A bound on validation rounds: each round moves at least one unit one step
# closer to the buyer (stock_move.py), so a sane chain needs a handful.
MAX_ROUNDS = 50


class StockPicking(models.Model):
    _inherit = "stock.picking"

    amazon_channel = fields.Selection(related="sale_id.amazon_channel")
    amazon_order_ref = fields.Char(related="sale_id.amazon_order_id")
    # -- confirmation to Amazon (merchant-fulfilled deliveries) -------------
    amazon_confirm_state = fields.Selection(
        CONFIRM_STATES,
        "Amazon confirmation",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    amazon_confirm_source = fields.Selection(
        CONFIRM_SOURCES, "Confirmed by", readonly=True, copy=False
    )
    amazon_confirm_message = fields.Text("Amazon message", readonly=True, copy=False)
    # How the retrying goes lives on the delivery's work items (one retry
    # state for the whole connector); shown here for the clerk.
    amazon_confirm_attempts = fields.Integer(compute="_compute_amazon_work")
    amazon_confirm_next = fields.Datetime(
        "Next attempt",
        compute="_compute_amazon_work",
        inverse="_inverse_amazon_confirm_next",
        help="When the confirmation is sent (again) automatically.",
    )
    amazon_confirmed_at = fields.Datetime("Confirmed on", readonly=True, copy=False)
    # What Amazon was told, as sent (the delivery's own fields may change later).
    amazon_sent_carrier = fields.Char("Carrier sent", readonly=True, copy=False)
    amazon_sent_service = fields.Char(
        "Shipping service sent", readonly=True, copy=False
    )
    amazon_sent_tracking = fields.Char("Tracking sent", readonly=True, copy=False)
    amazon_latest_ship_date = fields.Datetime(related="sale_id.amazon_latest_ship_date")
    amazon_latest_delivery_date = fields.Datetime(
        related="sale_id.amazon_latest_delivery_date"
    )
    amazon_confirm_activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    # -- Amazon Shipping label -------------------------------------------------
    amazon_shipment_id = fields.Char("Amazon shipment", readonly=True, copy=False)
    amazon_label_carrier = fields.Char("Label carrier id", readonly=True, copy=False)
    amazon_label_service = fields.Char("Label service", readonly=True, copy=False)
    amazon_label_format = fields.Selection(
        [("PDF", "PDF"), ("ZPL", "ZPL")], readonly=True, copy=False
    )
    # The label prints the recipient's name, address and phone: its bytes
    # live encrypted in the vault with the order's other buyer data, never in
    # the filestore (docs/data-protection.md #22). This flag only says one is
    # there; clearing it hides nothing (the vault purges by order).
    amazon_has_label = fields.Boolean(readonly=True, copy=False)
    amazon_label_buying_since = fields.Datetime(
        readonly=True,
        copy=False,
        help="A label purchase was recorded and Amazon's answer is awaited.",
    )
    amazon_label_ready = fields.Boolean(
        compute="_compute_amazon_label_ready",
        help="An unshipped merchant-fulfilled delivery to the buyer.",
    )
    # -- tracking ------------------------------------------------------------------
    # A list: Odoo reflects (and translates) only list selections; a tuple
    # left the web client without options and crashed the Amazon tab.
    amazon_tracking_status = fields.Selection(
        list(TRACKING_STATUSES), "Tracking status", readonly=True, copy=False
    )
    amazon_tracking_event = fields.Char("Last event", readonly=True, copy=False)
    amazon_tracking_time = fields.Datetime("Last event on", readonly=True, copy=False)
    amazon_tracking_checked = fields.Datetime(readonly=True, copy=False)
    amazon_tracking_error = fields.Char(readonly=True, copy=False)
    amazon_share_state = fields.Selection(
        SHARE_STATES, "Tracking shared", readonly=True, copy=False
    )
    amazon_share_attempts = fields.Integer(compute="_compute_amazon_work")
    amazon_share_message = fields.Char(readonly=True, copy=False)

    def _compute_amazon_work(self):
        items = (
            self.env["amazon.work.item"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("kind", "in", ("confirmation", "tracking_share")),
                ]
            )
        )
        by_key = {(item.kind, item.res_id): item for item in items}
        for picking in self:
            confirm = by_key.get(("confirmation", picking.id))
            share = by_key.get(("tracking_share", picking.id))
            picking.amazon_confirm_attempts = confirm.attempts if confirm else 0
            picking.amazon_confirm_next = confirm.next_attempt if confirm else False
            picking.amazon_share_attempts = share.attempts if share else 0

    def _inverse_amazon_confirm_next(self):
        for picking in self:
            item = self.env["amazon.shipment"]._item(picking, "confirmation")
            item.next_attempt = picking.amazon_confirm_next

    @api.depends(
        "sale_id.amazon_channel",
        "picking_type_code",
        "location_dest_id.usage",
        "state",
        "amazon_confirm_state",
    )
    def _compute_amazon_label_ready(self):
        for picking in self:
            picking.amazon_label_ready = (
                picking._amazon_ships_to_buyer()
                and picking.state not in ("done", "cancel")
                and picking.amazon_confirm_state != "sent"
            )

    def _amazon_ships_to_buyer(self):
        """The delivery (last step) of a merchant-fulfilled Amazon order:
        not a pick or pack step, not a return, not an FBA delivery."""
        self.ensure_one()
        return (
            self.sale_id.amazon_channel == "mfn"
            and self.picking_type_code == "outgoing"
            and self.location_dest_id.usage == "customer"
        )

    # -- validation hook ------------------------------------------------------------
    def _action_done(self):
        result = super()._action_done()
        due = self.filtered(lambda p: p.state == "done")._amazon_to_confirm()
        if due and self.env.context.get("amazon_shipped_elsewhere"):
            # Validated because Amazon reports it shipped: nothing to send.
            for picking in due:
                self.env["amazon.shipment"]._confirmed(
                    picking,
                    "amazon",
                    self.env._(
                        "Shipped outside Odoo: Amazon reported it shipped, "
                        "so the delivery was validated and nothing was sent."
                    ),
                )
            due = due.browse()
        if due:
            # The validating user may not write confirmation fields
            # (stock_picking_linkage.py): the hook does, for them.
            due.sudo().write(
                {"amazon_confirm_state": "to_send", "amazon_confirm_message": False}
            )
            for picking in due:
                self.env["amazon.shipment"]._item(picking, "confirmation")._queue()
            # The cron sends after this transaction commits: Amazon being
            # slow or down never holds up the warehouse.
            cron = self.env.ref(
                "amazon_connector.ir_cron_amazon_confirm_shipments",
                raise_if_not_found=False,
            )
            if cron:
                cron.sudo()._trigger()
        return result

    def _amazon_to_confirm(self):
        """Merchant-fulfilled Amazon deliveries to the customer with Amazon
        items in them that Amazon does not know as shipped yet."""
        return self.filtered(
            lambda p: (
                p._amazon_ships_to_buyer()
                and p.amazon_confirm_state != "sent"
                and any(p.move_ids.sale_line_id.mapped("amazon_item_id"))
            )
        )

    def _amazon_validate(self, backorder=False):
        """Validate this delivery for the quantities set on its moves, without
        a wizard, in a savepoint: the reason when Odoo needs a person (lots,
        serial numbers), else None. ``backorder`` keeps the rest to ship."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self.with_context(
                    skip_backorder=True,
                    picking_ids_not_to_backorder=[] if backorder else self.ids,
                    skip_sms=True,
                    skip_immediate=True,
                ).button_validate()
                if self.state != "done":
                    raise UserError(self.env._("it needs a decision in Odoo"))
        except UserError as exc:
            return str(exc)
        return None

    # -- goods Amazon reports shipped, through every warehouse step -------------------
    @api.model
    def _amazon_ship_to_buyer(self, order, targets, backorder=False):
        """Validate ``order``'s transfers on the way to the buyer until
        ``targets`` (``{Amazon item id: quantity}``) reached the buyer.

        Each round takes what must still reach the buyer per item, spreads
        it over the open moves whose goods are at hand, the nearest to the
        buyer first (goods already picked are the ones that left), and
        validates the transfer nearest to the buyer that holds some of it;
        validating a step pushes its goods into the next one. ``backorder``
        keeps the rest to ship on every step; else it is cancelled.

        Each transfer is validated in a savepoint of its own: where Odoo
        needs a person (lots, serial numbers) the chain stops there and
        ``(transfer, reason)`` says where and why; None otherwise."""
        for _round in range(MAX_ROUNDS):
            moves = order.picking_ids.move_ids._amazon_to_buyer()
            remaining = defaultdict(float, targets)
            for move in moves.filtered(
                lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
            ):
                remaining[move.sale_line_id.amazon_item_id] -= move.quantity
            at_hand = moves.filtered(
                lambda m: m.state not in ("done", "cancel") and m.picking_id
            ).sorted(lambda m: (m._amazon_stage(), m.id))
            allotted = {}
            for move in at_hand:
                item = move.sale_line_id.amazon_item_id
                allotted[move] = max(0, min(remaining[item], move._amazon_at_hand()))
                remaining[item] -= allotted[move]
            nearest = next((m for m in at_hand if allotted[m] > 0), None)
            if nearest is None:
                return None  # everything Amazon shipped reached the buyer
            picking = nearest.picking_id
            reason = picking._amazon_pick_and_validate(allotted, backorder)
            if reason:
                return picking, reason
        return None

    def _amazon_pick_and_validate(self, quantities, backorder):
        """Pick ``quantities`` (``{move: qty}``; the transfer's other open
        moves are left unpicked, for the backorder) and validate; the reason
        it could not be validated, else None."""
        self.ensure_one()
        for move in self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            qty = max(0, min(quantities.get(move, 0), move.product_uom_qty))
            move.quantity = qty
            move.picked = qty > 0
        return self._amazon_validate(backorder=backorder)

    # -- actions ---------------------------------------------------------------------
    def _amazon_require(self, groups):
        """AccessError unless the user is in one of ``groups`` (comma-separated):
        checked first, before any state of the delivery is looked at."""
        if not self.env.user.has_groups(groups):
            raise AccessError(
                self.env._("Your access rights do not allow this Amazon action.")
            )

    def action_amazon_confirm_shipment(self):
        """Send (again) now and show the result (warehouse staff)."""
        self._amazon_require("stock.group_stock_user")
        pickings = self.filtered(
            lambda p: p.amazon_confirm_state in ("to_send", "failed")
        )
        if not pickings:
            raise UserError(self.env._("There is no Amazon confirmation to send."))
        pickings.check_access("write")
        self.env["amazon.shipment"]._confirm_now(pickings)
        # The sends committed in their own transactions: read their outcome
        # in a fresh one (this request's snapshot predates them).
        ids = pickings.ids
        outcome = self.env["amazon.work"]._run(
            lambda env: [
                (p.name, p.amazon_confirm_state, p.amazon_confirm_message or "")
                for p in env["stock.picking"].browse(ids)
            ]
        )
        sent = [name for name, state, _msg in outcome if state == "sent"]
        failed = [(name, msg) for name, state, msg in outcome if state != "sent"]
        message = (
            self.env._("Amazon confirmed: %(names)s.", names=", ".join(sent))
            if sent
            else ""
        )
        if failed:
            message += " " + self.env._(
                "Not confirmed: %(details)s",
                details="; ".join(f"{name}: {msg}" for name, msg in failed),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Send to Amazon"),
                "message": message.strip(),
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _amazon_check_label_ready(self):
        self.ensure_one()
        if not self.amazon_label_ready or self.amazon_has_label:
            raise UserError(
                self.env._(
                    "Amazon Shipping labels are bought for the unshipped delivery "
                    "to the buyer of a merchant-fulfilled Amazon order, once; "
                    "%(name)s is not one, or has its label.",
                    name=self.name,
                )
            )

    def action_amazon_get_rates(self):
        self.ensure_one()
        self._amazon_require(SHIPPING_GROUPS)  # labels show the address
        return self.env["amazon.label.wizard"]._open_for(self)

    def action_amazon_print_label(self):
        self.ensure_one()
        self._amazon_require(SHIPPING_GROUPS)
        if not self.amazon_has_label:
            raise UserError(
                self.env._("Delivery %(name)s has no Amazon label.", name=self.name)
            )
        return self._amazon_label_report_action(self.amazon_label_format)

    def _amazon_label_report_action(self, label_format):
        """Print the label; the report reveals it (rights checked there and
        by the report's groups)."""
        self.check_access("read")
        report = (
            "amazon_connector.action_report_amazon_label_zpl"
            if label_format == "ZPL"
            else "amazon_connector.action_report_amazon_label"
        )
        # config=False: the label is Amazon's PDF printed as is, so no
        # "configure your document layout" step comes first.
        return self.env.ref(report).report_action(self, config=False)

    def _amazon_label_key(self):
        """The label's vault key: an entry of the order, so retention,
        deletion requests, legal holds and the shipping window apply to it
        as to the address it prints."""
        self.ensure_one()
        return f"{LABEL_KEY}#{self.id}"

    def _amazon_label_content(self):
        """The label's bytes, revealed for printing: purpose-bound, two-factor,
        within the shipping window, audited (AccessError otherwise)."""
        self.ensure_one()
        if not self._amazon_printed_by_person():
            # Rendered for a mail, an automation or code, the label's bytes
            # could be stored: only a person's print shows it.
            raise AccessError(
                self.env._(
                    "The Amazon label of %(name)s is printed from the delivery "
                    "by a person, never rendered for anything else.",
                    name=self.name,
                )
            )
        order = self.sale_id
        key = self._amazon_label_key()
        found = self.env["amazon.pii.vault"].reveal(order, [key], "shipping_label")
        value = found.get(order.id, {}).get(key)
        if not value:
            raise UserError(
                self.env._("Delivery %(name)s has no Amazon label.", name=self.name)
            )
        return base64.b64decode(value)

    def _amazon_store_label(self, content):
        """Encrypt the label into the vault (sudo: a service write, the
        vault's own rules decide who reads it back)."""
        self.ensure_one()
        self.env["amazon.pii.vault"].sudo().store(
            [
                (
                    self.sale_id,
                    {self._amazon_label_key(): base64.b64encode(content).decode()},
                )
            ]
        )
        self.sudo().amazon_has_label = True

    def _amazon_label_text(self):
        """A ZPL label as text, for the thermal printer report (UTF-8, as
        its ^CI28 says)."""
        return self._amazon_label_content().decode("utf-8", "replace")

    @api.model
    def _amazon_move_labels_to_vault(self):
        """Labels stored as attachments by earlier versions: encrypted into
        the vault (while the order still has its buyer data; else dropped,
        as the purge would have), then deleted from the filestore."""
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "stock.picking"),
                    ("res_field", "=", "amazon_label"),
                ]
            )
        )
        vault = self.env["amazon.pii.vault"].sudo()
        moved = self.browse()
        for attachment in attachments:
            picking = self.sudo().browse(attachment.res_id).exists()
            order = picking.sale_id
            if order and vault.stored_keys(order) and attachment.raw:
                picking._amazon_store_label(attachment.raw)
                moved |= picking
            elif picking:
                picking.amazon_has_label = False
        attachments.unlink()
        return moved

    @api.model
    def _amazon_purge_labels(self, orders):
        """The vault purged the orders' labels with their other buyer data:
        their deliveries no longer offer to print one."""
        pickings = (
            self.sudo()
            .with_context(active_test=False)
            .search([("sale_id", "in", orders.ids), ("amazon_has_label", "=", True)])
        )
        pickings.write({"amazon_has_label": False})
        return pickings

    # -- delivery slip -------------------------------------------------------------
    def _amazon_slip_address(self):
        """Address lines of an Amazon order's delivery slip: the real address
        from the vault when a person prints the slip and may reveal it for
        fulfilment (audited), else the buyer's pseudonym with city and
        country. A slip rendered for anything else (the delivery e-mail's
        attachment, an automation, an RPC call) never shows the address, so
        no stored file holds it (docs/data-protection.md #23)."""
        self.ensure_one()
        order = self.sale_id
        vault = self.env["amazon.pii.vault"]
        hint = []
        if self._amazon_printed_by_person():
            if vault.may_reveal(order, ADDRESS_KEYS, "delivery_slip"):
                return order._amazon_delivery_address(order, "delivery_slip")[order.id]
            if self.env.user.has_groups(SHIPPING_GROUPS):
                # Fulfilment staff who may not print it now (shipped, code
                # too old) read why on the slip rather than a silent pseudonym.
                hint = [vault._refusal(order, ADDRESS_KEYS, "delivery_slip")[1]]
        partner = order.partner_id
        return [
            partner.name,
            " ".join(filter(None, [partner.city, partner.state_id.code])),
            partner.country_id.name or "",
            *filter(None, hint),
        ]

    @api.model
    def _amazon_printed_by_person(self):
        """This rendering answers a person's print request (Odoo's report
        routes, in a logged-in session), whose result goes to their browser
        and is not stored. Nothing a caller sends can make another
        rendering one."""
        return bool(
            request
            and request.httprequest.path.startswith(PRINT_ROUTES)
            and request.session.uid
        )
