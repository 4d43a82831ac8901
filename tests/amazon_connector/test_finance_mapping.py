"""finance_mapping: Finances API 2024-06-19 transactions planned for
accounting. Amazon's own model gives the transaction types and the example;
the other transactions are hand-written in the shape of real replies (see
docs/finances-vocabulary.md for the sources). Each assertion names, in a
comment, the bug it catches."""

import copy
import dataclasses
import json
from datetime import datetime
from decimal import Decimal

import pytest

from amazon_connector.core.finance_mapping import (
    EXTRA_TYPES,
    KINDS,
    ROLES,
    SOURCE_PATHS,
    TRANSACTION_TYPES,
    FinanceDataError,
    bookable,
    booking_key,
    classify,
    counts_toward_payout,
    is_final,
    plan_transaction,
    rule_of,
    settlement_totals,
)
from tests.sandbox.reference import base_dir

FINANCES = base_dir() / "sp-api-models/models/finances-api-model"
DE = "A1PA6795UKMFR9"
TITLE = "Keramiktasse Blau, 2er Set"  # an item description: never in a plan


def model(name):
    return json.loads((FINANCES / name).read_text(encoding="utf-8"))


def money(amount, currency="EUR"):
    return {"currencyAmount": amount, "currencyCode": currency}


def node(kind, amount, *children, currency="EUR"):
    return {
        "breakdownType": kind,
        "breakdownAmount": money(amount, currency),
        "breakdowns": list(children),
    }


def ids(**names):
    return [
        {"relatedIdentifierName": name, "relatedIdentifierValue": value}
        for name, value in names.items()
    ]


def product(sku, asin, quantity):
    return [
        {
            "contextType": "ProductContext",
            "sku": sku,
            "asin": asin,
            "quantityShipped": quantity,
            "fulfillmentNetwork": "AFN",
        }
    ]


def transaction(tx_id, tx_type, total, status="RELEASED", **fields):
    return {
        "sellingPartnerMetadata": {
            "sellingPartnerId": "A0SANDBOXSELLER",
            "accountType": "Standard Orders",
            "marketplaceId": DE,
        },
        "transactionId": tx_id,
        "transactionType": tx_type,
        "transactionStatus": status,
        "postedDate": "2026-11-20T10:15:00Z",
        "totalAmount": money(total),
        "marketplaceDetails": {"marketplaceId": DE, "marketplaceName": "Amazon.de"},
        **fields,
    }


def shipment(tx_id="TX-SHIP-1", status="RELEASED", **fields):
    """Two items, nested breakdowns with VAT on fees, a promotion, and the
    transaction-level summary of the same money (as in real replies)."""
    mug = {
        "description": TITLE,
        "totalAmount": money(37.20),
        "relatedIdentifiers": [
            {
                "itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
                "itemRelatedIdentifierValue": "71234567890123",
            }
        ],
        "breakdowns": [
            node("ProductCharges", 40.00, node("OurPricePrincipal", 40.00)),
            node("Shipping", 5.00, node("ShippingPrincipal", 5.00)),
            node("Tax", 8.55, node("OurPriceTax", 7.60), node("ShippingTax", 0.95)),
            node("Promotion", -4.00, node("PromotionPrincipal", -4.00)),
            node(
                "AmazonFees",
                -12.35,
                node("Commission", -6.00, node("Base", -6.00)),
                node(
                    "FBAPerUnitFulfillmentFee",
                    -6.35,
                    node("Base", -5.34),
                    node("Tax", -1.01),
                ),
            ),
        ],
        "contexts": product("SKU-MUG-01", "B0TESTMUG1", 2),
    }
    tea = {
        "description": "Tee",
        "totalAmount": money(10.75),
        "breakdowns": [
            node("ProductCharges", 12.50, node("OurPricePrincipal", 12.50)),
            node("Tax", 2.38, node("OurPriceTax", 2.38)),
            node(
                "AmazonFees",
                -4.13,
                node("Commission", -1.88, node("Base", -1.88)),
                node(
                    "FBAPerUnitFulfillmentFee",
                    -2.25,
                    node("Base", -1.89),
                    node("Tax", -0.36),
                ),
            ),
        ],
        "contexts": product("SKU-TEA-02", "B0TESTTEA2", 1),
    }
    defaults = {
        "description": "Order Payment",
        "relatedIdentifiers": ids(
            ORDER_ID="302-1234567-7654321",
            SHIPMENT_ID="DkS2vWqLb",
            FINANCIAL_EVENT_GROUP_ID="GROUP-1",
        ),
        "items": [mug, tea],
        "breakdowns": [
            node(
                "Sales",
                64.43,
                node("ProductCharges", 52.50),
                node("Shipping", 5.00),
                node("Tax", 10.93),
                node("Promotion", -4.00),
            ),
            node("Expenses", -16.48, node("AmazonFees", -16.48)),
        ],
    }
    return transaction(tx_id, "Shipment", 47.95, status, **{**defaults, **fields})


