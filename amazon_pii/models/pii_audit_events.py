from odoo import fields, models


class AmazonPiiAudit(models.Model):
    """Audit events of the access review (pii_access_review.py) and of the
    incident notification (pii_incident_notify.py)."""

    _inherit = "amazon.pii.audit"

    # Added by selection_add rather than in pii_audit.EVENTS, which other
    # work extends at the same time. "cascade" only matters on uninstall,
    # which drops the table anyway.
    event = fields.Selection(
        selection_add=[
            ("access_review", "Access review confirmed"),
            ("access_removed", "Removed from a group"),
            ("incident_notified", "Amazon notified of an incident"),
        ],
        ondelete={
            "access_review": "cascade",
            "access_removed": "cascade",
            "incident_notified": "cascade",
        },
    )
