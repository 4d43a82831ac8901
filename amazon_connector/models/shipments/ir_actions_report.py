import io

from odoo import models
from odoo.exceptions import UserError

LABEL_REPORT = "amazon_connector.report_amazon_label"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """The Amazon label report prints the PDF Amazon sold, as is (like
        invoices print their stored PDF), never a re-rendered page."""
        if self._get_report(report_ref).report_name != LABEL_REPORT:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids)
        streams = {}
        for picking in self.env["stock.picking"].browse(res_ids):
            if picking.amazon_label_format != "PDF" or not picking.amazon_has_label:
                raise UserError(
                    self.env._(
                        "Delivery %(name)s has no PDF Amazon label.", name=picking.name
                    )
                )
            content = picking._amazon_label_content()
            streams[picking.id] = {"stream": io.BytesIO(content), "attachment": None}
        return streams
