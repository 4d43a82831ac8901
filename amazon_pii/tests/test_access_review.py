from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import VaultCase

TODO_SUMMARY = "Review who can reach Amazon data"


@tagged("post_install", "-at_install")
class TestAccessReview(VaultCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Review = cls.env["amazon.pii.access.review"]
        # Reviews of an earlier run of the database would hide the first one.
        cls.Review.search([]).unlink()
        cls.env["ir.config_parameter"].set_param(
            "amazon_pii.incident_contact_id", cls.users["officer"].id
        )

    def group(self, xmlid):
        return self.env.ref(xmlid)

    def lines_of(self, review, user):
        return review.line_ids.filtered(lambda ln: ln.user_id == user)

    def shift_back(self, review, days):
        review.sudo().write(
            {
                "date_start": review.date_start - timedelta(days=days),
                "due_date": review.due_date - timedelta(days=days),
            }
        )

    def test_review_cron_opens_a_review_every_90_days(self):
        officer, manager = self.users["officer"], self.users["manager"]
        for owner in self.owners[:2]:
            self.store_address(owner)
            self.as_user("officer").reveal(
                owner, ["recipient_name"], "customer_service"
            )
        # As Odoo records a login (res.users._update_last_login).
        login = self.env["res.users.log"].with_user(manager).sudo().create({})
        self.assertFalse(self.Review.search([]))

        self.Review._cron_access_review()
        review = self.Review.search([])
        self.assertEqual(len(review), 1)
        self.assertEqual(review.date_start, fields.Date.context_today(review))
        self.assertEqual(review.due_date - review.date_start, timedelta(days=14))

        # One line per person and group, implied groups not repeated: the
        # manager is listed as Manager, not also as User.
        mine = self.lines_of(review, manager)
        self.assertEqual(
            mine.group_id, self.group("amazon_pii.group_amazon_manager"), mine
        )
        self.assertEqual(mine.login_date, login.create_date)
        self.assertTrue(mine.totp_enabled)
        self.assertEqual(mine.reveal_count, 0)
        line = self.lines_of(review, officer)
        self.assertEqual(len(line), 1)
        self.assertEqual(
            line.group_id, self.group("amazon_pii.group_amazon_pii_officer")
        )
        self.assertEqual(line.reveal_count, 2)  # the two reveals above
        self.assertFalse(line.login_date)
        no2fa = self.lines_of(review, self.users["officer_no2fa"])
        self.assertEqual(len(no2fa), 1)
        self.assertFalse(no2fa.totp_enabled)
        self.assertEqual(
            len(self.lines_of(review, self.users["shipping"])), 1, "shipping staff"
        )
        admin = self.env.ref("base.user_admin")
        self.assertIn(
            self.group("base.group_system"), self.lines_of(review, admin).group_id
        )
        self.assertIn(
            str(self.group("amazon_pii.group_amazon_manager").full_name),
            mine.display_name,
        )
        # Nobody outside the Amazon groups and the administrators.
        outsider = self.env["res.users"].create(
            {"name": "Outsider", "login": "outsider_review"}
        )
        self.assertFalse(self.lines_of(review, outsider))

        # Assigned to the incident contact, due when the review is due.
        activity = review.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, officer)
        self.assertEqual(activity.date_deadline, review.due_date)
        self.assertEqual(review.reviewer_ids, officer)

        # Not again before 90 days; again at 90.
        self.Review._cron_access_review()
        self.assertEqual(len(self.Review.search([])), 1)
        self.shift_back(review, 89)
        self.Review._cron_access_review()
        self.assertEqual(len(self.Review.search([])), 1)
        self.shift_back(review, 1)
        self.Review._cron_access_review()
        self.assertEqual(len(self.Review.search([])), 2)

    def test_without_a_contact_every_officer_reviews(self):
        self.env["ir.config_parameter"].set_param("amazon_pii.incident_contact_id", "")
        self.Review._cron_access_review()
        review = self.Review.search([])
        self.assertEqual(len(review), 1)
        officers = self.users["officer"] | self.users["officer_no2fa"]
        self.assertEqual(review.reviewer_ids & officers, officers)
        self.assertEqual(review.activity_ids.user_id & officers, officers)

    def test_confirm_records_who_and_when_and_closes_the_activity(self):
        self.Review._cron_access_review()
        review = self.Review.search([])
        self.assertEqual(len(review.activity_ids), 1)
        with self.assertRaises(AccessError):
            review.with_user(self.users["manager"]).action_confirm()
        self.assertEqual(review.state, "open")
        before = fields.Datetime.now()
        review.with_user(self.users["officer"]).action_confirm()
        self.assertEqual(review.state, "confirmed")
        self.assertEqual(review.confirmed_by, self.users["officer"])
        self.assertGreaterEqual(review.confirmed_at, before)
        self.assertFalse(review.activity_ids)
        audit = self.audit("access_review")
        self.assertEqual(len(audit), 1)
        self.assertEqual((audit.res_model, audit.res_id), (review._name, review.id))
        self.assertEqual(audit.user_id, self.users["officer"])

    def test_remove_from_group_is_audited_and_noted(self):
        manager = self.users["manager"]
        manager_group = self.group("amazon_pii.group_amazon_manager")
        user_group = self.group("amazon_pii.group_amazon_user")
        self.Review._cron_access_review()
        review = self.Review.search([])
        line = self.lines_of(review, manager)
        self.assertEqual(len(line), 1)
        self.assertIn(manager_group, manager.groups_id)

        with self.assertRaises(AccessError):
            line.with_user(self.users["manager"]).action_remove_from_group()
        self.assertIn(manager_group, manager.groups_id)

        line.with_user(self.users["officer"]).action_remove_from_group()
        manager.invalidate_recordset()
        self.assertNotIn(manager_group, manager.groups_id)
        self.assertEqual(line.removed_by, self.users["officer"])
        audit = self.audit("access_removed")
        self.assertEqual(len(audit), 1)
        self.assertEqual((audit.res_model, audit.res_id), ("res.users", manager.id))
        self.assertEqual(audit.detail, "amazon_pii.group_amazon_manager")
        self.assertEqual(audit.user_id, self.users["officer"])
        # The User group the Manager group implied is what is left: it gets
        # its own line, and the note says so.
        left = self.lines_of(review, manager) - line
        self.assertEqual(left.group_id, user_group)
        note = review.message_ids.filtered(lambda m: "removed from" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(manager.name, note.body)
        self.assertIn(str(user_group.full_name), note.body)

    def test_only_an_administrator_removes_administrators(self):
        admin = self.env.ref("base.user_admin")
        system = self.group("base.group_system")
        self.Review._cron_access_review()
        review = self.Review.search([])
        line = self.lines_of(review, admin).filtered(lambda ln: ln.group_id == system)
        self.assertEqual(len(line), 1)
        with self.assertRaises(AccessError):
            line.with_user(self.users["officer"]).action_remove_from_group()
        self.assertIn(system, admin.groups_id)
        self.assertFalse(self.audit("access_removed"))

    def test_overdue_review_alerts_officer_and_admins_once(self):
        self.Review._cron_access_review()
        review = self.Review.search([])
        self.Review._cron_access_review()
        self.assertEqual(len(review.activity_ids), 1, "not overdue yet")
        self.shift_back(review, 15)  # due yesterday, opened 15 days ago
        self.assertTrue(review.overdue)
        self.Review._cron_access_review()
        overdue = review.activity_ids.filtered(
            lambda a: a.summary == "Access review overdue"
        )
        admins = self.group("base.group_system").users.filtered(
            lambda u: u.active and not u.share
        )
        self.assertTrue(admins)
        self.assertEqual(overdue.user_id, self.users["officer"] | admins)
        self.assertEqual(len(overdue), len(self.users["officer"] | admins))
        self.Review._cron_access_review()
        self.assertEqual(
            len(
                review.activity_ids.filtered(lambda a: a.summary == overdue[0].summary)
            ),
            len(overdue),
            "alerted once",
        )
        # A confirmed review is never overdue.
        review.with_user(self.users["officer"]).action_confirm()
        self.assertFalse(review.overdue)
