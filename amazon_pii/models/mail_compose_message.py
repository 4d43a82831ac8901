from odoo import models

from .pii_incident_notify import TEMPLATE


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _action_send_mail(self, auto_commit=False):
        """Sending an incident's notification template records that Amazon
        was notified (docs/data-protection.md #15). Recognised by the
        template, not by a context key: a caller chooses its context."""
        result = super()._action_send_mail(auto_commit=auto_commit)
        template = self.env.ref(TEMPLATE, raise_if_not_found=False)
        for composer in self:
            if (
                template
                and composer.model == "amazon.pii.incident"
                and composer.template_id == template
                and composer.composition_mode == "comment"
            ):
                res_ids = composer._evaluate_res_ids()
                self.env["amazon.pii.incident"].browse(res_ids)._record_notified()
        return result
