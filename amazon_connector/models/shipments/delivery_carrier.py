from odoo import fields, models


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    amazon_carrier_code = fields.Char(
        "Amazon carrier code",
        help="The carrier code Amazon expects in shipment confirmations (USPS, "
        "UPS, FedEx, DHL, Royal Mail, ...). Empty: Amazon's code of the same "
        "name when there is one, else 'Other' with the carrier name.",
    )
    amazon_carrier_name = fields.Char(
        "Amazon carrier name",
        help="Sent with the code 'Other' (defaults to this carrier's name).",
    )
    amazon_shipping_method = fields.Char(
        "Amazon shipping method", help="Optional service name, e.g. 'Ground'."
    )