def refund():
    item = {
        "description": TITLE,
        "totalAmount": money(-42.80),
        "breakdowns": [
            node("ProductCharges", -40.00, node("OurPricePrincipal", -40.00)),
            node("Tax", -7.60, node("OurPriceTax", -7.60)),
            node(
                "AmazonFees",
                4.80,
                node("Commission", 6.00, node("Base", 6.00)),
                node("RefundCommission", -1.20, node("Base", -1.20)),
            ),
        ],
        "contexts": product("SKU-MUG-01", "B0TESTMUG1", 2),
    }
    return transaction(
        "TX-REFUND-1",
        "Refund",
        -42.80,
        description="Refund Order",
        relatedIdentifiers=ids(
            ORDER_ID="302-1234567-7654321", FINANCIAL_EVENT_GROUP_ID="GROUP-1"
        ),
        items=[item],
    )


def storage_fee(**fields):
    """A ServiceFee as quoted in issue #4220: no items, no breakdowns."""
    defaults = {
        "description": "FBAStorageBilling",
        "relatedIdentifiers": ids(FINANCIAL_EVENT_GROUP_ID="GROUP-1"),
    }
    return transaction("TX-FEE-1", "ServiceFee", -12.34, **{**defaults, **fields})


def transfer(total=-35.61, group="GROUP-1"):
    return transaction(
        "TX-TRANSFER-1",
        "Transfer",
        total,
        description="Transfer",
        relatedIdentifiers=ids(FINANCIAL_EVENT_GROUP_ID=group, DISBURSEMENT_ID="D-77"),
    )


def by_role(plan):
    sums = {}
    for line in plan.lines:
        sums[line.role] = sums.get(line.role, Decimal(0)) + line.amount
    return sums


def by_code(plan, role):
    sums = {}
    for line in plan.lines:
        if line.role == role:
            sums[line.code] = sums.get(line.code, Decimal(0)) + line.amount
    return sums


# -- Transaction types ----------------------------------------------------


def v0_types():
    events = model("financesV0.json")["definitions"]["FinancialEvents"]
    names = [n for n in events["properties"] if n.endswith("EventList")]
    assert len(names) >= 30  # the model file was read, not an empty stub
    return [name[: -len("EventList")] for name in names]


@pytest.mark.parametrize("tx_type", v0_types())
def test_every_type_of_amazons_v0_model_has_a_rule(tx_type):
    # Bug: a transaction type Amazon lists falls through to "unknown" (or
    # to no rule at all) because the table was typed from memory.
    assert tx_type in TRANSACTION_TYPES
    rule = TRANSACTION_TYPES[tx_type]
    # Bug: a kind outside the vocabulary the Odoo layer dispatches on.
    assert rule.kind in KINDS
    # Bug: an unmapped type without the words that tell the accountant why.
    assert (rule.reason is not None) == (rule.kind == "unmapped")
    if rule.reason:
        assert len(rule.reason) > 20


def test_no_rule_for_a_type_amazon_does_not_have():
    # Bug: a typo ("ServiceFees") gives a rule no transaction ever matches
    # while the real name falls through; only V0's names and the documented
    # 2024-06-19 extras may be keys.
    assert set(TRANSACTION_TYPES) == set(v0_types()) | set(EXTRA_TYPES)


def test_the_kinds_of_the_main_types():
    # Bug: a sale booked as a refund or a payout as income, which puts the
    # money on the wrong side of the books.
    kinds = {name: rule.kind for name, rule in TRANSACTION_TYPES.items()}
    assert kinds["Shipment"] == "order"
    assert kinds["Refund"] == kinds["Chargeback"] == kinds["GuaranteeClaim"] == "refund"
    assert kinds["ServiceFee"] == kinds["ProductAdsPayment"] == "fee"
    assert kinds["SAFETReimbursement"] == "reimbursement"
    assert kinds["Transfer"] == "payout"
    assert kinds["LoanServicing"] == "loan"


