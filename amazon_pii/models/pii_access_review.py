"""Access review every 90 days (docs/data-protection.md #12).

A daily cron opens a review when the last one is 90 days old: one line per
person and Amazon group (and per administrator), with what a reviewer needs
to decide whether the access is still needed: last login, two-factor state
and how many buyer records the person revealed in the period. The PII
Officer confirms it (who and when are recorded) or removes people from
groups from it (audited). A review left unconfirmed past its due date alerts
the officer and the administrators once.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .officers import ADMIN, OFFICER, administrators, officers

REVIEW_EVERY_DAYS = 90
DUE_AFTER_DAYS = 14
TODO = "mail.mail_activity_data_todo"


def _check_officer(env):
    if not env.su and not env.user.has_group(OFFICER):
        raise AccessError(env._("Only a PII Officer may act on access reviews."))


class AmazonPiiAccessReview(models.Model):
    _name = "amazon.pii.access.review"
    _description = "Amazon Access Review"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    # Officers read reviews and change them through the buttons only; they
    # still write notes in the chatter.
    _mail_post_access = "read"

    name = fields.Char(required=True, readonly=True)
    date_start = fields.Date("Opened on", required=True, readonly=True)
    due_date = fields.Date("Confirm by", required=True, readonly=True)
    state = fields.Selection(
        [("open", "To review"), ("confirmed", "Confirmed")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
    )
    reviewer_ids = fields.Many2many("res.users", string="Reviewers", readonly=True)
    confirmed_by = fields.Many2one("res.users", readonly=True, tracking=True)
    confirmed_at = fields.Datetime(readonly=True)
    overdue = fields.Boolean(compute="_compute_overdue")
    overdue_alerted = fields.Boolean(readonly=True, copy=False)
    line_ids = fields.One2many(
        "amazon.pii.access.review.line", "review_id", "Access", readonly=True
    )
    line_count = fields.Integer(compute="_compute_line_count")

    def _compute_overdue(self):
        today = fields.Date.context_today(self)
        for review in self:
            review.overdue = review.state == "open" and review.due_date < today

    def _compute_line_count(self):
        for review in self:
            review.line_count = len(review.line_ids)

    # -- cron ------------------------------------------------------------------
    @api.model
    def _cron_access_review(self):
        """Daily: open the review when due, alert on an overdue one."""
        today = fields.Date.context_today(self)
        last = self.sudo().search([], order="date_start desc, id desc", limit=1)
        if not last or (today - last.date_start).days >= REVIEW_EVERY_DAYS:
            self._open_review(today)
        self._alert_overdue(today)

    @api.model
    def _scope_groups(self):
        """The groups under review: every Amazon group and the administrators."""
        category = self.env.ref("amazon_pii.module_category_amazon")
        groups = (
            self.env["res.groups"]
            .sudo()
            .search([("category_id", "child_of", category.id)])
        )
        return groups | self.env.ref(ADMIN)

    @api.model
    def _top_groups(self, user, scope):
        """The user's groups in ``scope`` that no other of them implies: a
        Manager is not listed again as User (removing User alone would not
        take: Odoo adds implied groups back)."""
        held = user.groups_id & scope
        implied = held.mapped("trans_implied_ids")
        return held - implied

    @api.model
    def _line_values(self, users, scope, since):
        reveals = dict(
            self.env["amazon.pii.audit"]
            .sudo()
            ._read_group(
                [
                    ("event", "=", "reveal"),
                    ("user_id", "in", users.ids),
                    ("create_date", ">=", since),
                ],
                ["user_id"],
                ["__count"],
            )
        )
        vals = []
        for user in users:
            for group in self._top_groups(user, scope):
                vals.append(
                    {
                        "user_id": user.id,
                        "group_id": group.id,
                        "login_date": user.login_date,
                        "totp_enabled": user.totp_enabled,
                        "reveal_count": reveals.get(user, 0),
                    }
                )
        return vals

    @api.model
    def _open_review(self, today):
        scope = self._scope_groups()
        users = scope.users.filtered(lambda u: u.active and not u.share)
        since = fields.Datetime.now() - timedelta(days=REVIEW_EVERY_DAYS)
        reviewers = officers(self.env)
        review = self.sudo().create(
            {
                "name": self.env._("Access review %(date)s", date=today),
                "date_start": today,
                "due_date": today + timedelta(days=DUE_AFTER_DAYS),
                "reviewer_ids": [fields.Command.set(reviewers.ids)],
                "line_ids": [
                    fields.Command.create(v)
                    for v in self._line_values(users.sudo(), scope, since)
                ],
            }
        )
        for reviewer in reviewers:
            review.activity_schedule(
                TODO,
                date_deadline=review.due_date,
                summary=self.env._("Review who can reach Amazon data"),
                user_id=reviewer.id,
            )
        return review

    @api.model
    def _alert_overdue(self, today):
        late = self.sudo().search(
            [
                ("state", "=", "open"),
                ("due_date", "<", today),
                ("overdue_alerted", "=", False),
            ]
        )
        people = officers(self.env) | administrators(self.env)
        for review in late:
            for user in people:
                review.activity_schedule(
                    TODO,
                    date_deadline=today,
                    summary=self.env._("Access review overdue"),
                    user_id=user.id,
                )
            review.message_post(
                body=self.env._(
                    "The access review was not confirmed by %(date)s: the "
                    "officers and administrators were alerted.",
                    date=review.due_date,
                ),
                subtype_xmlid="mail.mt_note",
            )
            review.overdue_alerted = True

    # -- buttons -----------------------------------------------------------------
    def action_confirm(self):
        _check_officer(self.env)
        self.check_access("read")
        if self.filtered(lambda r: r.state != "open"):
            raise UserError(self.env._("This access review is already confirmed."))
        now = fields.Datetime.now()
        for review in self.sudo():
            review.write(
                {
                    "state": "confirmed",
                    "confirmed_by": self.env.uid,
                    "confirmed_at": now,
                }
            )
            review.activity_feedback(
                [TODO], feedback=self.env._("Access review confirmed.")
            )
        self.env["amazon.pii.audit"]._log("access_review", records=self)
        return True


class AmazonPiiAccessReviewLine(models.Model):
    _name = "amazon.pii.access.review.line"
    _description = "Amazon Access Review Line"
    _order = "review_id, user_id, group_id"

    review_id = fields.Many2one(
        "amazon.pii.access.review", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one("res.users", required=True, readonly=True)
    group_id = fields.Many2one("res.groups", required=True, readonly=True)
    login_date = fields.Datetime("Last login", readonly=True)
    totp_enabled = fields.Boolean("Two-factor", readonly=True)
    reveal_count = fields.Integer(
        "Reveals (90 days)",
        readonly=True,
        help="Buyer records this person revealed in the 90 days before the "
        "review opened, from the audit log.",
    )
    removed_by = fields.Many2one("res.users", readonly=True)
    removed_at = fields.Datetime(readonly=True)
    review_state = fields.Selection(related="review_id.state")

    @api.depends("user_id", "group_id")
    def _compute_display_name(self):
        for line in self:
            line.display_name = self.env._(
                "%(user)s in %(group)s",
                user=line.user_id.name,
                group=line.group_id.full_name,
            )

    def action_remove_from_group(self):
        """Take the user out of the line's group; audited and noted on the
        review."""
        _check_officer(self.env)
        self.check_access("read")
        admin = self.env.ref(ADMIN)
        for line in self:
            if line.review_id.state != "open":
                raise UserError(
                    self.env._("A confirmed access review can no longer change.")
                )
            if line.group_id == admin and not self.env.user.has_group(ADMIN):
                raise AccessError(
                    self.env._("Only an administrator may remove administrators.")
                )
            if line.group_id == admin and line.user_id == self.env.user:
                raise UserError(
                    self.env._("You cannot remove your own administrator rights.")
                )
        for line in self.sudo():
            line._remove()
        return True

    def _remove(self):
        review = self.review_id
        user, group = self.user_id, self.group_id
        if group in user.groups_id:
            user.write({"groups_id": [fields.Command.unlink(group.id)]})
        self.write({"removed_by": self.env.uid, "removed_at": fields.Datetime.now()})
        self.env["amazon.pii.audit"]._log(
            "access_removed",
            records=user,
            detail=group.get_external_id().get(group.id) or group.full_name,
        )
        # Groups the removed one implied are now the user's own: give them a
        # line so the reviewer sees, and may remove, what access is left.
        Review = self.env["amazon.pii.access.review"]
        listed = review.line_ids.filtered(lambda ln: ln.user_id == user).group_id
        left = Review._top_groups(user, Review._scope_groups())
        since = fields.Datetime.to_datetime(review.date_start) - timedelta(
            days=REVIEW_EVERY_DAYS
        )
        self.create(
            [
                dict(vals, review_id=review.id)
                for vals in Review._line_values(user, left - listed, since)
            ]
        )
        review.message_post(
            body=self.env._(
                "%(user)s removed from %(group)s by %(by)s. Amazon access left: "
                "%(left)s.",
                user=user.name,
                group=group.full_name,
                by=self.env.user.name,
                left=", ".join(left.mapped("full_name")) or self.env._("none"),
            ),
            subtype_xmlid="mail.mt_note",
        )
