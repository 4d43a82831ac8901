"""The seller's money as Finances API 2024-06-19 ``listTransactions`` shows it:
pure, a function of one seller's dataset (its orders, with the seller's
``sellerPackages``) and the simulated time ``now``, like ``orders_view.render``.
No HTTP, no sandbox state: ``ledger(data, seller, now)`` replays what the
sandbox served.

Transactions (``transactionType``; names in ``TYPES`` and ``BREAKDOWNS``, as
the shared vocabulary file docs/finances-vocabulary.md lists them):

- ``Shipment``, one per shipment of an order the marketplace sold (channel
  AMAZON), posted at the ship time: the dataset's PARTIALLY_SHIPPED /
  SHIPPED events, or, once the seller confirmed or bought a label, the
  ``createdTime`` of each of its packages (packages of one moment are one
  shipment). Each item carries the tree ``ProductCharges``
  {``OurPricePrincipal``}, ``Shipping`` {``ShippingPrincipal``}, ``Tax``
  {``OurPriceTax``, ``ShippingTax``: the VAT the seller charges in GB, DE, FR
  and JP on the order's shipping, on the item that carries the shipping},
  ``Promotion`` {``PromotionPrincipal``}, ``AmazonFees``
  {``Commission`` {``Base``}: the referral fee at the product's category
  rate; ``FBAPerUnitFulfillmentFee`` {``Base``} for orders fulfilled by
  Amazon; ``VariableClosingFee`` {``Base``} for media} and
  ``MarketplaceFacilitatorTax`` {``MarketplaceFacilitatorTax-Principal``}
  (minus the tax, where the order's items carry Amazon's
  MARKETPLACE_FACILITATOR collection: US and CA in ``orders_view``, so the
  seller nets zero on it; the VAT of GB/DE/FR/JP is the seller's, nothing is
  withheld there); the transaction's tree adds the items' up, under
  ``Sales`` (charges, shipping, tax, promotions) and ``Expenses`` (fees).
  The amounts are ``orders_view``'s proceeds: over an order's shipments,
  principal, shipping, tax and promotion add up to the Orders API's
  ``proceeds`` (ITEM, SHIPPING, TAX, DISCOUNT, ``grandTotal``) to the cent;
  an item shipped in parts gets, per category, round(total x shipped so far
  / ordered) minus what earlier shipments had, and the order's shipping
  rides on its first shipment. Multi-channel orders (channel NON_AMAZON)
  were not sold on Amazon: no Shipment (their MCF fees are not modelled).
  Cancelled, pending and unshipped orders have none. A label voided before
  pickup takes its shipment away again (no reversal is modelled).
- Business orders (``order["business"]``) are Pay by Invoice orders (an
  assumption: every business order of the dataset is invoiced): their
  Shipments are DEFERRED, with ``DeferredContext`` ``deferralReason`` B2B and
  ``maturityDate`` the ship (invoice) date plus ``B2B_TERMS`` (30 days:
  Amazon's net-30 terms, Seller Central help 202085520 "Pay by Invoice"; we
  assume the buyer pays on the due date, Amazon pays at the latest 7 days
  later). At maturity Amazon releases them (the model and Amazon's changelog
  "Finances API identifies deferred releases", April 2025: "the status of a
  deferred transaction is updated to DEFERRED_RELEASED when released"): the
  original keeps its id and ``postedDate``, turns DEFERRED_RELEASED and
  names in RELEASE_TRANSACTION_ID a new RELEASED transaction (same type,
  order, items and total, posted at the maturity date), which names the
  original in DEFERRED_TRANSACTION_ID and carries the FINANCIAL_EVENT_GROUP_ID
  of the group open then (the shape in the shared vocabulary file: seen in
  integrations, not Amazon's word). Only the release belongs to a group.
- ``ServiceFee``: per region (North America on amazon.com, Europe on
  amazon.de, Far East on amazon.co.jp) the monthly ``Subscription`` of the
  Professional plan (Amazon's published 39.99 USD, 39 EUR, 4,900 JPY) posted
  on the 1st at 02:00 UTC, and the monthly ``FBAStorageFee`` (description
  ``FBAStorageBilling``) for the previous month posted on the 7th at 02:00
  UTC (the region's FBA pool of ``fba.py`` at the month's end times
  ``STORAGE_PER_UNIT_USD`` per unit, converted), each with a
  ``TimeRangeContext`` of the month it pays for. Months from the one
  ``HISTORY_DAYS`` before the dataset's ``now``.
- ``FBAInventoryReimbursement``: an occasional reimbursement (Amazon lost or
  damaged a unit in its warehouse): per region and month, drawn from the
  dataset's seed (about one month in two), one unit of an FBA SKU at its
  catalogue price, posted on the 15th at 02:00 UTC; its item has no
  breakdowns, the transaction one ``FBAInventoryReimbursement`` line.
- ``Transfer``: the payout to the seller's bank (the shared vocabulary
  file's decision: no public source shows Amazon's own). Settlement groups
  (FINANCIAL_EVENT_GROUP_ID) are per marketplace (one currency each) and
  ``PERIOD`` (14 days) long from the fixed ``ANCHOR``; every RELEASED
  transaction belongs to the group open at its posted time (a release: at
  the maturity date). When a group closes, its balance (the sum of its
  released transactions) moves to the bank: a Transfer posted at the close,
  no items, ``totalAmount`` = minus that sum, DISBURSEMENT_ID and the group's
  id. A negative balance is not paid (nor charged): it is carried into the
  marketplace's next group by two ``Adjustment`` transactions (description
  ``ReserveEvent``): ``CurrentReserveAmount`` (plus the deficit, a second
  before the close, in the closed group: its sum is then zero) and
  ``PreviousReserveAmountBalance`` (the deficit, at the next group's start,
  in the next group), the way Amazon's statements show a previous
  statement's unavailable balance. So every payout is exactly minus the sum
  of its group's released transactions.
- ``Refund`` (description ``Refund Order``), one per refund of
  ``returns.refunds_for(order, now)``, posted at the refund time, RELEASED
  (also for business orders: Amazon debits a refund at once), in the group
  open then, so it reduces that payout. relatedIdentifiers ORDER_ID,
  REFUND_ID (the returns' id), FINANCIAL_EVENT_GROUP_ID. One item (the
  refunded line; ProductContext with ``quantityShipped`` = the refunded
  units) whose tree is the refund's components, the buyer's side negative:
  ``ProductCharges`` {``OurPricePrincipal``} (ITEM), ``Shipping``
  {``ShippingPrincipal``} (SHIPPING, when refunded), ``Tax`` {``OurPriceTax``
  (TAX), ``ShippingTax`` (SHIPPING_TAX)}, ``Promotion``
  {``PromotionPrincipal``} positive (the DISCOUNT taken back); ``AmazonFees``
  {``Commission`` {``Base``} positive: the referral fee of the refunded price
  (principal + shipping - promotion), never more than the line's Shipments
  charged; ``RefundCommission`` {``Base``} negative: the refund
  administration fee ``REFUND_ADMIN`` keeps of it (20 % capped at 5.00 USD,
  CAD, GBP, EUR per refunded line; amazon.co.jp 10 % capped at 500 JPY; none
  for media)}; FBA and closing fees are not given back; in US/CA
  ``MarketplaceFacilitatorTax`` {``MarketplaceFacilitatorTax-Principal``}
  positive (the withheld tax given back: the seller nets zero again).
  ``returns.py`` caps each component at what was charged.

Amounts are the seller's side: money owed to the seller positive, fees,
promotions, withheld tax and payouts negative. No PII: titles, SKUs, ASINs,
order ids and amounts only; never a buyer's or recipient's field.
"""

