from odoo import fields, models
from odoo.exceptions import UserError


class AmazonRiskReleaseWizard(models.TransientModel):
    """Release a risky order's delivery: who and why are recorded."""

    _name = "amazon.risk.release.wizard"
    _description = "Release an Amazon order's risk hold"

    order_id = fields.Many2one("sale.order", required=True, readonly=True)
    reason = fields.Text(
        required=True,
        help="What you checked and concluded. Kept on the order; do not copy "
        "the buyer's details here.",
    )

    def action_release(self):
        self.ensure_one()
        order = self.order_id
        order.check_access("write")
        if not order.amazon_risk_hold:
            raise UserError(
                self.env._("Order %(name)s is not on risk hold.", name=order.name)
            )
        # sudo keeps the reviewer as the user who is recorded.
        self.env["amazon.risk"].sudo()._release(order.sudo(), self.reason)
        return {"type": "ir.actions.act_window_close"}