def test_an_unknown_type_is_an_explicit_unmapped_plan():
    tx = transaction("TX-NEW-1", "QuantumWidgetFee", -3.00)
    plan = plan_transaction(tx)
    # Bug: an unknown future type silently booked as some known kind.
    assert plan.kind == "unmapped"
    # Bug: a reason that does not say which type (the accountant cannot act).
    assert "'QuantumWidgetFee'" in plan.reason
    # Bug: the money of an unmapped transaction dropped from the plan.
    assert [(line.role, line.amount) for line in plan.lines] == [
        ("other", Decimal("-3.00"))
    ]
    # Bug: rule_of answers None (or raises) for a type it does not know.
    assert rule_of("QuantumWidgetFee").kind == "unmapped"


# -- Amazon's own example -------------------------------------------------


def test_amazons_example_transaction_maps():
    definitions = model("finances_2024-06-19.json")["definitions"]
    plan = plan_transaction(copy.deepcopy(definitions["Transaction"]["example"]))
    # Bug: Amazon's "Released" (its example's case) refused or read as deferred.
    assert plan.status == "released"
    assert plan.kind == "order"
    # Bug: the order link lost, so proceeds cannot settle the invoice.
    assert plan.order_id == "8129762527551"
    # Bug: a datetime with tzinfo or in local time (Odoo stores naive UTC).
    assert plan.posted == datetime(2020, 7, 14, 3, 35, 13, 214000)
    assert (plan.currency, plan.total, plan.marketplace_id) == (
        "USD",
        Decimal(10),
        "ATVPDKIKX0DER",
    )
    # Bug: both the item tree and the transaction summary turned into lines
    # (twice the money), or "Product Charges" with a space not recognised.
    assert [
        (line.role, line.label, line.amount, line.sku, line.asin, line.quantity)
        for line in plan.lines
    ] == [
        (
            "proceeds",
            "Product Charges / Principle",
            Decimal(10),
            "sku-12",
            "B07FGXZQZ1",
            1,
        )
    ]


def test_amazons_static_sandbox_example_has_no_id_and_is_parked():
    # Amazon's static sandbox reply carries no transactionId: without it the
    # Odoo layer cannot book idempotently.
    paths = model("finances_2024-06-19.json")["paths"]
    reply = paths["/finances/2024-06-19/transactions"]["get"]["responses"]["200"]
    tx = reply["x-amzn-api-sandbox"]["static"][0]["response"]["payload"]
    with pytest.raises(FinanceDataError, match=r"\(unknown\): missing transactionId"):
        plan_transaction(tx["transactions"][0])


# -- A realistic shipment -------------------------------------------------


def test_a_shipment_maps_to_lines_that_add_up_to_its_total():
    plan = plan_transaction(shipment())
    assert plan.kind == "order" and plan.total == Decimal("47.95")
    # Bug: lines that lose or double a cent against Amazon's total.
    assert sum(line.amount for line in plan.lines) == plan.total
    # Bug: the transaction-level summary booked on top of the items.
    assert by_role(plan) == {
        "proceeds": Decimal("57.50"),
        "tax": Decimal("10.93"),
        "promotion": Decimal("-4.00"),
        "fee": Decimal("-15.11"),
        "fee_tax": Decimal("-1.37"),
    }
    # Bug: a fee's account chosen by its leaf ("Base") instead of its type.
    assert by_code(plan, "fee") == {
        "Commission": Decimal("-7.88"),
        "FBAPerUnitFulfillmentFee": Decimal("-7.23"),
    }
    # Bug: the VAT Amazon charges on a fee booked as seller-collected tax.
    assert by_code(plan, "fee_tax") == {"FBAPerUnitFulfillmentFee": Decimal("-1.37")}
    assert (plan.order_id, plan.settlement_group_id) == (
        "302-1234567-7654321",
        "GROUP-1",
    )


