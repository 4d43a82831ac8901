"""A seller account wired to the repository's local SP-API sandbox."""

import importlib
import sys
from datetime import datetime, timedelta
from pathlib import Path
from unittest import SkipTest

from odoo.tests import TransactionCase
from odoo.tools import SQL

from odoo.addons.amazon_pii.tests.common import PersonSession  # noqa: F401 (shared)

REPOSITORY = Path(__file__).resolve().parents[2]
# The sandbox's marketplaces by selling region: one account per region, as
# Amazon authorizes and serves them (its dataset spans the three regions).
REGION_MARKETPLACES = {"na": ("us", "ca"), "eu": ("uk", "de", "fr"), "fe": ("jp",)}


def sandbox_module(name):
    """A module of the repository's local SP-API sandbox (tests/sandbox)."""
    if not (REPOSITORY / "tests" / "sandbox" / "fixture.py").is_file():
        raise SkipTest(f"local SP-API sandbox not found under {REPOSITORY}/tests")
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))
    return importlib.import_module(f"tests.sandbox.{name}")


def running_sandbox(needs_reference=False, **options):
    """The sandbox, started for a test class. Without Amazon's reference
    models it still serves its generated orders, rates and labels (it only
    stops validating requests against Amazon's models), so only classes that
    need Amazon's data itself (``needs_reference``: the PRODUCT schema of the
    listing tests) skip, saying how to get it; the test command counts such
    skips as failures."""
    reference = sandbox_module("reference")
    if needs_reference and reference.problems():
        raise SkipTest(reference.how_to())
    return sandbox_module("fixture").running_sandbox(**options)


def amazon_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def status_at(order, moment):
    """The dataset order's last event at ``moment`` (ISO text), else None."""
    current = None
    for event in order["events"]:
        if event["time"] <= moment:
            current = event
    return current


