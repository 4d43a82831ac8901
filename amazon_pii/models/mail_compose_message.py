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
                # Only a notification that went to Amazon's address counts:
                # sent elsewhere, the 24-hour escalation must go on.
                sent_to = {e.lower() for e in composer.partner_ids.mapped("email") if e}
                incidents = self.env["amazon.pii.incident"].browse(
                    composer._evaluate_res_ids()
                )
                incidents.filtered(
                    lambda i, to=sent_to: (i.notify_address or "").lower() in to
                )._record_notified()
        return result