import base64
import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from . import fba, fees, returns
from .dataset import BY_MARKETPLACE, HISTORY_DAYS, iso, money, parse_time
from .market import fx, quantize
from .orders_view import (
    TAX_RATE,
    _item_proceeds,
    _vat,
    dataset_shipped_lines,
    seller_packages,
    shipped_quantities,
)

ANCHOR = datetime(2026, 1, 2, tzinfo=timezone.utc)  # a settlement period starts
PERIOD = timedelta(days=14)
B2B_TERMS = timedelta(days=30)  # Pay by Invoice: net 30 from the invoice
ACCOUNT_TYPE = "PAYABLE"

TYPES = {
    "shipment": "Shipment",
    "refund": "Refund",
    "adjustment": "Adjustment",
    "service_fee": "ServiceFee",
    "reimbursement": "FBAInventoryReimbursement",
    "transfer": "Transfer",
}
BREAKDOWNS = {
    "sales": "Sales",  # transaction level: what the buyer paid, less promotions
    "expenses": "Expenses",  # transaction level: Amazon's fees
    "charges": "ProductCharges",
    "principal": "OurPricePrincipal",
    "shipping": "Shipping",
    "shipping_principal": "ShippingPrincipal",
    "tax": "Tax",
    "principal_tax": "OurPriceTax",
    "shipping_tax": "ShippingTax",
    "promotion": "Promotion",
    "promotion_principal": "PromotionPrincipal",
    "fees": "AmazonFees",
    "commission": "Commission",
    "fba": "FBAPerUnitFulfillmentFee",
    "closing": "VariableClosingFee",
    "refund_commission": "RefundCommission",
    "base": "Base",
    "subscription": "Subscription",
    "storage": "FBAStorageFee",
    "mf_tax": "MarketplaceFacilitatorTax",
    "mf_tax_principal": "MarketplaceFacilitatorTax-Principal",
    "reimbursement": "FBAInventoryReimbursement",
    "reserve_out": "CurrentReserveAmount",
    "reserve_in": "PreviousReserveAmountBalance",
}
SALES = ("charges", "shipping", "tax", "promotion")