class SandboxCase(TransactionCase):
    """Sandbox per class (frozen clock), one account per selling region
    pointing at it (``account`` is North America's, ``accounts`` all three),
    and test mode so the sync's per-page transactions stay inside the test's."""

    sandbox_options = {"orders": 40, "seed": 11}
    needs_reference = False  # True: skips without Amazon's reference data
    with_sqs = False  # True: a local SQS server (moto) the sandbox publishes to

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        options = {"rate_scale": 50, "clock_rate": 0, **cls.sandbox_options}
        if cls.with_sqs:
            cls.sqs = cls.enterClassContext(sandbox_module("sqs").running_sqs())
            options["sqs"] = cls.sqs
        cls.sandbox = cls.enterClassContext(
            running_sandbox(cls.needs_reference, **options)
        )
        cls.registry.enter_test_mode(cls.cr, getattr(cls, "readonly_enabled", True))
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.env["ir.config_parameter"].set_param("amazon_connector.rate_scale", 50)
        cls.account = cls.make_account()
        cls.accounts = cls.account
        for region in ("eu", "fe"):
            cls.accounts |= cls.make_account(
                name=f"Sandbox seller {region.upper()}", region=region
            )
        cls.data = cls.sandbox.dataset()

    @classmethod
    def make_account(cls, region="na", **extra):
        creds = cls.sandbox.credentials
        return cls.env["amazon.account"].create(
            {
                "name": "Sandbox seller",
                "seller_id": creds["seller_id"],
                "region": region,
                "endpoint_url": cls.sandbox.base_url,
                "lwa_url": cls.sandbox.token_url,
                "lwa_client_id": creds["client_id"],
                "lwa_client_secret": creds["client_secret"],
                "refresh_token": creds["refresh_token"],
                "marketplace_ids": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref(f"amazon_connector.marketplace_{c}").id
                            for c in REGION_MARKETPLACES[region]
                        ],
                    )
                ],
                "orders_sync_from": amazon_time(cls.sandbox.now()) - timedelta(days=40),
                **extra,
            }
        )

    @classmethod
    def fba_stock_at_amazon(cls):
        """Fulfillable FBA units per SKU as the sandbox's getInventorySummaries
        reports them (independent of the MCF and FBA stock code)."""
        with cls.account.sudo()._client() as client:
            rows = []
            for page in client.inventory_summaries_pages(
                details=True, marketplace_ids=["ATVPDKIKX0DER"]
            ):
                rows += page["payload"]["inventorySummaries"]
        return {
            r["sellerSku"]: r["inventoryDetails"]["fulfillableQuantity"] for r in rows
        }

    @classmethod
    def web_customer(cls, name="Web Shop Customer", street="1 Test Street"):
        """A web-shop customer in Seattle (an address MCF can ship to)."""
        return cls.env["res.partner"].create(
            {
                "name": name,
                "street": street,
                "city": "Seattle",
                "zip": "98101",
                "country_id": cls.env.ref("base.us").id,
                "state_id": cls.env.ref("base.state_us_48").id,
            }
        )

    def sync(self, account=None):
        """Sync ``account``, by default every region's account in turn;
        return the sync log (one per account)."""
        accounts = account or self.accounts
        # The sync's page cursors share this test's connection: they see
        # what is flushed (in production callers have nothing pending).
        self.env.flush_all()
        logs = self.env["amazon.sync.log"]
        for each in accounts:
            logs |= self.env["amazon.order.sync"].run(each)
        accounts.invalidate_recordset()
        self.env.invalidate_all()
        return logs

    def expected_orders(self, data=None, account=None):
        """Dataset orders a search at the sandbox's now returns (with their
        current event) for the marketplaces of ``account`` (default: every
        region's account): Amazon hides updates younger than two minutes."""
        markets = set((account or self.accounts).marketplace_ids.mapped("amazon_id"))
        now = amazon_time(self.sandbox.now())
        settled = (now - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        result = {}
        for order in (data or self.sandbox.dataset())["orders"]:
            if order["marketplaceId"] not in markets:
                continue
            event = status_at(order, stamp)
            if event and event["time"] <= settled:
                result[order["orderId"]] = (order, event)
        return result

    def amazon_orders(self, account=None):
        return self.env["sale.order"].search(
            [("amazon_account_id", "in", (account or self.accounts).ids)]
        )

    def buyer_data(self):
        """The dataset's buyer PII: what must never leave the vault."""
        pii = set()
        for order in self.sandbox.dataset()["orders"]:
            buyer, address = order["buyer"], order["recipient"]
            pii.update(
                [
                    buyer.get("buyerName"),
                    buyer.get("buyerEmail"),
                    buyer.get("buyerCompanyName"),
                    address.get("name"),
                    address.get("addressLine1"),
                    address.get("addressLine2"),
                    address.get("phone"),
                    *(i["giftMessage"] for i in order["items"]),
                ]
            )
        return {value for value in pii if value and len(value) >= 6}

    def assert_no_buyer_data(self, log_lines=()):
        """No buyer data in any table but the vault's, in any stored file, or
        in ``log_lines``; first proves the check sees the dataset's PII."""
        pii = self.buyer_data()
        self.assertGreater(len(pii), 20)
        for line in log_lines:
            leaked = [value for value in pii if value in line]
            self.assertFalse(leaked, "buyer data in the log")
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """SELECT c.table_name, c.column_name
                 FROM information_schema.columns c
                 JOIN information_schema.tables t
                   ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('character varying', 'text', 'jsonb')
                  AND c.table_name != 'amazon_pii_entry'"""
        )
        for table, column in cr.fetchall():
            cr.execute(
                SQL(
                    "SELECT %s::text FROM %s WHERE %s IS NOT NULL",
                    SQL.identifier(column),
                    SQL.identifier(table),
                    SQL.identifier(column),
                )
            )
            for (value,) in cr.fetchall():
                leaked = [p for p in pii if p in value]
                self.assertFalse(leaked, f"buyer data in {table}.{column}")
        for attachment in self.env["ir.attachment"].sudo().search([]):
            raw = attachment.raw or b""
            leaked = [p for p in pii if p.encode() in raw]
            self.assertFalse(leaked, f"buyer data in attachment {attachment.id}")
