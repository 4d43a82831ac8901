"""The account's subscriptions to Amazon's notifications, as Amazon last
said (issue 22). Written by the account's Set up / Check / Remove buttons,
read-only to people."""

from odoo import fields, models

from .amazon_notification import TYPE_SELECTION


class AmazonNotificationSubscription(models.Model):
    _name = "amazon.notification.subscription"
    _description = "Amazon Notification Subscription"
    _order = "account_id, notification_type"

    account_id = fields.Many2one(
        "amazon.account", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    notification_type = fields.Selection(TYPE_SELECTION, required=True, readonly=True)
    payload_version = fields.Char(readonly=True)
    subscription_id = fields.Char("Amazon subscription", readonly=True)
    destination_id = fields.Char("Amazon destination", readonly=True)
    state = fields.Selection(
        [
            ("active", "Subscribed"),
            ("missing", "Not subscribed"),
            ("other", "Subscribed elsewhere"),
        ],
        required=True,
        readonly=True,
        help="Subscribed elsewhere: Amazon sends this type to another "
        "destination (another queue) than the account's.",
    )
    checked_on = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "type_uniq",
            "unique(account_id, notification_type)",
            "One subscription row per account and notification type.",
        ),
    ]