# Referral fee rates by category (Amazon's US schedule, simplified): the
# category is read from the catalogue title; anything else is fees.py's 15 %.
CATEGORY_RATES = (
    (("Earbuds", "Keyboard", "USB-C"), Decimal("0.08")),  # consumer electronics
    (("Socks",), Decimal("0.17")),  # clothing
)
# Professional selling plan per region: (marketplace charged, fee).
REGION_MARKETPLACE = {
    "na": "ATVPDKIKX0DER",
    "eu": "A1PA6795UKMFR9",
    "fe": "A1VC38T7YXB528",
}
SUBSCRIPTION = {"na": Decimal("39.99"), "eu": Decimal("39.00"), "fe": Decimal(4900)}
STORAGE_PER_UNIT_USD = Decimal("0.05")
FEE_HOUR = 2  # monthly fees post at 02:00 UTC
# Refund administration fee per country: (share of the referral fee Amazon
# gives back that it keeps, cap per refunded line item in the marketplace's
# currency). Seller Central help "Refund administration fee": "Lesser of $5
# or 20% of referral fees" (amazon.com, GDC3U6FWF4JJJJC7), 5.00 EUR
# (amazon.fr/.de, 200387220), GBP 5 (amazon.co.uk), 10 % capped at 500 JPY
# (amazon.co.jp, 200387220). Canada: CAD 5 assumed (not verified). Books,
# music, video and DVD refunded in full: none.
REFUND_ADMIN = {
    "US": (Decimal("0.20"), Decimal("5.00")),
    "CA": (Decimal("0.20"), Decimal("5.00")),
    "GB": (Decimal("0.20"), Decimal("5.00")),
    "DE": (Decimal("0.20"), Decimal("5.00")),
    "FR": (Decimal("0.20"), Decimal("5.00")),
    "JP": (Decimal("0.10"), Decimal(500)),
}


# -- small helpers -----------------------------------------------------------


def _id(*parts):
    """A 43-character id (Amazon's transaction ids look alike), stable."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _number(*parts, modulo):
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return int(digest[:8], 16) % modulo


def _amount(value, currency):
    """Decimal -> the model's BigDecimal (a JSON number): yen whole."""
    text = money(value, currency)["amount"]
    return {
        "currencyCode": currency,
        "currencyAmount": int(text) if currency == "JPY" else float(text),
    }


def decimal_of(currency_json):
    """A Currency's amount as an exact Decimal (for sums in tests and truth)."""
    return Decimal(str(currency_json["currencyAmount"]))


def _leaf(kind, amount, currency):
    return {
        "breakdownType": BREAKDOWNS[kind],
        "breakdownAmount": _amount(amount, currency),
        "breakdowns": [],
    }


def _node(kind, children, currency):
    """A breakdown whose amount is the sum of its (already rounded) children."""
    total = sum((decimal_of(c["breakdownAmount"]) for c in children), Decimal(0))
    return {
        "breakdownType": BREAKDOWNS[kind],
        "breakdownAmount": _amount(total, currency),
        "breakdowns": children,
    }


def _sum(breakdowns):
    return sum((decimal_of(b["breakdownAmount"]) for b in breakdowns), Decimal(0))


def _merge(lists, currency):
    """Aggregate items' breakdown trees by type path (first seen order)."""
    merged = []
    for breakdowns in lists:
        for entry in breakdowns:
            same = next(
                (m for m in merged if m["breakdownType"] == entry["breakdownType"]),
                None,
            )
            if same is None:
                merged.append(
                    {
                        "breakdownType": entry["breakdownType"],
                        "breakdownAmount": dict(entry["breakdownAmount"]),
                        "breakdowns": _merge([entry["breakdowns"]], currency),
                    }
                )
                continue
            total = decimal_of(same["breakdownAmount"]) + decimal_of(
                entry["breakdownAmount"]
            )
            same["breakdownAmount"] = _amount(total, currency)
            same["breakdowns"] = _merge(
                [same["breakdowns"], entry["breakdowns"]], currency
            )
    return merged


def group_start(moment):
    """Start of the settlement period that contains ``moment``."""
    periods = (moment - ANCHOR) // PERIOD
    return ANCHOR + periods * PERIOD


def group_id(seller, marketplace, start):
    return _id("group", seller, marketplace, iso(start))


