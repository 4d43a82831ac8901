"""SP-API token buckets shared by every Odoo process of the database
(docs/data-protection.md #20).

Amazon counts a seller's calls per operation whichever worker, cron or server
makes them; a bucket per process would let four workers spend four times the
usage plan. ``PostgresBucketStore`` keeps the limiter's buckets
(``core.spapi.ratelimit``) in this table instead. Each reservation is one
atomic statement in a transaction of its own (``amazon.work._run``), committed
before the caller sleeps or calls Amazon, so a caller's long transaction never
holds a bucket and its rollback never gives a token back. Time is the
database's clock (``clock_timestamp()``), the one clock all servers share.

The rows hold a seller id, an operation name and numbers: no secret, no
buyer data. Nobody has ORM access; only the limiter touches them, in SQL.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ...core.spapi.ratelimit import BucketStore, RateLimiter

_NOW = SQL("clock_timestamp() AT TIME ZONE 'UTC'")
# The bucket's level at EXCLUDED.stamp (the statement's clock reading), refilled
# at its rate since its stamp and capped at the plan's burst. A statement that
# waited for another one's row lock read the clock before that one's stamp:
# GREATEST(0, ...) and the GREATEST stamp below then count the time once.
_LEVEL = SQL(
    "LEAST(EXCLUDED.burst, b.tokens"
    " + GREATEST(0, EXTRACT(EPOCH FROM EXCLUDED.stamp - b.stamp)) * b.rate)"
)


class AmazonRateBucket(models.Model):
    _name = "amazon.rate.bucket"
    _description = "Amazon SP-API Rate Bucket"
    _log_access = False
    _rec_name = "operation"

    seller_id = fields.Char("Seller ID", required=True, readonly=True)
    operation = fields.Char(required=True, readonly=True)
    rate = fields.Float(
        required=True, readonly=True, help="Tokens per second (Amazon's header)."
    )
    burst = fields.Float(required=True, readonly=True, help="Capacity (usage plan).")
    tokens = fields.Float(
        required=True,
        readonly=True,
        help="Level at the stamp; below zero while callers wait for their turn.",
    )
    stamp = fields.Datetime(required=True, readonly=True)

    _sql_constraints = [
        (
            "seller_operation_uniq",
            "unique(seller_id, operation)",
            "One bucket per seller and operation.",
        ),
    ]

    @api.model
    @api.private
    def _limiter(self, rate_scale=1.0, **options):
        """A ``RateLimiter`` over the shared buckets (``options``: plans, sleep)."""
        return RateLimiter(
            rate_scale=rate_scale, store=PostgresBucketStore(self.env), **options
        )

    # -- the statements, each run by the units below --------------------------
    @api.model
    def _reserve_sql(self, seller_id, operation, rate, burst, max_wait):
        """Take a token (creating the bucket full from the plan), unless the wait
        would exceed ``max_wait``: then no row is updated nor returned."""
        return SQL(
            """
            INSERT INTO amazon_rate_bucket AS b
                   (seller_id, operation, rate, burst, tokens, stamp)
            VALUES (%(seller)s, %(operation)s, %(rate)s, %(burst)s, %(burst)s - 1,
                    %(now)s)
            ON CONFLICT (seller_id, operation) DO UPDATE
               SET tokens = %(level)s - 1,
                   burst = EXCLUDED.burst,
                   stamp = GREATEST(b.stamp, EXCLUDED.stamp)
             WHERE %(max_wait)s::float8 IS NULL
                OR (1 - %(level)s) / b.rate <= %(max_wait)s::float8
            RETURNING tokens, rate
            """,
            seller=seller_id,
            operation=operation,
            rate=rate,
            burst=burst,
            max_wait=max_wait,
            now=_NOW,
            level=_LEVEL,
        )

    @api.model
    def _wait_sql(self, seller_id, operation):
        """Seconds until the bucket holds a whole token, and its rate."""
        return SQL(
            """
            SELECT (1 - LEAST(burst, tokens + GREATEST(0,
                        EXTRACT(EPOCH FROM %(now)s - stamp)) * rate)) / rate,
                   rate
              FROM amazon_rate_bucket
             WHERE seller_id = %(seller)s AND operation = %(operation)s
            """,
            seller=seller_id,
            operation=operation,
            now=_NOW,
        )

    @api.model
    def _adapt_sql(self, seller_id, operation, rate, burst, new_rate, drain):
        """Refill at the old rate, then take ``new_rate`` (when not None) and
        empty the bucket when ``drain`` (Amazon answered 429)."""
        return SQL(
            """
            INSERT INTO amazon_rate_bucket AS b
                   (seller_id, operation, rate, burst, tokens, stamp)
            VALUES (%(seller)s, %(operation)s,
                    COALESCE(%(new_rate)s::float8, %(rate)s), %(burst)s,
                    CASE WHEN %(drain)s THEN 0 ELSE %(burst)s END, %(now)s)
            ON CONFLICT (seller_id, operation) DO UPDATE
               SET tokens = CASE WHEN %(drain)s THEN LEAST(%(level)s, 0)
                                 ELSE %(level)s END,
                   rate = COALESCE(%(new_rate)s::float8, b.rate),
                   burst = EXCLUDED.burst,
                   stamp = GREATEST(b.stamp, EXCLUDED.stamp)
            RETURNING rate
            """,
            seller=seller_id,
            operation=operation,
            rate=rate,
            burst=burst,
            new_rate=new_rate,
            drain=bool(drain),
            now=_NOW,
            level=_LEVEL,
        )


def _reserve(env, key, seed, max_wait):
    Bucket = env["amazon.rate.bucket"]
    env.cr.execute(Bucket._reserve_sql(*key, *seed, max_wait))
    row = env.cr.fetchone()
    if row is not None:
        tokens, rate = row
        return max(0.0, -tokens / rate), rate
    # Refused: the statement kept this bucket's row lock, so the wait is exact.
    env.cr.execute(Bucket._wait_sql(*key))
    wait, rate = env.cr.fetchone()
    return -float(wait), rate


def _adapt(env, key, seed, rate, drain):
    env.cr.execute(env["amazon.rate.bucket"]._adapt_sql(*key, *seed, rate, drain))
    return env.cr.fetchone()[0]


class PostgresBucketStore(BucketStore):
    """``BucketStore`` over ``amazon.rate.bucket``: one short committed
    transaction per step, never the caller's (read committed: a step waits
    for a concurrent step on the same bucket, then sees its result)."""

    def __init__(self, env):
        self._work = env["amazon.work"]

    def reserve(self, key, seed, max_wait=None):
        return self._work._run(_reserve, key, seed, max_wait, read_committed=True)

    def adapt(self, key, seed, rate=None, drain=False):
        return self._work._run(_adapt, key, seed, rate, drain, read_committed=True)
