"""The seller's week: a week of Amazon orders through sync, shipping, labels,
invoicing and the price and stock push, with the invariants a seller relies
on checked after every day against the sandbox (Amazon's side of the truth).

New flows add their invariants to ``assert_invariants``."""

import math
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import in_web_session, new_test_user

from .common import SandboxCase, amazon_time, sandbox_module

DAY = 86400
BUFFER = 1
STOCK = 40
MCF_DAY = 2  # the day the web shop's order goes to Multi-Channel Fulfilment
MCF_UNITS = 2


@tagged("post_install", "-at_install")
class TestSellersWeek(SandboxCase):
    # Orders of the last weeks plus new ones over the first two days; the
    # sandbox ships part of the merchant orders itself on its own schedule,
    # as a seller using Seller Central beside Odoo would.
    sandbox_options = {"orders": 45, "seed": 17, "new_orders": 0.4}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("amazon_connector.marketplace_us")
        cls.products = {}
        for product in cls.data["products"]:
            cls.products[product["sku"]] = cls.env["product.product"].create(
                {
                    "name": f"Sandbox {product['sku']}",
                    "default_code": product["sku"],
                    "is_storable": True,
                    "list_price": 20.0,
                }
            )
            cls.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": cls.products[product["sku"]].id,
                    "location_id": cls.account.warehouse_id.lot_stock_id.id,
                    "inventory_quantity": STOCK,
                }
            ).action_apply_inventory()
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "UPS",
                "product_id": cls.env["product.product"]
                .create({"name": "UPS shipping", "type": "service"})
                .id,
                "amazon_carrier_code": "UPS",
            }
        )
        # One account per region, one warehouse: each sells the same stock.
        cls.accounts.write(
            {
                "auto_invoice": True,
                "sync_listings": True,
                "stock_buffer": BUFFER,
                "sync_finances": True,
            }
        )
        # The money: VAT where Amazon charges it, payouts to one bank journal.
        cls.accounts.payout_journal_id = cls.env["account.journal"].create(
            {"name": "Amazon payouts", "code": "AMZW", "type": "bank"}
        )
        # VAT-registered business buyers pay none (the sandbox's reverse
        # charge): the account's fiscal position maps the VAT to 0%.
        business = cls.env["account.fiscal.position"].create(
            {"name": "EU B2B reverse charge"}
        )
        zero = cls.env["account.tax"].create(
            {"name": "0% reverse charge", "amount": 0, "type_tax_use": "sale"}
        )
        settings = []
        for code, rate in (("uk", 20), ("de", 19), ("fr", 20), ("jp", 10)):
            marketplace = cls.env.ref(f"amazon_connector.marketplace_{code}")
            settings.append(
                {
                    "account_id": cls.accounts.filtered(
                        lambda a, m=marketplace: m in a.marketplace_ids
                    ).id,
                    "marketplace_id": marketplace.id,
                    "tax_id": cls.env["account.tax"]
                    .create(
                        {
                            "name": f"{code} VAT {rate}% incl.",
                            "amount": rate,
                            "type_tax_use": "sale",
                            "price_include_override": "tax_included",
                        }
                    )
                    .id,
                    "business_fiscal_position_id": business.id,
                }
            )
            business.tax_ids = [
                Command.create(
                    {"tax_src_id": settings[-1]["tax_id"], "tax_dest_id": zero.id}
                )
            ]
        cls.env["amazon.account.tax"].create(settings)
        # For Amazon Shipping labels: a box, a ship-from address, 2FA.
        cls.accounts.package_type_id = cls.env["stock.package.type"].create(
            {"name": "Box", "packaging_length": 300, "width": 200, "height": 100}
        )
        cls.env.company.partner_id.write(
            {
                "street": "1 Warehouse Way",
                "city": "Reno",
                "zip": "89501",
                "state_id": cls.env.ref("base.state_us_23").id,
                "country_id": cls.env.ref("base.us").id,
            }
        )
        for product in cls.products.values():
            product.weight = 0.4
        cls.clerk = new_test_user(
            cls.env,
            login="week_shipper",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )
        cls.clerk.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    # -- the seller's day ------------------------------------------------------------
    def open_mfn_deliveries(self):
        return self.amazon_orders().picking_ids.filtered(
            lambda p: (
                p._amazon_ships_to_buyer()
                and p.state not in ("done", "cancel")
                and p.sale_id.amazon_status == "UNSHIPPED"
            )
        )

    def ship_from_odoo(self, picking, tracking):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()

    def work_the_day(self, day):
        self.sync()
        open_ = self.open_mfn_deliveries()
        if open_:
            # The clerk ships one order from Odoo with the carrier's number...
            self.ship_from_odoo(open_[0], f"1ZWEEK{day:02d}0001")
        if len(open_) > 1 and day % 2:
            # ...and, every other day, another with an Amazon Shipping label.
            # The clerk's clicks, from a session that confirmed its 2FA code.
            with in_web_session(self, self.clerk):
                action = open_[1].with_user(self.clerk).action_amazon_get_rates()
                wizard = self.env["amazon.label.wizard"].browse(action["res_id"])
                wizard.with_user(self.clerk).rate_ids.sorted("price")[0].action_buy()
            self.assertEqual(open_[1].state, "done")
        if day == MCF_DAY:
            self.sell_through_mcf()
        self.env.flush_all()
        self.env["amazon.shipment"]._cron_confirm_shipments()
        # Amazon ships the web shop's MCF order on its own clock.
        self.env["stock.picking"]._cron_amazon_mcf_poll()
        self.env["amazon.listing"]._cron_push_offers()
        self.env.invalidate_all()
        # The market sweep reads what Amazon shows for each listing.
        self.env["amazon.listing"]._cron_read_market()
        self.env.invalidate_all()

    def sell_through_mcf(self):
        """A web shop sale (a manual sale order, no Amazon order) whose
        delivery the seller sends to Amazon Multi-Channel Fulfilment: Amazon
        ships it from the FBA stock Odoo read."""
        fba_stock = {
            row["sellerSku"]: row["fulfillable"]
            for row in self.sandbox.fba_inventory(self.us.amazon_id)
            if row["known"]
        }
        sku = next(s for s, units in sorted(fba_stock.items()) if units >= MCF_UNITS)
        customer = self.web_customer()
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.products[sku].id,
                            "product_uom_qty": MCF_UNITS,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        delivery = order.picking_ids
        self.assertEqual(len(delivery), 1)
        # The seller's clicks: Amazon's preview, then the speed it offers.
        [row] = [r for r in delivery._amazon_mcf_preview() if r["speed"] == "Standard"]
        self.assertTrue(row["fulfillable"], row)
        self.assertTrue(
            delivery._amazon_mcf_send("Standard", row["fee"], row["currency"])
        )
        self.mcf_delivery = delivery
        self.mcf_sku = sku

    # -- the invariants ----------------------------------------------------------------
    def amazon_quantity(self, sku):
        with self.account._client() as client:
            item = client.get_listings_item(
                sku,
                marketplace_ids=[self.us.amazon_id],
                included_data=["fulfillmentAvailability"],
            )
        for entry in item.get("fulfillmentAvailability") or ():
            if entry.get("fulfillmentChannelCode") == "DEFAULT":
                return entry.get("quantity")
        return None

    def assert_prices(self, label):
        """6. The price Amazon shows for our offer (the market reading) is
        the price Odoo pushed, for every listing read with an offer."""
        read = self.env["amazon.listing"].search(
            [
                ("account_id", "=", self.account.id),
                ("market_snapshot_id.our_price", ">", 0),
            ]
        )
        self.assertTrue(read, f"{label}: no market reading shows our offer")
        for listing in read:
            self.assertAlmostEqual(
                listing.market_snapshot_id.our_price,
                listing.pushed_price,
                2,
                f"{label} {listing.sku}",
            )

    def assert_invariants(self, day):
        label = f"day {day}"
        self.sync()  # what Amazon says now, after the day's work
        expected = self.expected_orders()
        orders = {o.amazon_order_id: o for o in self.amazon_orders()}
        # Every order Amazon shows is in Odoo (an order whose latest change is
        # younger than Amazon's two minutes is checked the next day).
        self.assertLessEqual(set(expected), set(orders), label)
        for amazon_id, (_truth, event) in expected.items():
            order = orders[amazon_id]
            # 1. Odoo and Amazon agree on the status.
            self.assertEqual(
                order.amazon_status, event["status"], f"{label} {amazon_id}"
            )
            deliveries = order.picking_ids.filtered(
                lambda p: p._amazon_ships_to_buyer()
            )
            # 2. No open delivery for an order Amazon reports shipped.
            if event["status"] == "SHIPPED":
                self.assertFalse(
                    deliveries.filtered(lambda p: p.state not in ("done", "cancel")),
                    f"{label}: {amazon_id} shipped with an open delivery",
                )
            # 3. Invoices: shipped orders only, dated the day they shipped.
            posted = order.invoice_ids.filtered(lambda m: m.state == "posted")
            if event["status"] != "SHIPPED":
                self.assertFalse(posted, f"{label}: {amazon_id} invoiced early")
            elif posted:
                with order.amazon_account_id._client() as client:
                    found = client.get_order(amazon_id, ["PACKAGES"])["order"]
                ship_days = {
                    amazon_time(p["shipTime"]).date()
                    for p in found.get("packages") or ()
                    if p.get("shipTime")
                }
                self.assertEqual(len(posted), 1, f"{label} {amazon_id}")
                self.assertEqual(
                    posted.invoice_date,
                    max(ship_days) if ship_days else order.amazon_purchase_date.date(),
                    f"{label} {amazon_id}",
                )
        self.assert_money(label)
        # 4. What Amazon offers is the free stock of the moment, minus the
        # buffer: on hand less what is reserved and less every unit owed to
        # orders still to ship (counted from their open moves to customers).
        self.env["amazon.listing"]._cron_push_offers()
        self.env.invalidate_all()
        checked = 0
        for listing in self.env["amazon.listing"].search(
            [("account_id", "=", self.account.id), ("marketplace_id", "=", self.us.id)]
        ):
            if not listing.is_mfn:
                continue
            product = listing.product_id.with_context(
                warehouse_id=self.account.warehouse_id.id
            )
            owed = sum(
                self.env["stock.move"]
                .search(
                    [
                        ("product_id", "=", product.id),
                        ("state", "not in", ("draft", "done", "cancel")),
                        ("location_dest_id.usage", "=", "customer"),
                        (
                            "location_id",
                            "child_of",
                            self.account.warehouse_id.view_location_id.id,
                        ),
                    ]
                )
                .mapped("product_qty")
            )
            free = min(product.free_qty, product.qty_available - owed)
            self.assertEqual(
                self.amazon_quantity(listing.sku),
                max(0, math.floor(free) - BUFFER),
                f"{label}: {listing.sku}",
            )
            checked += 1
        self.assertTrue(checked, "merchant listings are checked")
        self.assert_fba_stock(label)

    def assert_money(self, label):
        """6. Money: every priced order totals what Amazon charged, with
        Amazon's VAT as Odoo's tax where the marketplace has one; every
        payout Amazon made is in Odoo at Amazon's amount, reconciled with
        its settlement group's transactions."""
        self.env.flush_all()
        for account in self.accounts:
            account._finances_sync()
        self.env.invalidate_all()
        priced = 0
        for account in self.accounts:
            with account._client() as client:
                pages = client.search_orders_pages(
                    last_updated_after=account.orders_sync_from,
                    included_data=["PROCEEDS"],
                )
                rendered = {o["orderId"]: o for p in pages for o in p["orders"]}
            for order in self.amazon_orders(account):
                proceeds = rendered.get(order.amazon_order_id, {}).get("proceeds")
                if not proceeds or order.state == "cancel":
                    continue
                places = 0 if order.currency_id.decimal_places == 0 else 2
                self.assertEqual(
                    round(order.amount_total, places),
                    round(float(proceeds["grandTotal"]["amount"]), places),
                    f"{label}: {order.amazon_order_id} total",
                )
                if order.amazon_tax_checked:
                    tax = sum(
                        float(b["subtotal"]["amount"])
                        for b in proceeds.get("breakdowns") or ()
                        if b["type"] == "TAX"
                    )
                    self.assertEqual(
                        round(order.amount_tax, places),
                        round(tax, places),
                        f"{label}: {order.amazon_order_id} VAT",
                    )
                priced += 1
        self.assertTrue(priced, f"{label}: priced orders compared")
        markets = set(self.accounts.marketplace_ids.mapped("amazon_id"))
        # Amazon serves a transaction two minutes after its posting: a group
        # that closed this very moment is paid in tomorrow's read.
        settled = (amazon_time(self.sandbox.now()) - timedelta(minutes=2)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        paid = [
            g
            for g in self.sandbox.finances()["groups"]
            if g["closed"]
            and g["payout"]
            and g["marketplaceId"] in markets
            and g["end"] <= settled
        ]
        self.assertTrue(paid, f"{label}: Amazon paid out")
        for group in paid:
            payout = self.env["amazon.payout"].search(
                [("settlement_group", "=", group["groupId"])]
            )
            self.assertEqual(len(payout), 1, f"{label}: {group['groupId']}")
            self.assertAlmostEqual(
                payout.paid_amount, -float(group["payout"]), places=2
            )
            self.assertEqual(payout.state, "reconciled", f"{label}: {payout.name}")

    def assert_fba_stock(self, label):
        """5. The FBA locations hold what Amazon has for sale after the day's
        stock read: fulfillable plus units reserved for open orders (the
        orders' open FBA deliveries reserve them in Odoo), compared with the
        sandbox's own pool, never below zero."""
        compared = 0
        for account in self.accounts:
            # The read the hourly cron makes (its hour is Odoo's clock, which
            # does not move with the sandbox's days).
            self.env.flush_all()
            account._fba_stock_sync()
            self.env.invalidate_all()
            location = account.fba_location_id
            market = account.marketplace_ids[:1].amazon_id
            truth = {
                row["sellerSku"]: row["fulfillable"] + row["pending"]
                for row in self.sandbox.fba_inventory(market)
                if row["known"]
            }
            quants = self.env["stock.quant"].search(
                [("location_id", "child_of", location.id)]
            )
            self.assertFalse(
                quants.filtered(lambda q: q.quantity < 0),
                f"{label}: {account.name}'s FBA stock below zero",
            )
            for sku, units in truth.items():
                product = self.products[sku].with_context(location=location.id)
                self.assertEqual(
                    product.qty_available, units, f"{label}: {account.name} {sku}"
                )
                compared += 1
        self.assertTrue(compared, "FBA SKUs of the catalogue are compared")

    def test_a_week_of_orders(self):
        self.sync()
        created, _updated = self.env["amazon.listing.import"]._run(
            self.account, self.us
        )
        self.assertTrue(created)
        self.env["amazon.listing"]._cron_push_offers()
        self.assert_invariants(0)
        for day in range(1, 8):
            self.sandbox.advance_clock(DAY)
            self.work_the_day(day)
            self.assert_invariants(day)
            self.assert_prices(f"day {day}")
        # Over the week, orders were shipped from Odoo and outside it, and
        # stock left the warehouse once per shipped unit.
        shipped_here = self.amazon_orders().picking_ids.filtered(
            lambda p: p.amazon_confirm_source == "confirmation"
        )
        shipped_elsewhere = self.amazon_orders().picking_ids.filtered(
            lambda p: p.amazon_confirm_source == "amazon"
        )
        shipped_with_label = self.amazon_orders().picking_ids.filtered(
            lambda p: p.amazon_confirm_source == "label"
        )
        self.assertTrue(shipped_here)
        self.assertTrue(shipped_elsewhere)
        self.assertTrue(shipped_with_label)
        # The web shop's MCF order: Amazon shipped it, its delivery is done
        # from the FBA location with Amazon's tracking number, and the FBA
        # invariant held every day after (assert_fba_stock).
        mcf = self.mcf_delivery
        self.assertEqual(mcf.amazon_mcf_state, "shipped")
        self.assertEqual(mcf.state, "done")
        self.assertEqual(mcf.location_id, mcf.amazon_mcf_account_id.fba_location_id)
        self.assertEqual(
            mcf.carrier_tracking_ref,
            sandbox_module("handlers.fulfillment")._tracking_number(
                mcf.amazon_mcf_order_id
            ),
        )
        self.assertEqual(sum(mcf.move_ids.mapped("quantity")), MCF_UNITS)
        # Every unit Amazon counts as shipped by the seller left the
        # warehouse once: Amazon's quantities fulfilled against Odoo's moves.
        shipped_by_amazon = {}
        for account in self.accounts:
            with account._client() as client:
                for order in self.amazon_orders(account).filtered(
                    lambda o: o.amazon_channel == "mfn"
                ):
                    found = client.get_order(order.amazon_order_id, ["FULFILLMENT"])
                    for item in found["order"].get("orderItems") or ():
                        sku = item["product"]["sellerSku"]
                        done = (item.get("fulfillment") or {}).get(
                            "quantityFulfilled"
                        ) or 0
                        shipped_by_amazon[sku] = shipped_by_amazon.get(sku, 0) + done
        warehouse = self.account.warehouse_id
        for sku, product in self.products.items():
            moves = self.env["stock.move"].search(
                [
                    ("product_id", "=", product.id),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("location_id", "child_of", warehouse.view_location_id.id),
                ]
            )
            self.assertEqual(
                sum(moves.mapped("quantity")), shipped_by_amazon.get(sku, 0), sku
            )
        # 5. No buyer data anywhere outside the vault.
        self.assert_no_buyer_data()