def _marketplace_details(marketplace):
    return {
        "marketplaceId": marketplace,
        "marketplaceName": BY_MARKETPLACE[marketplace][1],
    }


def _base(seller, marketplace, kind, tx_id, posted, description):
    return {
        "sellingPartnerMetadata": {
            "sellingPartnerId": seller,
            "accountType": ACCOUNT_TYPE,
            "marketplaceId": marketplace,
        },
        "relatedIdentifiers": [],
        "transactionType": TYPES[kind],
        "transactionId": tx_id,
        "transactionStatus": "RELEASED",
        "description": description,
        "postedDate": iso(posted),
        "marketplaceDetails": _marketplace_details(marketplace),
    }


def _related(name, value):
    return {"relatedIdentifierName": name, "relatedIdentifierValue": value}


# -- shipments ---------------------------------------------------------------


def shipments(order, now):
    """``[(ship time, {orderItemId: units})]`` of ``order`` at ``now``, oldest
    first: the seller's packages once it confirmed (one shipment per package
    moment), else the dataset's PARTIALLY_SHIPPED / SHIPPED events."""
    stamp = now if isinstance(now, str) else iso(now)
    if "sellerPackages" in order:  # once set (even emptied by a void), the truth
        by_time = {}
        for package in seller_packages(order, stamp):
            by_time.setdefault(package["createdTime"], []).append(package)
        return [
            (moment, shipped_quantities(packages))
            for moment, packages in sorted(by_time.items())
        ]
    found, done = [], {}
    for event in order["events"]:
        if event["time"] > stamp:
            break
        if event["status"] not in ("PARTIALLY_SHIPPED", "SHIPPED"):
            continue
        lines = dataset_shipped_lines(order, event["status"])
        units = {i: q - done.get(i, 0) for i, q in lines.items() if q > done.get(i, 0)}
        if units:
            found.append((event["time"], units))
            for item_id, quantity in units.items():
                done[item_id] = done.get(item_id, 0) + quantity
    return found


def _share(total, before, after, ordered, currency):
    """The part of ``total`` for units ``before``..``after`` of ``ordered``:
    cumulative rounding, so the parts add up to ``total`` exactly."""

    def upto(units):
        if units >= ordered:
            return total
        return Decimal(money(total * units / ordered, currency)["amount"])

    return upto(after) - upto(before)


def referral_rate(title):
    for words, rate in CATEGORY_RATES:
        if any(word in (title or "") for word in words):
            return rate
    return fees.REFERRAL_RATE


def _fees(order, line, units, base):
    """The item's Amazon fees (negative) for ``units`` shipped, ``base`` the
    price the buyer paid for them (principal + shipping - promotion)."""
    market = order["marketplaceId"]
    rate = fx(market)
    referral = max(
        referral_rate(line["title"]) * base, fees.REFERRAL_MINIMUM * rate * units
    )
    found = [("commission", -quantize(referral, market))]
    if order["fulfilledBy"] == "AMAZON":
        _tier, unit_fee = fees.size_tier(line["asin"])
        if Decimal(line["unitPrice"]) < fees.LOW_PRICE * rate:
            unit_fee -= fees.LOW_PRICE_DISCOUNT
        found.append(("fba", -quantize(unit_fee * rate * units, market)))
    if fees.MEDIA.match(line["asin"] or ""):
        closing = fees.MEDIA_CLOSING_FEE * rate * units
        found.append(("closing", -quantize(closing, market)))
    return found


def _summary(items, currency):
    """The transaction-level tree: the items' trees added up, what the buyer
    paid under ``Sales``, Amazon's fees under ``Expenses``, the withheld tax
    beside them."""
    merged = _merge([item["breakdowns"] for item in items], currency)
    sales_types = {BREAKDOWNS[kind] for kind in SALES}
    sales = [b for b in merged if b["breakdownType"] in sales_types]
    fees_ = [b for b in merged if b["breakdownType"] == BREAKDOWNS["fees"]]
    rest = [b for b in merged if b not in sales and b not in fees_]
    found = [_node("sales", sales, currency)]
    if fees_:
        found.append(_node("expenses", fees_, currency))
    return found + rest


def _proceeds_by_type(order, line):
    return {
        entry["type"]: Decimal(entry["subtotal"]["amount"])
        for entry in _item_proceeds(order, line)["breakdowns"]
    }


