"""amazon.work.item: the one retry state (schedule, give-up, activity, retry now)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from odoo.addons.amazon_pii.tests.common import new_test_user


@tagged("post_install", "-at_install")
class TestWorkItems(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = new_test_user(
            cls.env, login="work_owner", groups="amazon_pii.group_amazon_manager"
        )
        cls.account = cls.env["amazon.account"].create(
            {
                "name": "Work seller",
                "seller_id": "AWORKSELLER",
                "region": "na",
                "user_id": cls.responsible.id,
            }
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"document {i}"} for i in range(3)]
        )
        cls.Items = cls.env["amazon.work.item"]

    def items(self, records=None, kind="listing_push"):
        return self.Items._for(kind, records or self.partners, self.account)

    def give_up_activities(self):
        return self.account.activity_ids.filtered(
            lambda a: a.summary == "Amazon work gave up"
        )

    def test_one_item_per_kind_and_document_queued_now(self):
        items = self.items()
        self.assertEqual(len(items), 3)
        self.assertEqual(set(items.mapped("state")), {"queued"})
        self.assertLessEqual(max(items.mapped("next_attempt")), fields.Datetime.now())
        self.assertEqual(self.items(), items)  # found again, not duplicated
        due = self.Items.search(self.Items._due_domain("listing_push"))
        self.assertEqual(due & items, items)

    def test_failures_back_off_then_give_up_with_one_activity(self):
        first, second, _third = self.items()
        first.max_attempts = second.max_attempts = 3
        before = fields.Datetime.now()
        self.assertTrue(first._failed("Amazon unreachable"))
        self.assertEqual((first.state, first.attempts), ("retrying", 1))
        self.assertEqual(first.last_error, "Amazon unreachable")
        self.assertGreaterEqual(first.next_attempt, before + timedelta(minutes=1.6))
        self.assertLessEqual(
            first.next_attempt, fields.Datetime.now() + timedelta(minutes=2.4)
        )
        due = self.Items.search(self.Items._due_domain("listing_push"))
        self.assertNotIn(first, due)  # waits for its backoff
        first._failed("again")
        self.assertGreater(first.next_attempt, before + timedelta(minutes=3.2))
        self.assertFalse(self.give_up_activities())
        self.assertFalse(first._failed("third time"))  # max_attempts reached
        self.assertEqual(first.state, "gave_up")
        self.assertFalse(first.next_attempt)
        self.assertNotIn(
            first, self.Items.search(self.Items._due_domain("listing_push"))
        )
        activities = self.give_up_activities()
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.responsible)
        # A refusal that no retry can fix gives up at once; still one activity.
        self.assertFalse(second._failed("refused", retry=False))
        self.assertEqual((second.state, second.attempts), ("gave_up", 1))
        self.assertEqual(len(self.give_up_activities()), 1)
        self.assertIn("2 item(s)", self.give_up_activities().note)
        self.assertEqual(self.account.failed_work_count, 2)

    def test_activity_closes_when_nothing_fails_anymore(self):
        first, second, _third = self.items()
        first._failed("refused", retry=False)
        second._failed("refused", retry=False)
        first._succeeded()
        self.assertEqual(len(self.give_up_activities()), 1)  # second still failing
        second._succeeded()
        self.assertFalse(self.give_up_activities())
        self.assertEqual(self.account.failed_work_count, 0)

    def test_retry_now_requeues_with_fresh_attempts_for_managers_only(self):
        item = self.items()[0]
        item._failed("refused", retry=False)
        clerk = new_test_user(
            self.env, login="work_clerk", groups="amazon_pii.group_amazon_user"
        )
        with self.assertRaises(AccessError):
            item.with_user(clerk).action_retry_now()
        item.with_user(self.responsible).action_retry_now()
        self.assertEqual((item.state, item.attempts), ("queued", 0))
        self.assertIn(item, self.Items.search(self.Items._due_domain("listing_push")))

    def test_a_claim_whose_worker_died_is_due_after_its_lease(self):
        item = self.items()[0]
        item._claim()
        self.assertEqual(item.state, "sending")
        domain = self.Items._due_domain("listing_push")
        self.assertNotIn(item, self.Items.search(domain))
        later = fields.Datetime.now() + timedelta(minutes=16)
        self.assertIn(
            item, self.Items.search(self.Items._due_domain("listing_push", now=later))
        )

    def test_failed_work_button_lists_the_accounts_failing_items(self):
        item = self.items()[0]
        item._failed("boom")
        other = self.env["amazon.account"].create(
            {"name": "Other seller", "seller_id": "AOTHER", "region": "na"}
        )
        foreign = self.Items._for("feed", self.partners[1], other)
        foreign._failed("boom")
        self.assertEqual(self.account.failed_work_count, 1)
        action = self.account.action_view_failed_work()
        self.assertEqual(action["context"], {"search_default_failing": 1})
        failing = [("state", "in", ("retrying", "gave_up"))]  # the "Failing" filter
        found = self.Items.search(action["domain"] + failing)
        self.assertEqual(found, item)
