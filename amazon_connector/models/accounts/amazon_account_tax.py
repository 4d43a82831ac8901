"""Which Odoo taxes an account's Amazon orders carry, per marketplace.

Amazon charges the buyer the tax; Odoo must show the same tax on the order
and its invoice so the tax report sees it. The seller names, per marketplace,
the price-included sales tax (VAT, GST, consumption tax) its prices contain
and, optionally, the fiscal position of VAT-registered business buyers (the
reverse charge). Odoo computes the tax out of Amazon's tax-inclusive amounts,
so the invoice total is Amazon's whatever the rate; a computed tax that
differs from Amazon's is flagged on the order (sale_order_tax.py).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AmazonAccountTax(models.Model):
    _name = "amazon.account.tax"
    _description = "Amazon Marketplace Tax"
    _order = "account_id, marketplace_id"
    _check_company_auto = True

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    marketplace_id = fields.Many2one(
        "amazon.marketplace",
        required=True,
        domain="[('id', 'in', available_marketplace_ids)]",
    )
    available_marketplace_ids = fields.Many2many(
        related="account_id.marketplace_ids", string="Account marketplaces"
    )
    tax_id = fields.Many2one(
        "account.tax",
        "Tax in Amazon's prices",
        required=True,
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('price_include', '=', True)]",
        help="The sales tax (VAT, GST...) of the marketplace, included in the "
        "price: Odoo computes it out of the amounts Amazon charged, so the "
        "invoice total stays Amazon's.",
    )
    business_fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        "Business buyers with a VAT number",
        check_company=True,
        help="Applied to orders whose buyer gave a VAT registration, e.g. an "
        "intra-EU reverse charge mapping the tax above to a 0% one.",
    )

    _sql_constraints = [
        (
            "account_marketplace_uniq",
            "unique(account_id, marketplace_id)",
            "One tax setting per marketplace of an account.",
        ),
    ]

    @api.constrains("tax_id")
    def _check_tax_included(self):
        for setting in self:
            if not setting.tax_id.price_include:
                raise ValidationError(
                    self.env._(
                        "Tax %(tax)s for %(marketplace)s on account %(account)s "
                        "does not include the price: Amazon's amounts contain the "
                        "tax, so choose a tax included in the price.",
                        tax=setting.tax_id.display_name,
                        marketplace=setting.marketplace_id.name,
                        account=setting.account_id.name,
                    )
                )

    @api.constrains("marketplace_id", "account_id")
    def _check_marketplace(self):
        for setting in self:
            if setting.marketplace_id not in setting.account_id.marketplace_ids:
                raise ValidationError(
                    self.env._(
                        "Account %(account)s does not sell on %(marketplace)s.",
                        account=setting.account_id.name,
                        marketplace=setting.marketplace_id.name,
                    )
                )

    def _taxes_for(self, buyer_vat_registered):
        """The Odoo taxes of a taxed line, and the order's fiscal position."""
        self.ensure_one()
        position = self.business_fiscal_position_id if buyer_vat_registered else None
        if position:
            return position.map_tax(self.tax_id), position
        return self.tax_id, self.env["account.fiscal.position"]


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    tax_setting_ids = fields.One2many(
        "amazon.account.tax", "account_id", "Taxes per marketplace"
    )
    tax_summary = fields.Text(
        "Taxes used",
        compute="_compute_tax_summary",
        help="What the account's orders will carry, marketplace by marketplace.",
    )

    @api.depends(
        "marketplace_ids",
        "tax_setting_ids.tax_id",
        "tax_setting_ids.business_fiscal_position_id",
        "tax_product_id",
        "mf_tax_product_id",
    )
    def _compute_tax_summary(self):
        for account in self:
            settings = {s.marketplace_id: s for s in account.tax_setting_ids}
            lines = [
                account._tax_summary_line(marketplace, settings.get(marketplace))
                for marketplace in account.marketplace_ids.sorted("name")
            ]
            lines.append(
                self.env._(
                    "Tax Amazon collects and remits as marketplace facilitator "
                    "(US, Canada...): a line '%(product)s' on its own account, "
                    "never your revenue or your tax liability.",
                    product=account.mf_tax_product_id.display_name or "",
                )
            )
            account.tax_summary = "\n".join(lines)

    def _tax_summary_line(self, marketplace, setting):
        if not setting:
            return self.env._(
                "%(marketplace)s: no tax in Odoo. Tax you collect stays a line "
                "'%(product)s' as Amazon charged it.",
                marketplace=marketplace.domain or marketplace.name,
                product=self.tax_product_id.display_name or "",
            )
        text = self.env._(
            "%(marketplace)s: %(tax)s, included in Amazon's prices; a "
            "difference with Amazon's tax is flagged on the order.",
            marketplace=marketplace.domain or marketplace.name,
            tax=setting.tax_id.display_name,
        )
        if setting.business_fiscal_position_id:
            text += " " + self.env._(
                "Business buyers with a VAT number: %(position)s.",
                position=setting.business_fiscal_position_id.display_name,
            )
        return text

    def _tax_setting(self, marketplace):
        """The tax setting of ``marketplace`` (empty: none)."""
        self.ensure_one()
        return self.tax_setting_ids.filtered(lambda s: s.marketplace_id == marketplace)