def _shipment_item(order, line, before, after, shipping):
    currency = order["currency"]
    units = after - before
    parts = _proceeds_by_type(order, line)

    def part(kind):
        return _share(
            parts.get(kind, Decimal(0)), before, after, line["quantity"], currency
        )

    principal, tax, discount = part("ITEM"), part("TAX"), part("DISCOUNT")
    # VAT on the order's shipping (GB/DE/FR/JP), on the item carrying it.
    shipping_tax = _vat(shipping, order) if shipping else Decimal(0)
    breakdowns = [_node("charges", [_leaf("principal", principal, currency)], currency)]
    if shipping:
        child = _leaf("shipping_principal", shipping, currency)
        breakdowns.append(_node("shipping", [child], currency))
    taxes = [
        _leaf(kind, value, currency)
        for kind, value in (("principal_tax", tax), ("shipping_tax", shipping_tax))
        if value
    ]
    if taxes:
        breakdowns.append(_node("tax", taxes, currency))
    if discount:
        child = _leaf("promotion_principal", discount, currency)
        breakdowns.append(_node("promotion", [child], currency))
    fee_list = [
        _node(kind, [_leaf("base", value, currency)], currency)
        for kind, value in _fees(order, line, units, principal + shipping + discount)
    ]
    breakdowns.append(_node("fees", fee_list, currency))
    if tax and order["country"] in TAX_RATE:
        # Amazon collects the tax as marketplace facilitator: withheld (US,
        # CA). The VAT of GB/DE/FR/JP is the seller's: nothing withheld.
        child = _leaf("mf_tax_principal", -tax, currency)
        breakdowns.append(_node("mf_tax", [child], currency))
    return {
        "description": line["title"],
        "totalAmount": _amount(_sum(breakdowns), currency),
        "breakdowns": breakdowns,
        "contexts": [
            {
                "contextType": "ProductContext",
                "asin": line["asin"],
                "sku": line["sku"],
                "quantityShipped": units,
                "fulfillmentNetwork": "AFN"
                if order["fulfilledBy"] == "AMAZON"
                else "MFN",
            }
        ],
    }


def order_transactions(order, seller, now):
    """The Shipment and Refund transactions of ``order`` at ``now`` (statuses
    and groups not yet set: ``ledger`` does it), with ``_maturity`` for
    deferred ones."""
    if order["channel"] != "AMAZON":
        return []
    currency, market = order["currency"], order["marketplaceId"]
    shipping_total = Decimal(money(order["shippingFee"], currency)["amount"])
    lines = {line["orderItemId"]: line for line in order["items"]}
    done, found, charged = {}, [], {}
    for index, (moment, units) in enumerate(shipments(order, now)):
        items = []
        for item_id, line in lines.items():  # the order's item order
            if item_id not in units:
                continue
            before = done.get(item_id, 0)
            after = min(before + units[item_id], line["quantity"])
            done[item_id] = after
            if after <= before:
                continue
            shipping = shipping_total if index == 0 and not items else Decimal(0)
            items.append(_shipment_item(order, line, before, after, shipping))
            charged.setdefault(item_id, []).append((moment, _commission(items[-1])))
        if not items:
            continue
        posted = parse_time(moment)
        tx_id = _id("shipment", seller, order["orderId"], moment)
        tx = _base(seller, market, "shipment", tx_id, posted, "Order Payment")
        tx["relatedIdentifiers"].append(_related("ORDER_ID", order["orderId"]))
        tx["items"] = items
        tx["breakdowns"] = _summary(items, currency)
        tx["totalAmount"] = _amount(
            sum((decimal_of(i["totalAmount"]) for i in items), Decimal(0)), currency
        )
        if order["business"]:
            maturity = posted + B2B_TERMS
            tx["contexts"] = [
                {
                    "contextType": "DeferredContext",
                    "deferralReason": "B2B",
                    "maturityDate": iso(maturity),
                }
            ]
            tx["_maturity"] = maturity
        found.append(tx)
    found += [
        _refund(order, seller, refund, charged)
        for refund in returns.refunds_for(order, now)
    ]
    return found


def _commission(item):
    """The referral fee (negative) an item's breakdowns charged."""
    for entry in item["breakdowns"]:
        if entry["breakdownType"] != BREAKDOWNS["fees"]:
            continue
        for fee in entry["breakdowns"]:
            if fee["breakdownType"] == BREAKDOWNS["commission"]:
                return decimal_of(fee["breakdownAmount"])
    return Decimal(0)


# -- refunds ------------------------------------------------------------------


def _refund_fees(order, line, refund, base, charged):
    """What Amazon gives back of its fees for a refund: the referral fee of
    the refunded price ``base`` (principal + shipping - promotion refunded;
    never more than the line's shipments charged by then), less the refund
    administration fee (``REFUND_ADMIN``: a share of that referral fee, capped
    per line item; none for media). FBA and closing fees stay with Amazon."""
    market = order["marketplaceId"]
    units = refund["quantity"]
    referral = max(
        referral_rate(line["title"]) * base,
        fees.REFERRAL_MINIMUM * fx(market) * units,
    )
    paid = -sum(
        (
            fee
            for moment, fee in charged.get(line["orderItemId"], ())
            if moment <= refund["time"]
        ),
        Decimal(0),
    )
    given = min(quantize(referral, market), paid)
    share, cap = REFUND_ADMIN[order["country"]]
    admin = min(quantize(share * given, market), cap)
    if fees.MEDIA.match(line["asin"] or ""):
        admin = Decimal(0)  # books, music, video, DVD refunded in full
    return given, admin


