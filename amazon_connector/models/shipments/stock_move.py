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

from odoo import models


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
