"""Goods Amazon reports shipped leave through every warehouse step once.

A warehouse that delivers in two or three steps (pick + ship, pick + pack +
ship) moves an order's goods from WH/Stock to the output (through the
packing zone) before the delivery to the buyer. In Odoo 18 the sale creates
only the first step; validating a step pushes the goods into the next one
(``stock.rule._run_push``), reserved there for it, and the delivery to the
buyer exists once the goods reach the output. When Amazon reports an order
shipped the goods left through all those steps, so each is validated in
turn, earliest first, until what Amazon shipped has reached the buyer: no
pick or pack transfer keeps reserving goods long gone, and the stock on hand
drops once per unit shipped."""

from collections import defaultdict

from odoo import api, models

# A bound on validation rounds: each round moves at least one unit one step
# closer to the buyer, so a sane chain needs a handful.
MAX_ROUNDS = 50


class StockMove(models.Model):
    _inherit = "stock.move"

    def _amazon_to_buyer(self):
        """The moves on the way to the buyer: the delivery's, and the pick
        and pack moves whose final destination is the customer (never a
        return, a receipt or an internal transfer of stock)."""
        return self.filtered(
            lambda m: (
                m.location_dest_id.usage == "customer"
                or m.location_final_id.usage == "customer"
            )
        )

    def _amazon_stage(self):
        """How far from the buyer the move's goods still are: 0 for the
        delivery to the buyer, 1 for a step after the first (pack), 2 for
        the first step (pick from stock)."""
        self.ensure_one()
        if self.location_dest_id.usage == "customer":
            return 0
        stock = self.picking_type_id.warehouse_id.lot_stock_id
        return 2 if stock and self.location_id._child_of(stock) else 1

    def _amazon_at_hand(self):
        """What the move can take to its destination now: all of it when it
        takes goods from stock (Odoo 18 creates a later step's move for
        goods already there), else what the done steps before it brought
        (a chain of pull rules: the rest is still in an open step)."""
        self.ensure_one()
        if any(
            m.state not in ("done", "cancel") and m.group_id == self.group_id
            for m in self.move_orig_ids
        ):
            return self.quantity
        return self.product_uom_qty


class StockPicking(models.Model):
    _inherit = "stock.picking"

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