def _refund(order, seller, refund, charged):
    """A ``Refund`` transaction (description ``Refund Order``) of one of
    ``returns.refunds_for``: one item (the refunded units of the line), what
    goes back to the buyer negative, a promotion taken back positive, the
    referral fee Amazon gives back positive and its refund administration
    fee negative, and in US/CA the withheld tax given back (positive)."""
    currency, market = order["currency"], order["marketplaceId"]
    line = next(i for i in order["items"] if i["orderItemId"] == refund["orderItemId"])
    amounts = {kind: Decimal(text) for kind, text in refund["amounts"].items()}
    principal = amounts.get("ITEM", Decimal(0))
    shipping = amounts.get("SHIPPING", Decimal(0))
    discount = amounts.get("DISCOUNT", Decimal(0))  # negative
    tax = amounts.get("TAX", Decimal(0))
    shipping_tax = amounts.get("SHIPPING_TAX", Decimal(0))
    breakdowns = [
        _node("charges", [_leaf("principal", -principal, currency)], currency)
    ]
    if shipping:
        child = _leaf("shipping_principal", -shipping, currency)
        breakdowns.append(_node("shipping", [child], currency))
    taxes = [
        _leaf(kind, -value, currency)
        for kind, value in (("principal_tax", tax), ("shipping_tax", shipping_tax))
        if value
    ]
    if taxes:
        breakdowns.append(_node("tax", taxes, currency))
    if discount:
        child = _leaf("promotion_principal", -discount, currency)
        breakdowns.append(_node("promotion", [child], currency))
    given, admin = _refund_fees(
        order, line, refund, principal + shipping + discount, charged
    )
    fee_list = []
    if given:
        fee_list.append(_node("commission", [_leaf("base", given, currency)], currency))
    if admin:
        child = _leaf("base", -admin, currency)
        fee_list.append(_node("refund_commission", [child], currency))
    if fee_list:
        breakdowns.append(_node("fees", fee_list, currency))
    if tax and order["country"] in TAX_RATE:
        # The tax Amazon withheld as marketplace facilitator comes back.
        child = _leaf("mf_tax_principal", tax, currency)
        breakdowns.append(_node("mf_tax", [child], currency))
    item = {
        "description": line["title"],
        "totalAmount": _amount(_sum(breakdowns), currency),
        "breakdowns": breakdowns,
        "contexts": [
            {
                "contextType": "ProductContext",
                "asin": line["asin"],
                "sku": line["sku"],
                "quantityShipped": refund["quantity"],
                "fulfillmentNetwork": refund["fulfillmentChannel"],
            }
        ],
    }
    posted = parse_time(refund["time"])
    tx_id = _id("refund", seller, refund["refundId"])
    tx = _base(seller, market, "refund", tx_id, posted, "Refund Order")
    tx["relatedIdentifiers"] += [
        _related("ORDER_ID", order["orderId"]),
        _related("REFUND_ID", refund["refundId"]),
    ]
    tx["items"] = [item]
    tx["breakdowns"] = _summary([item], currency)
    tx["totalAmount"] = dict(item["totalAmount"])
    return tx


# -- monthly fees and adjustments -------------------------------------------


def _month_starts(first, last):
    moment = datetime(first.year, first.month, 1, tzinfo=timezone.utc)
    while moment <= last:
        yield moment
        moment = (moment + timedelta(days=32)).replace(day=1)