def test_shipment_lines_carry_their_items_product():
    plan = plan_transaction(shipment())
    mug = [line for line in plan.lines if line.sku == "SKU-MUG-01"]
    # Bug: the product of one item put on another item's lines.
    assert {(line.asin, line.quantity) for line in mug} == {("B0TESTMUG1", 2)}
    assert sum(line.amount for line in mug) == Decimal("37.20")
    # Bug: lines without a label the accountant can trace back to Amazon.
    labels = {line.label for line in mug}
    assert "AmazonFees / FBAPerUnitFulfillmentFee / Tax" in labels
    assert "ProductCharges / OurPricePrincipal" in labels


def test_a_plan_holds_no_item_description():
    plan = plan_transaction(shipment())
    # Bug: the item description (the product title) copied into the plan
    # that goes to journal items and logs.
    assert TITLE not in repr(plan)
    assert "Tee" not in {line.label for line in plan.lines}


def test_plans_read_only_their_source_paths():
    tx = shipment(
        contexts=[
            {
                "contextType": "AmazonPayContext",
                "storeName": "Store 1",
                "channel": "MFN",
            }
        ]
    )
    changed = copy.deepcopy(tx)
    # Everything outside SOURCE_PATHS: the seller, names, titles, item ids.
    changed["sellingPartnerMetadata"].update(
        sellingPartnerId="A0OTHERSELLER", accountType="Other"
    )
    changed["marketplaceDetails"]["marketplaceName"] = "Elsewhere"
    changed["contexts"][0].update(storeName="Store 2", channel="AFN")
    for item in changed["items"]:
        item["description"] = "Something else entirely"
        item["relatedIdentifiers"] = []
        item["contexts"][0]["fulfillmentNetwork"] = "MFN"
    # Bug: a plan that reads (and may carry) fields nobody reviewed as non-PII.
    assert plan_transaction(changed) == plan_transaction(tx)
    assert "items[].description" not in SOURCE_PATHS


def test_tax_withheld_by_amazon_has_its_own_role():
    tx = shipment(
        items=[
            {
                "totalAmount": money(20.00),
                "breakdowns": [
                    node("ProductCharges", 20.00, node("OurPricePrincipal", 20.00)),
                    node("Tax", 1.60, node("OurPriceTax", 1.60)),
                    node(
                        "MarketplaceFacilitatorTax",
                        -1.60,
                        node("MarketplaceFacilitatorTax-Principal", -1.60),
                    ),
                ],
            }
        ],
        breakdowns=[],
    )
    tx["totalAmount"] = money(20.00)
    plan = plan_transaction(tx)
    # Bug: tax Amazon collects and remits booked as the seller's tax to pay.
    assert by_role(plan) == {
        "proceeds": Decimal("20.00"),
        "tax": Decimal("1.60"),
        "facilitator_tax": Decimal("-1.60"),
    }


@pytest.mark.parametrize(
    ("names", "kind", "expected"),
    [
        (("Sales", "Tax"), "order", ("tax", "Tax")),
        (("Expenses", "AmazonFees"), "order", ("fee", "AmazonFees")),
        (
            ("AmazonFees", "ShippingChargeback", "Tax"),
            "order",
            ("fee_tax", "ShippingChargeback"),
        ),
        (("Shipping", "ShippingPrincipal"), "refund", ("refund", "ShippingPrincipal")),
        (("GiftWrap", "GiftWrapTax"), "order", ("tax", "GiftWrapTax")),
        (
            ("FBAInventoryReimbursement",),
            "reimbursement",
            ("reimbursement", "FBAInventoryReimbursement"),
        ),
        (("Subscription",), "fee", ("fee", "Subscription")),
        (("Mystery",), "order", ("other", "Mystery")),
        (("Transfer",), "payout", ("payout", "Transfer")),
    ],
)
def test_classify(names, kind, expected):
    # Bug: a breakdown path given the wrong role (see the test's id).
    assert classify(names, kind) == expected


# -- Refund, fee, payout --------------------------------------------------


def test_a_refund_maps_to_the_credit_note_side():
    plan = plan_transaction(refund())
    assert plan.kind == "refund"
    # Bug: refunded item money booked as (negative) proceeds of the invoice
    # instead of settling the credit note; fees given back lost.
    assert by_role(plan) == {
        "refund": Decimal("-40.00"),
        "tax": Decimal("-7.60"),
        "fee": Decimal("4.80"),
    }
    assert by_code(plan, "fee") == {
        "Commission": Decimal("6.00"),
        "RefundCommission": Decimal("-1.20"),
    }
    assert plan.order_id == "302-1234567-7654321"


