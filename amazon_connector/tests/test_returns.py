"""Returns sync against the sandbox: Amazon's returns reports make one
return picking per returned line, once (FBA sellable units back into the
FBA location, the others into the unsellable one; merchant returns into the
warehouse's stock, or only the record with "No picking"); rows the report
cannot give are parked with their row number; no buyer data anywhere."""

from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.amazon_connector.core.returns_report import (
    MFN_RETURNS,
    parse_returns_report,
)
from odoo.addons.amazon_connector.models.returns import amazon_return_sync
from odoo.addons.amazon_connector.models.returns.amazon_return_sync import (
    _row_errors,
)

from .common import SandboxCase, amazon_time


@tagged("post_install", "-at_install")
class TestReturns(SandboxCase):
    sandbox_options = {"orders": 160, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {"name": p["title"], "default_code": p["sku"], "is_storable": True}
                for p in cls.data["products"]
            ]
        )
        cls.account.sync_returns = True
        cls.markets = set(cls.account.marketplace_ids.mapped("amazon_id"))

    # -- helpers ---------------------------------------------------------------
    def truth(self, until=None):
        """The sandbox's returns of the account's marketplaces (kind RETURN)
        begun by ``until`` (ISO text; default: the clock's now)."""
        entries = self.sandbox.returns()["returns"]
        return [
            e
            for e in entries
            if e["kind"] == "RETURN"
            and e["marketplaceId"] in self.markets
            and (until is None or e["returnTime"] <= until)
        ]

    def advance_until_returns(self):
        """Sync orders, then move the clock a day at a time until Odoo holds,
        with a done delivery, orders of merchant returns and of FBA returns
        both SELLABLE and not."""
        for _day in range(30):
            self.sync(self.account)
            orders = {o.amazon_order_id: o for o in self.amazon_orders(self.account)}
            kinds = {
                e.get("disposition") == "SELLABLE"
                if e["fulfillmentChannel"] == "AFN"
                else "MFN"
                for e in self.truth()
                if e["orderId"] in orders
                and orders[e["orderId"]].picking_ids.filtered(
                    lambda p: p.state == "done"
                )
            }
            if kinds >= {True, False, "MFN"}:
                return
            self.sandbox.advance_clock(86400)
        self.fail("no returns of each kind in 30 sandbox days")

    def sync_returns(self, runs=8):
        """Run the returns sync until both reports were read up to the
        clock's now as it was when called, moving the clock ten minutes
        between runs (Amazon prepares reports in minutes)."""
        target = amazon_time(self.sandbox.now()) - timedelta(minutes=1)
        for _run in range(runs):
            self.env.flush_all()
            self.account._returns_sync()
            self.env.invalidate_all()
            cursors = (self.account.returns_cursor_mfn, self.account.returns_cursor_afn)
            if all(c and c >= target for c in cursors):
                return min(cursors)
            self.sandbox.advance_clock(600)
        self.fail(f"returns reports not read up to {target}: {cursors}")

    def product(self, sku):
        return self.products.filtered(lambda p: p.default_code == sku)

    def returns(self):
        return self.env["amazon.return"].search([("account_id", "=", self.account.id)])

    # -- tests -----------------------------------------------------------------
    def test_sync_makes_one_return_picking_per_returned_line_once(self):
        self.advance_until_returns()
        read_until = self.sync_returns()
        truth = self.truth(read_until.strftime("%Y-%m-%dT%H:%M:%SZ"))
        orders = {o.amazon_order_id: o for o in self.amazon_orders(self.account)}
        records = {(r.amazon_order_id, r.sku): r for r in self.returns()}
        fba = self.account.fba_location_id
        unsellable = self.account.fba_unsellable_location_id
        seen = {"AFN": 0, "MFN": 0}
        for entry in truth:
            record = records.get((entry["orderId"], entry["sku"]))
            self.assertTrue(record, f"no return record for {entry['orderId']}")
            self.assertEqual(record.quantity, entry["quantity"])
            order = orders.get(entry["orderId"])
            if not order:
                self.assertEqual(record.state, "waiting")
                self.assertFalse(record.picking_id)
                continue
            self.assertEqual(record.state, "done", record.problem)
            self.assertEqual(record.sale_order_id, order)
            picking = record.picking_id
            self.assertTrue(picking)
            seen[entry["fulfillmentChannel"]] += 1
            # Odoo's own return of the order's delivery, for the units returned.
            self.assertTrue(picking.return_id)
            self.assertIn(picking.return_id, order.picking_ids)
            self.assertEqual(picking.sale_id, order)
            self.assertIn(order.name, picking.origin)
            self.assertEqual(picking.move_ids.product_id, self.product(entry["sku"]))
            self.assertEqual(
                sum(picking.move_ids.mapped("product_uom_qty")), entry["quantity"]
            )
            if entry["fulfillmentChannel"] == "AFN":
                self.assertEqual(picking.state, "done")
                wanted = fba if entry["disposition"] == "SELLABLE" else unsellable
                self.assertEqual(picking.location_dest_id, wanted)
                self.assertEqual(picking.move_ids.location_dest_id, wanted)
                self.assertEqual(record.disposition, entry["disposition"])
            else:
                warehouse = picking.return_id.picking_type_id.warehouse_id
                self.assertEqual(picking.location_dest_id, warehouse.lot_stock_id)
                # Received once Amazon says the parcel is back; else left
                # ready for the warehouse to validate.
                back = bool(entry.get("returnDeliveryTime"))
                self.assertEqual(picking.state == "done", back)
                self.assertEqual(bool(record.received_on), back)
        self.assertTrue(seen["AFN"] and seen["MFN"], seen)
        # Both FBA destinations were exercised.
        destinations = (
            self.returns()
            .filtered(lambda r: r.channel == "afn")
            .picking_id.location_dest_id
        )
        self.assertEqual(destinations, fba | unsellable)
        if any(e["disposition"] != "SELLABLE" for e in truth if e.get("disposition")):
            self.assertEqual(unsellable.usage, "inventory")
            self.assertEqual(
                unsellable.location_id, self.account.fba_warehouse_id.view_location_id
            )
        # Each return picking is reachable from its order.
        for record in self.returns().filtered("picking_id"):
            self.assertIn(record.picking_id, record.sale_order_id.picking_ids)
            self.assertIn(record, record.sale_order_id.amazon_return_ids)

        # Read again (the same windows, overlapping): nothing new for what
        # was already read.
        before = {r.return_key: r.picking_id for r in self.returns()}
        pickings = self.env["stock.picking"].search_count([("return_id", "!=", False)])
        self.account.write(
            {
                "returns_cursor_mfn": read_until - timedelta(days=20),
                "returns_cursor_afn": read_until - timedelta(days=20),
            }
        )
        self.sync_returns()
        after = {r.return_key: r.picking_id for r in self.returns()}
        for key, picking in before.items():
            self.assertEqual(after[key], picking)
        new = [after[k] for k in set(after) - set(before) if after[k]]
        self.assertEqual(
            self.env["stock.picking"].search_count([("return_id", "!=", False)]),
            pickings + len(new),
        )
        self.assert_no_buyer_data()

    def test_no_picking_mode_and_parked_rows(self):
        self.advance_until_returns()
        self.account.returns_mfn_mode = "none"
        self.sync_returns()
        merchant = self.returns().filtered(lambda r: r.channel == "mfn")
        self.assertTrue(merchant.filtered(lambda r: r.state == "done"))
        for record in merchant:
            self.assertFalse(record.picking_id)
        # A row without order id is parked with its row number; the rest of
        # the report goes through.
        order = merchant.filtered(lambda r: r.state == "done")[0]
        header = (
            "Order ID\tReturn request date\tReturn request status\tAmazon RMA ID"
            "\tMerchant SKU\tReturn quantity\tReturn Reason"
        )
        text = "\n".join(
            [
                header,
                (
                    f"{order.amazon_order_id}\t01-Jan-2026\tApproved\tDTESTRMA01\t"
                    f"{order.sku}\t1\tCR-UNWANTED_ITEM"
                ),
                "\t02-Jan-2026\tApproved\tDTESTRMA02\tSKU-X\t1\tCR-DEFECTIVE",
            ]
        )
        parsed = parse_returns_report(MFN_RETURNS, text)
        errors = _row_errors(MFN_RETURNS, text, parsed.errors)
        Return = self.env["amazon.return"]
        ids = Return._record_rows(self.account, parsed.records, errors)
        Return.browse(ids)._process()
        again = Return._record_rows(self.account, parsed.records, errors)
        self.assertFalse(set(again) - set(ids))
        parked = self.returns().filtered(lambda r: r.state == "parked")
        row = parked.filtered(lambda r: "Row 3" in (r.problem or ""))
        self.assertEqual(len(row), 1)
        self.assertIn("no order id", row.problem)
        good = self.returns().filtered(
            lambda r: r.return_key == f"MFN:DTESTRMA01:{order.sku}"
        )
        self.assertEqual(good.state, "done")
        self.assertFalse(good.picking_id)
        self.assert_no_buyer_data()

    def test_merchant_return_waits_for_the_parcel_and_never_exceeds_delivery(self):
        self.sync(self.account)
        order = self.amazon_orders(self.account).filtered(
            lambda o: (
                o.amazon_channel == "mfn"
                and o.picking_ids.filtered(
                    lambda p: p.state == "done" and p.picking_type_code == "outgoing"
                )
            )
        )[:1]
        self.assertTrue(order, "no shipped merchant order in the sandbox")
        line = order.order_line.filtered(
            lambda ln: ln.product_id.default_code and ln.qty_delivered
        )[:1]
        sku = line.product_id.default_code
        header = (
            "Order ID\tReturn request date\tReturn request status\tAmazon RMA ID"
            "\tMerchant SKU\tReturn quantity\tReturn delivery date"
        )

        def read(rma, status, quantity, delivered=""):
            text = (
                f"{header}\n{order.amazon_order_id}\t01-Jan-2026\t{status}\t{rma}"
                f"\t{sku}\t{quantity}\t{delivered}\n"
            )
            parsed = parse_returns_report(MFN_RETURNS, text)
            Return = self.env["amazon.return"]
            Return.browse(
                Return._record_rows(self.account, parsed.records, [])
            )._process()
            return Return.search([("return_key", "=", f"MFN:{rma}:{sku}")])

        # Requested: a return picking to stock, ready for the warehouse.
        record = read("DTESTOPEN", "Approved", 1)
        picking = record.picking_id
        self.assertEqual(record.state, "done")
        self.assertEqual(picking.return_id.sale_id, order)
        self.assertNotIn(picking.state, ("done", "cancel"))
        self.assertEqual(picking.move_ids.product_uom_qty, 1)
        # The next read says the parcel is back: the same picking, validated.
        record = read("DTESTOPEN", "Approved", 1, "05-Jan-2026")
        self.assertEqual(record.picking_id, picking)
        self.assertEqual(picking.state, "done")
        self.assertEqual(
            self.env["stock.picking"].search_count(
                [("return_id.sale_id", "=", order.id)]
            ),
            1,
        )
        # More than was delivered and not returned yet: parked, no picking.
        record = read("DTESTMANY", "Approved", int(line.qty_delivered) + 5)
        self.assertEqual(record.state, "parked")
        self.assertFalse(record.picking_id)
        self.assertIn("Row 2", record.problem)

    def test_a_report_amazon_cannot_make_is_alerted_and_asked_again(self):
        # A window over Amazon's 60 days ends FATAL in the sandbox (as at
        # Amazon); the sync never asks for one, so the test widens it.
        now = amazon_time(self.sandbox.now())
        start = now - timedelta(days=75)
        self.account.write({"returns_cursor_mfn": start, "returns_cursor_afn": start})
        with patch.object(amazon_return_sync, "WINDOW", timedelta(days=80)):
            self.env.flush_all()
            self.account._returns_sync()  # requested
            self.sandbox.advance_clock(600)
            with self.assertLogs(amazon_return_sync.__name__, "WARNING") as logged:
                self.account._returns_sync()  # FATAL: alerted, asked again
        self.assertIn("status FATAL", "\n".join(logged.output))
        self.env.invalidate_all()
        alerts = self.env["mail.activity"].search(
            [
                ("res_model", "=", "amazon.account"),
                ("res_id", "=", self.account.id),
                ("amazon_alert", "=", "returns"),
            ]
        )
        self.assertEqual(len(alerts), 1)
        self.assertIn("FATAL", alerts.note)
        # The cursor did not move; the window is pending again.
        self.assertEqual(self.account.returns_cursor_mfn, start)
        self.assertEqual(
            set(self.account.returns_pending),
            {
                "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
                "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
            },
        )
        # The other report went through: its returns wait for their orders,
        # which no order sync brought yet (retried by every run).
        self.assertFalse(self.returns().filtered(lambda r: r.channel == "mfn"))
        fba = self.returns()
        self.assertTrue(fba)
        self.assertEqual(set(fba.mapped("state")), {"waiting"})
        self.assertTrue(all("not in Odoo yet" in r.problem for r in fba))

    def test_cron_asks_only_for_accounts_with_returns_on(self):
        others = self.accounts - self.account
        self.assertFalse(any(others.mapped("sync_returns")))
        self.env.flush_all()
        self.env["amazon.account"]._cron_sync_returns()
        self.env.invalidate_all()
        self.assertTrue(self.account.returns_attempted_on)
        self.assertEqual(len(self.account.returns_pending), 2)
        for other in others:
            self.assertFalse(other.returns_attempted_on)
            self.assertFalse(other.returns_pending)
        cron = self.env.ref("amazon_connector.ir_cron_amazon_returns")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))