def _region_fees(data, seller, now):
    history = parse_time(data["now"]) - timedelta(days=HISTORY_DAYS)
    seed = data.get("seed", 0)
    found = []
    for month in _month_starts(history, now):
        previous = (month - timedelta(days=1)).replace(day=1)
        for region, market in REGION_MARKETPLACE.items():
            currency = BY_MARKETPLACE[market][3]
            posted = month.replace(hour=FEE_HOUR)
            if history <= posted <= now:
                amount = -SUBSCRIPTION[region]
                tx = _base(
                    seller,
                    market,
                    "service_fee",
                    _id("subscription", seller, region, iso(month)),
                    posted,
                    "Subscription",
                )
                nxt = (month + timedelta(days=32)).replace(day=1)
                _fee_body(tx, "subscription", amount, currency, month, nxt)
                found.append(tx)
            posted = month.replace(day=7, hour=FEE_HOUR)
            if history <= posted <= now:
                units = sum(
                    row["fulfillable"] + row["reserved"]
                    for row in fba.pool(data, market, month)
                    if row["known"]
                )
                amount = -quantize(STORAGE_PER_UNIT_USD * fx(market) * units, market)
                tx = _base(
                    seller,
                    market,
                    "service_fee",
                    _id("storage", seller, region, iso(previous)),
                    posted,
                    "FBAStorageBilling",
                )
                _fee_body(tx, "storage", amount, currency, previous, month)
                found.append(tx)
            posted = month.replace(day=15, hour=FEE_HOUR)
            afn = [p for p in data["products"] if p["afn"]]
            if (
                history <= posted <= now
                and afn
                and _number(seed, region, iso(month), modulo=2) == 0
            ):
                product = afn[_number(seed, region, iso(month), "sku", modulo=len(afn))]
                amount = quantize(Decimal(product["priceUsd"]) * fx(market), market)
                tx = _base(
                    seller,
                    market,
                    "reimbursement",
                    _id("reimbursement", seller, region, iso(month)),
                    posted,
                    "FBA Inventory Reimbursement",
                )
                tx["items"] = [
                    {
                        "description": product["title"],
                        "totalAmount": _amount(amount, currency),
                        "contexts": [
                            {
                                "contextType": "ProductContext",
                                "asin": product["asin"],
                                "sku": product["sku"],
                                "quantityShipped": 1,
                                "fulfillmentNetwork": "AFN",
                            }
                        ],
                    }
                ]
                tx["breakdowns"] = [_leaf("reimbursement", amount, currency)]
                tx["totalAmount"] = _amount(amount, currency)
                found.append(tx)
    return found


def _fee_body(tx, kind, amount, currency, start, end):
    tx["breakdowns"] = [_leaf(kind, amount, currency)]
    tx["totalAmount"] = _amount(amount, currency)
    tx["contexts"] = [
        {
            "contextType": "TimeRangeContext",
            "startTime": iso(start),
            "endTime": iso(end),
        }
    ]


# -- the ledger ---------------------------------------------------------------


def ledger(data, seller, now):
    """Every transaction of the seller posted at or before ``now`` (datetime
    or ISO text), oldest first, and the settlement groups:
    ``{"transactions": [...], "groups": [...]}`` (see ``truth``)."""
    now = parse_time(now) if isinstance(now, str) else now
    found = []
    for order in data["orders"]:
        found += order_transactions(order, seller, now)
    found += _region_fees(data, seller, now)
    found = [tx for tx in found if parse_time(tx["postedDate"]) <= now]
    groups = {}

    def join(tx, moment):
        market = tx["marketplaceDetails"]["marketplaceId"]
        start = group_start(moment)
        key = (market, start)
        if key not in groups:
            groups[key] = {
                "groupId": group_id(seller, market, start),
                "marketplaceId": market,
                "currencyCode": BY_MARKETPLACE[market][3],
                "start": start,
                "transactions": [],
            }
        groups[key]["transactions"].append(tx)
        tx["relatedIdentifiers"].append(
            _related("FINANCIAL_EVENT_GROUP_ID", groups[key]["groupId"])
        )

    releases = []
    for tx in found:
        maturity = tx.pop("_maturity", None)
        if maturity is None:
            join(tx, parse_time(tx["postedDate"]))
            continue
        tx["transactionStatus"] = "DEFERRED"
        if maturity <= now:
            release = _release(tx, maturity)
            join(release, maturity)
            releases.append(release)
    found += releases
    truth = _payouts(groups, seller, now, found)
    found.sort(key=lambda tx: (tx["postedDate"], tx["transactionId"]))
    return {"transactions": found, "groups": truth}


def _release(tx, maturity):
    """Amazon releases a deferred transaction at maturity: the original turns
    DEFERRED_RELEASED and names a new RELEASED transaction (same type,
    order, items and total, posted at the release), which names the original
    and joins the settlement group open then."""
    release_id = _id("release", tx["transactionId"])
    release = {
        **tx,
        "relatedIdentifiers": [
            *tx["relatedIdentifiers"],
            _related("DEFERRED_TRANSACTION_ID", tx["transactionId"]),
        ],
        "transactionId": release_id,
        "transactionStatus": "RELEASED",
        "postedDate": iso(maturity),
    }
    release.pop("contexts", None)
    tx["transactionStatus"] = "DEFERRED_RELEASED"
    tx["relatedIdentifiers"].append(_related("RELEASE_TRANSACTION_ID", release_id))
    return release