def test_a_service_fee_without_items_or_breakdowns():
    plan = plan_transaction(storage_fee())
    # Bug: a transaction without breakdowns planned with no line at all
    # (its money vanishes) or with a line of role "other".
    assert [(line.role, line.code, line.amount) for line in plan.lines] == [
        ("fee", "FBAStorageBilling", Decimal("-12.34"))
    ]
    assert plan.order_id is None and plan.kind == "fee"


def test_a_service_fee_with_breakdowns_keeps_its_vat_apart():
    tx = storage_fee(
        breakdowns=[
            node("FBAStorageFee", -12.34, node("Base", -10.37), node("Tax", -1.97))
        ]
    )
    plan = plan_transaction(tx)
    # Bug: the fee type lost, or its VAT booked as part of the expense.
    assert [(line.role, line.code, line.amount) for line in plan.lines] == [
        ("fee", "FBAStorageFee", Decimal("-10.37")),
        ("fee_tax", "FBAStorageFee", Decimal("-1.97")),
    ]


def test_a_free_text_description_is_not_used_as_a_code():
    tx = storage_fee(description="Lightning Deal: Blue mugs, week 47")
    plan = plan_transaction(tx)
    # Bug: a seller's free text copied into account codes.
    assert plan.lines[0].code == "ServiceFee"


def test_breakdowns_only_at_transaction_level_give_the_lines():
    # issue #4993: FBAInventoryReimbursement items have "breakdowns": null.
    tx = transaction(
        "TX-REIMB-1",
        "Adjustment",
        6.22,
        items=[
            {
                "description": TITLE,
                "totalAmount": money(6.22),
                "breakdowns": None,
                "contexts": product("SKU-MUG-01", "B0TESTMUG1", 1),
            }
        ],
        breakdowns=[
            node(
                "FBAInventoryReimbursement",
                6.22,
                node("FBAInventoryReimbursementLost", 6.22),
            )
        ],
    )
    plan = plan_transaction(tx)
    # Bug: no lines (items had no breakdowns) or the item's product lost.
    assert [(line.role, line.amount, line.sku) for line in plan.lines] == [
        ("reimbursement", Decimal("6.22"), "SKU-MUG-01")
    ]


def test_a_payout_and_its_settlement_group():
    plans = [plan_transaction(t) for t in (shipment(), storage_fee(), transfer())]
    payout = plans[-1]
    assert payout.kind == "payout" and payout.disbursement_id == "D-77"
    # Bug: the payout line given an income or expense role.
    assert [line.role for line in payout.lines] == ["payout"]
    totals = settlement_totals(plans)
    group = totals["GROUP-1"]
    # Bug: the transfer summed into the expected payout (always zero), or
    # its sign taken as is (a negative payout).
    assert group.expected_payout == Decimal("35.61")
    assert group.paid_out == Decimal("35.61")
    assert group.difference == 0
    assert group.transaction_ids == ("TX-SHIP-1", "TX-FEE-1", "TX-TRANSFER-1")


def test_a_short_payout_shows_the_difference():
    plans = [plan_transaction(t) for t in (shipment(), storage_fee())]
    plans.append(plan_transaction(transfer(total=-30.00)))
    # Bug: a payout that does not match its group passes unnoticed.
    assert settlement_totals(plans)["GROUP-1"].difference == Decimal("5.61")


def test_a_settlement_group_in_two_currencies_is_refused():
    other = shipment("TX-SHIP-GBP")
    plans = [plan_transaction(shipment())]
    plan = plan_transaction(other)
    plans.append(dataclasses.replace(plan, currency="GBP"))
    # Bug: euros and pounds added into one expected payout.
    with pytest.raises(FinanceDataError, match="TX-SHIP-GBP: currency 'GBP'"):
        settlement_totals(plans)


# -- Deferred and released ------------------------------------------------


