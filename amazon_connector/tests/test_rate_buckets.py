import uuid

import httpx

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.amazon_pii.tests.common import new_test_user

from ..core.spapi import RetryableError
from ..core.spapi.ratelimit import SAFETY, RateLimiter


class Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestSharedRateBuckets(TransactionCase):
    """Two limiters over this database stand for two Odoo processes.

    No test mode here: each reservation commits on a connection of its own,
    as in production. So every test uses a seller id of its own and deletes
    its buckets afterwards (they never touch the test's transaction).
    """

    def setUp(self):
        super().setUp()
        self.seller = f"RLTEST{uuid.uuid4().hex[:12].upper()}"
        self.addCleanup(self._forget_buckets)

    def _forget_buckets(self):
        self.env["amazon.work"]._run(
            lambda env: env.cr.execute(
                SQL("DELETE FROM amazon_rate_bucket WHERE seller_id = %s", self.seller)
            )
        )

    def limiter(self, plans):
        """A limiter over the shared buckets, and the sleeps it asked for."""
        sleeps = []
        limiter = self.env["amazon.rate.bucket"]._limiter(
            plans=plans, sleep=sleeps.append
        )
        return limiter, sleeps

    def bucket(self, operation, lock=False):
        """(rate, burst, tokens now) as any other process sees it (a fresh
        transaction); ``lock``: fail unless nobody holds the row."""

        def read(env):
            env.cr.execute(
                SQL(
                    """SELECT rate, burst, LEAST(burst, tokens + EXTRACT(EPOCH FROM
                              (clock_timestamp() AT TIME ZONE 'UTC') - stamp) * rate)
                         FROM amazon_rate_bucket
                        WHERE seller_id = %s AND operation = %s %s""",
                    self.seller,
                    operation,
                    SQL("FOR UPDATE NOWAIT") if lock else SQL(),
                )
            )
            return env.cr.fetchone()

        return self.env["amazon.work"]._run(read)

    def test_two_processes_share_one_bucket(self):
        plans = {"op": (0.01, 2)}  # burst 2, then a token every 100 s
        first, _ = self.limiter(plans)
        second, _ = self.limiter(plans)
        self.assertEqual(first.acquire(self.seller, "op"), 0)
        self.assertEqual(first.acquire(self.seller, "op"), 0)
        # The per-process limiter of the second process would call right away.
        self.assertEqual(RateLimiter(plans=plans).acquire(self.seller, "op"), 0)
        with self.assertRaises(RetryableError) as caught:
            second.acquire(self.seller, "op", max_wait=5)
        self.assertAlmostEqual(caught.exception.retry_after, 100, delta=1)
        # Refused: nothing taken, the bucket is still at (about) zero.
        self.assertAlmostEqual(self.bucket("op")[2], 0, delta=0.01)

    def test_second_process_waits_its_turn_outside_any_transaction(self):
        plans = {"op": (0.5, 1)}
        first, _ = self.limiter(plans)
        second, sleeps = self.limiter(plans)
        first.acquire(self.seller, "op")

        def sleep(seconds):
            # The reservation is committed (other processes see it) and its
            # row is free: NOWAIT fails if a transaction still holds it.
            self.assertIsNotNone(self.bucket("op", lock=True))
            sleeps.append(seconds)

        second._sleep = sleep
        wait = second.acquire(self.seller, "op")
        self.assertGreater(wait, 1.5)  # 2 s minus the time since the first
        self.assertLessEqual(wait, 2.0)
        self.assertEqual(sleeps, [wait + SAFETY / 0.5])

    def test_rate_header_adapts_the_shared_bucket(self):
        plans = {"op": (0.01, 1)}
        first, _ = self.limiter(plans)
        second, sleeps = self.limiter(plans)
        first.acquire(self.seller, "op")
        first.observe(self.seller, "op", 200, {"x-amzn-RateLimit-Limit": "1"})
        self.assertEqual(self.bucket("op")[:2], (1.0, 1.0))
        # Paced at Amazon's one per second, not the plan's one per 100 s.
        wait = second.acquire(self.seller, "op", max_wait=5)
        self.assertGreater(wait, 0.5)
        self.assertLessEqual(wait, 1.0)
        self.assertEqual(sleeps, [wait + SAFETY / 1.0])
        second.observe(self.seller, "op", 200, {"x-amzn-RateLimit-Limit": "junk"})
        self.assertEqual(self.bucket("op")[0], 1.0)

    def test_429_drains_the_shared_bucket(self):
        plans = {"op": (0.01, 5)}
        first, _ = self.limiter(plans)
        second, _ = self.limiter(plans)
        first.acquire(self.seller, "op")
        self.assertEqual(second.acquire(self.seller, "op", max_wait=5), 0)
        first.observe(self.seller, "op", 429, {})
        self.assertAlmostEqual(self.bucket("op")[2], 0, delta=0.01)
        with self.assertRaises(RetryableError) as caught:
            second.acquire(self.seller, "op", max_wait=5)
        self.assertAlmostEqual(caught.exception.retry_after, 100, delta=1)

    def test_reservation_survives_the_callers_rollback(self):
        limiter, _ = self.limiter({"op": (0.01, 3)})
        with self.assertRaises(Rollback), self.env.cr.savepoint():
            limiter.acquire(self.seller, "op")
            raise Rollback
        # Amazon saw (or will see) that call whatever the caller's fate.
        self.assertAlmostEqual(self.bucket("op")[2], 2, delta=0.01)

    def test_account_client_draws_on_the_shared_buckets(self):
        self.env["ir.config_parameter"].set_param("amazon_connector.rate_scale", 2)
        account = self.env["amazon.account"].create(
            {
                "name": "Rate bucket seller",
                "seller_id": self.seller,
                "region": "na",
                "lwa_client_id": "amzn1.application-oa2-client.rltest",
                "lwa_client_secret": "rltest-client-secret",
                "refresh_token": "rltest-refresh-token",
            }
        )
        amazon = []

        def answer(request):
            amazon.append(request.url.path)
            if request.url.path == "/auth/o2/token":
                return httpx.Response(
                    200, json={"access_token": "rltest-access", "expires_in": 3600}
                )
            headers = {"x-amzn-RateLimit-Limit": "3.5"}
            return httpx.Response(200, json={"order": {}}, headers=headers)

        with account._client() as client:
            # No network: the account's client answered by a mock transport.
            client._transport._http = httpx.Client(
                transport=httpx.MockTransport(answer)
            )
            client.get_order("111-0000000-0000000")
        self.assertEqual(amazon[-1], "/orders/2026-01-01/orders/111-0000000-0000000")
        # getOrder's plan is 0.5/s, burst 30; scaled by 2: burst 60, one taken;
        # then Amazon's header set the rate, for every process.
        rate, burst, tokens = self.bucket("getOrder")
        self.assertEqual((rate, burst), (3.5, 60.0))
        self.assertAlmostEqual(tokens, 59, delta=0.5)

    def test_nobody_has_orm_access_to_the_buckets(self):
        limiter, _ = self.limiter({"op": (1.0, 1)})
        limiter.acquire(self.seller, "op")
        admin = new_test_user(
            self.env,
            login="rl_admin",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )
        Bucket = self.env["amazon.rate.bucket"].with_user(admin)
        with self.assertRaises(AccessError):
            Bucket.search([])
        with self.assertRaises(AccessError):
            Bucket.create(
                {"seller_id": self.seller, "operation": "x", "rate": 1, "burst": 1}
            )