def _payouts(groups, seller, now, found):
    """Close each marketplace's groups in order: a positive balance is paid
    out by a Transfer at the close; a negative one is carried into the next
    group by a pair of reserve adjustments (see ``_carry``), so every group's
    payout is exactly minus the sum of its released transactions."""
    truth = []
    markets = sorted({market for market, _start in groups})
    for market in markets:
        carried = Decimal(0)
        start = min(s for m, s in groups if m == market)
        while start <= group_start(now):
            end = start + PERIOD
            group = groups.get((market, start))
            if group is None and not carried:
                start = end
                continue
            if group is None:
                # A carried balance opens the next period even without a
                # transaction of its own.
                group = groups[(market, start)] = {
                    "groupId": group_id(seller, market, start),
                    "marketplaceId": market,
                    "currencyCode": BY_MARKETPLACE[market][3],
                    "start": start,
                    "transactions": [],
                }
            members = group["transactions"]
            if carried:
                carry_in = _carry(seller, market, group["groupId"], start, carried)
                members.append(carry_in)
                found.append(carry_in)
            total = sum((decimal_of(t["totalAmount"]) for t in members), Decimal(0))
            closed = end <= now
            row = {
                "groupId": group["groupId"],
                "marketplaceId": market,
                "currencyCode": group["currencyCode"],
                "start": iso(start),
                "end": iso(end),
                "closed": closed,
                "transactionIds": [],
                "sum": None,
                "carriedIn": str(carried),
                "payout": None,
                "payoutTransactionId": None,
                "carriedOut": None,
            }
            carried = Decimal(0)
            if closed and total > 0:
                tx = _transfer(seller, market, group["groupId"], end, total)
                found.append(tx)
                row["payout"] = str(decimal_of(tx["totalAmount"]))
                row["payoutTransactionId"] = tx["transactionId"]
            elif closed and total < 0:
                moment = end - timedelta(seconds=1)
                carry_out = _carry(seller, market, group["groupId"], moment, -total)
                members.append(carry_out)
                found.append(carry_out)
                carried = total
            if closed:
                row["carriedOut"] = str(carried)
            row["transactionIds"] = [t["transactionId"] for t in members]
            row["sum"] = str(
                sum((decimal_of(t["totalAmount"]) for t in members), Decimal(0))
            )
            truth.append(row)
            start = end
    return truth


def _carry(seller, market, group, moment, value):
    """A negative balance carried between settlement groups: at a close the
    group gives it away (``CurrentReserveAmount``, positive, a second before
    the close: its sum is then zero, nothing is paid) and the next group
    takes it at its start (``PreviousReserveAmountBalance``, negative), as
    Amazon's statements show a previous statement's unavailable balance.
    An ``Adjustment`` (v0's ``ReserveEvent`` is an AdjustmentType)."""
    currency = BY_MARKETPLACE[market][3]
    kind = "reserve_out" if value > 0 else "reserve_in"
    tx = _base(
        seller,
        market,
        "adjustment",
        _id(kind, seller, group, iso(moment)),
        moment,
        "ReserveEvent",
    )
    tx["relatedIdentifiers"] = [_related("FINANCIAL_EVENT_GROUP_ID", group)]
    tx["totalAmount"] = _amount(value, currency)
    tx["breakdowns"] = [_leaf(kind, value, currency)]
    return tx


def _transfer(seller, market, group, end, balance):
    currency = BY_MARKETPLACE[market][3]
    tx = _base(
        seller,
        market,
        "transfer",
        _id("transfer", seller, group),
        end,
        "Transfer",
    )
    tx["relatedIdentifiers"] = [
        _related("FINANCIAL_EVENT_GROUP_ID", group),
        _related(
            "DISBURSEMENT_ID",
            str(10**12 + _number("disbursement", group, modulo=9 * 10**12)),
        ),
    ]
    tx["totalAmount"] = _amount(-balance, currency)
    tx["contexts"] = [
        {
            "contextType": "PaymentsContext",
            "paymentType": "Disbursement",
            "paymentMethod": "BANK",
            "paymentDate": iso(end),
        }
    ]
    return tx


def transactions(data, seller, now):
    """The transactions alone (see ``ledger``)."""
    return ledger(data, seller, now)["transactions"]


def truth(data, seller, now):
    """What ``GET /_sandbox/finances`` answers: the groups (period, released
    transactions' ids with the reserve adjustments but not the payout, their
    sum, the deficit carried in and out, the payout and its transaction id)
    and the ids of the transactions still DEFERRED, for tests that compare a
    client's books with it. A closed group's payout is minus its sum."""
    book = ledger(data, seller, now)
    return {
        "seller": seller,
        "now": iso(parse_time(now) if isinstance(now, str) else now),
        "groups": book["groups"],
        "deferred": [
            tx["transactionId"]
            for tx in book["transactions"]
            if tx["transactionStatus"] == "DEFERRED"
        ],
        "transactionCount": len(book["transactions"]),
    }