def deferred_pair():
    """The deferred sale after its release, and the release transaction."""
    context = [
        {
            "contextType": "DeferredContext",
            "deferralReason": "DD7",
            "maturityDate": "2026-11-27T00:00:00Z",
        }
    ]
    original = shipment(
        "TX-DEF-1",
        "DEFERRED_RELEASED",
        contexts=context,
        relatedIdentifiers=ids(
            ORDER_ID="302-1234567-7654321", RELEASE_TRANSACTION_ID="TX-REL-1"
        ),
    )
    release = shipment(
        "TX-REL-1",
        "RELEASED",
        relatedIdentifiers=ids(
            ORDER_ID="302-1234567-7654321",
            DEFERRED_TRANSACTION_ID="TX-DEF-1",
            FINANCIAL_EVENT_GROUP_ID="GROUP-2",
        ),
    )
    return original, release


def test_a_deferred_transaction_waits():
    original, _ = deferred_pair()
    original["transactionStatus"] = "DEFERRED"
    del original["relatedIdentifiers"][1]
    plan = plan_transaction(original)
    # Bug: a deferred sale booked before Amazon releases it.
    assert plan.status == "deferred" and not is_final(plan)
    assert bookable([plan]) == ()
    # Bug: the release date or reason lost (the Odoo layer shows them).
    assert plan.maturity_date == datetime(2026, 11, 27)
    assert plan.deferral_reason == "DD7"


def test_a_release_and_its_deferred_transaction_are_booked_once():
    original, release = (plan_transaction(t) for t in deferred_pair())
    assert original.status == "deferred_released" and release.status == "released"
    assert original.release_transaction_id == "TX-REL-1"
    # Bug: the two transactions of one sale booked twice.
    assert booking_key(original) == booking_key(release) == "TX-DEF-1"
    assert bookable([release, original]) == (original,)
    # Bug: once one of them is booked, the other is booked again.
    assert bookable([release], booked_keys={"TX-DEF-1"}) == ()
    # Bug: a release seen alone (its original in an earlier page) not booked.
    assert bookable([release]) == (release,)


def test_a_released_deferred_sale_counts_once_in_its_payout():
    original, release = (plan_transaction(t) for t in deferred_pair())
    original = dataclasses.replace(original, settlement_group_id="GROUP-2")
    # Bug: the deferred original and its release both summed into the group.
    assert not counts_toward_payout(original) and counts_toward_payout(release)
    totals = settlement_totals([original, release])
    assert totals["GROUP-2"].expected_payout == Decimal("47.95")
    assert totals["GROUP-2"].transaction_ids == ("TX-REL-1",)


def test_a_deferred_transaction_released_in_place_counts_itself():
    original, _ = deferred_pair()
    original["relatedIdentifiers"] = ids(FINANCIAL_EVENT_GROUP_ID="GROUP-3")
    plan = plan_transaction(original)
    # Bug: a DEFERRED_RELEASED transaction without a separate release never
    # counted, so its group's payout looks short.
    assert counts_toward_payout(plan)
    assert settlement_totals([plan])["GROUP-3"].expected_payout == Decimal("47.95")


def test_deferred_money_is_not_expected_in_a_payout():
    tx = shipment("TX-DEF-2", "DEFERRED")
    # Bug: money still held by Amazon expected in this group's payout.
    assert settlement_totals([plan_transaction(tx)]) == {}


# -- Malformed input ------------------------------------------------------


def broken(change):
    tx = shipment()
    change(tx)
    return tx


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("transactionId"), r"\(unknown\): missing transactionId"),
        (lambda t: t.pop("transactionType"), "TX-SHIP-1: missing transactionType"),
        (lambda t: t.pop("postedDate"), "TX-SHIP-1: missing postedDate"),
        (
            lambda t: t.update(postedDate="20.11.2026"),
            "TX-SHIP-1: postedDate: not an ISO 8601 date",
        ),
        (
            lambda t: t.update(transactionStatus="ON_HOLD"),
            "TX-SHIP-1: unknown transactionStatus 'ON_HOLD'",
        ),
        (
            lambda t: t.update(transactionStatus=TITLE),
            r"TX-SHIP-1: unknown transactionStatus \(a str\)",
        ),
        (
            lambda t: t["totalAmount"].update(currencyAmount="12,50"),
            "TX-SHIP-1: totalAmount: no numeric amount",
        ),
        (
            lambda t: t["totalAmount"].update(currencyAmount=True),
            "TX-SHIP-1: totalAmount: no numeric amount",
        ),
        (
            lambda t: t["totalAmount"].update(currencyAmount="NaN"),
            "TX-SHIP-1: totalAmount: no numeric amount",
        ),
        (
            lambda t: t["items"][1]["breakdowns"][0]["breakdownAmount"].update(
                currencyAmount="twelve"
            ),
            "TX-SHIP-1: item 2 ProductCharges: no numeric amount",
        ),
        (
            lambda t: t["items"][0]["breakdowns"][1]["breakdowns"][0][
                "breakdownAmount"
            ].update(currencyCode="USD"),
            "TX-SHIP-1: item 1 Shipping / ShippingPrincipal: currency 'USD' differs",
        ),
        (
            lambda t: t["items"][0]["breakdowns"][4]["breakdowns"][1]["breakdowns"][1][
                "breakdownAmount"
            ].update(currencyAmount=-1.10),
            r"FBAPerUnitFulfillmentFee: sub-breakdowns .* \(difference -0.09\)",
        ),
        (
            lambda t: t["breakdowns"][0]["breakdowns"][0]["breakdownAmount"].update(
                currencyAmount=52.51
            ),
            r"TX-SHIP-1: transaction Sales: sub-breakdowns add up to 64.44 but",
        ),
        (
            lambda t: t["items"][1]["totalAmount"].update(currencyAmount=10.76),
            r"TX-SHIP-1: item 2: breakdowns .* \(difference -0.01\)",
        ),
        (
            lambda t: t["items"][1]["contexts"][0].update(quantityShipped="1"),
            "TX-SHIP-1: quantityShipped '1' is not a whole number",
        ),
        (
            lambda t: t["relatedIdentifiers"].append(
                {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "X"}
            ),
            "TX-SHIP-1: two different ORDER_ID values",
        ),
        (lambda t: t.update(items={"a": 1}), "TX-SHIP-1: items is not a list"),
        (
            lambda t: t["items"][0]["breakdowns"][0].pop("breakdownType"),
            "TX-SHIP-1: item 1: a breakdown has no type",
        ),
    ],
)
def test_malformed_input_names_the_transaction(change, message):
    # Bug: malformed input guessed at (booked wrong) or crashing the batch
    # with an error that does not say which transaction to park.
    with pytest.raises(FinanceDataError, match=message) as caught:
        plan_transaction(broken(change))
    # Bug: an item description (product title) in a message meant for logs.
    assert TITLE not in str(caught.value)


def test_items_that_do_not_add_up_to_the_total_are_refused():
    tx = shipment()
    tx["totalAmount"] = money(47.96)
    tx["breakdowns"] = []
    # Bug: lines one cent short of Amazon's total booked anyway; the message
    # must give the difference so the accountant can find it.
    with pytest.raises(
        FinanceDataError,
        match=r"TX-SHIP-1: lines add up to 47.95 but totalAmount is 47.96 "
        r"\(difference -0.01\)",
    ):
        plan_transaction(tx)


def test_a_total_in_another_currency_than_its_breakdowns_is_refused():
    tx = storage_fee(breakdowns=[node("FBAStorageFee", -12.34, currency="GBP")])
    # Bug: mixed currencies in one transaction added as if one.
    with pytest.raises(FinanceDataError, match="currency 'GBP' differs"):
        plan_transaction(tx)


@pytest.mark.parametrize("value", [None, [], "TX", 3])
def test_a_transaction_that_is_no_object_is_refused(value):
    # Bug: a TypeError escaping instead of an error the caller parks.
    with pytest.raises(FinanceDataError, match=r"\(unknown\)"):
        plan_transaction(value)


def test_amounts_as_strings_and_integers_are_read_exactly():
    tx = storage_fee()
    tx["totalAmount"] = money("-12.34")
    # Bug: string amounts refused or float arithmetic leaking into Decimals.
    assert plan_transaction(tx).total == Decimal("-12.34")
    tx["totalAmount"] = money(-12609, "JPY")
    assert plan_transaction(tx).lines[0].amount == Decimal(-12609)


def test_a_plan_is_frozen_and_its_roles_are_from_the_vocabulary():
    plans = [plan_transaction(t) for t in (shipment(), refund(), storage_fee())]
    # Bug: a role outside the vocabulary the Odoo layer maps to accounts.
    assert {line.role for plan in plans for line in plan.lines} <= set(ROLES)
    # Bug: a plan the importer can change after planning.
    with pytest.raises(dataclasses.FrozenInstanceError):
        plans[0].total = Decimal(0)
