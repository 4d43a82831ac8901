"""Render a dataset order as Orders API 2026-01-01 shows it at a given time,
with only the ``includedData`` sections the caller asked for."""

from datetime import timedelta
from decimal import Decimal

from .dataset import iso, money, parse_time

# Amazon shows prices once payment is authorized, and drops them on cancellation.
PRICED = ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")
# Sales tax Amazon collects and remits as marketplace facilitator.
TAX_RATE = {"US": Decimal("0.08"), "CA": Decimal("0.13")}
# VAT (consumption tax in Japan) the seller collects: charged on top of the
# items, discounts and shipping, with a detailed breakdown per subtype, as in
# Amazon's own getOrder example for amazon.co.uk. Business buyers with a VAT
# number in another country than the seller's pay none (reverse charge).
VAT_RATE = {
    "GB": Decimal("0.20"),
    "DE": Decimal("0.19"),
    "FR": Decimal("0.20"),
    "JP": Decimal("0.10"),
}
VAT_PREFIX = {"DE": "DE", "FR": "FR", "GB": "GB"}


def state_at(order, moment):
    """The last event at or before ``moment`` (None: not created yet).

    Event times are uniform ``YYYY-MM-DDTHH:MM:SSZ`` strings, so they compare
    as text: no parsing in the hot loop of searchOrders."""
    stamp = moment if isinstance(moment, str) else iso(moment)
    current = None
    for event in order["events"]:
        if event["time"] <= stamp:
            current = event
    return current


def _item_totals(order, line):
    currency = order["currency"]
    item = Decimal(line["unitPrice"]) * line["quantity"]
    discount = (item * Decimal("0.10")) if line["promotionId"] else Decimal(0)
    tax = (item - discount) * TAX_RATE.get(order["country"], Decimal(0))
    return currency, item, discount, tax


def vat_rate(order):
    """The VAT rate the seller charges on ``order`` (0: none)."""
    if order["business"] and order["country"] in VAT_PREFIX:
        return Decimal(0)  # a VAT-registered business buyer: reverse charge
    return VAT_RATE.get(order["country"], Decimal(0))


def _vat(amount, order):
    """VAT on ``amount`` rounded as the order's currency is."""
    return Decimal(money(amount * vat_rate(order), order["currency"])["amount"])


def _proceeds(order):
    """Order-level categories aggregate the items' rounded subtotals (as
    Amazon's model says), so the breakdowns add up to the grand total."""
    currency = order["currency"]
    shipping = Decimal(money(order["shippingFee"], currency)["amount"])
    totals = {"ITEM": Decimal(0), "SHIPPING": shipping}
    for line in order["items"]:
        for entry in _item_proceeds(order, line)["breakdowns"]:
            amount = Decimal(entry["subtotal"]["amount"])
            totals[entry["type"]] = totals.get(entry["type"], Decimal(0)) + amount
    if _vat(shipping, order):
        # The shipping is the order's, so is its VAT: beyond the items' tax.
        totals["TAX"] = totals.get("TAX", Decimal(0)) + _vat(shipping, order)
    breakdowns = [
        {"type": kind, "subtotal": money(amount, currency)}
        for kind, amount in totals.items()
        if amount or kind == "ITEM"
    ]
    grand = sum(totals.values(), Decimal(0))
    return {"grandTotal": money(grand, currency), "breakdowns": breakdowns}


def _item_proceeds(order, line):
    currency, item, discount, tax = _item_totals(order, line)
    breakdowns = [{"type": "ITEM", "subtotal": money(item, currency)}]
    if tax:
        breakdowns.append({"type": "TAX", "subtotal": money(tax, currency)})
    vat = {"ITEM": _vat(item, order), "DISCOUNT": -_vat(discount, order)}
    if vat["ITEM"]:
        details = [
            {"subtype": kind, "value": money(value, currency)}
            for kind, value in vat.items()
            if value
        ]
        breakdowns.append(
            {
                "type": "TAX",
                "subtotal": money(sum(vat.values()), currency),
                "detailedBreakdowns": details,
            }
        )
    if discount:
        breakdowns.append({"type": "DISCOUNT", "subtotal": money(-discount, currency)})
    # The total of the rounded subtotals, as the seller is paid.
    total = sum(Decimal(entry["subtotal"]["amount"]) for entry in breakdowns)
    return {"proceedsTotal": money(total, currency), "breakdowns": breakdowns}


def dataset_shipped_lines(order, status):
    """Shipped quantity per orderItemId of an order shipped on the dataset's
    own schedule: all lines, or the first one while partially shipped."""
    if status == "SHIPPED":
        lines = order["items"]
    elif status == "PARTIALLY_SHIPPED":
        lines = order["items"][:1]
    else:
        lines = []
    return {line["orderItemId"]: line["quantity"] for line in lines}


def seller_packages(order, moment):
    """The packages of the seller's confirmations and Amazon-bought labels
    made at or before ``moment`` (see handlers.orders.record_package)."""
    stamp = moment if isinstance(moment, str) else iso(moment)
    return [p for p in order.get("sellerPackages", ()) if p["createdTime"] <= stamp]


def shipped_quantities(packages):
    done = {}
    for package in packages:
        for item in package["packageItems"]:
            done[item["orderItemId"]] = (
                done.get(item["orderItemId"], 0) + item["quantity"]
            )
    return done


def _windows(order):
    created = parse_time(order["createdTime"])
    days = {"NEXT_DAY": 1, "SECOND_DAY": 2, "EXPEDITED": 3}.get(
        order["serviceLevel"], 5
    )
    ship_by = created + timedelta(days=1)
    return {
        "shipByWindow": {
            "earliestDateTime": iso(created),
            "latestDateTime": iso(ship_by),
        },
        "deliverByWindow": {
            "earliestDateTime": iso(ship_by),
            "latestDateTime": iso(created + timedelta(days=days + 1)),
        },
    }


def _quantity_shown(order, line):
    # --malformed: schema-valid but impossible, to exercise importers' checks.
    if order.get("malformed") and line is order["items"][0]:
        return 0
    return line["quantity"]


def _item(order, line, status, included, shipped):
    priced = status in PRICED
    product = {
        "asin": line["asin"],
        "title": line["title"],
        "sellerSku": line["sku"],
        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
    }
    if priced:
        product["price"] = {
            "unitPrice": {
                "amount": line["unitPrice"],
                "currencyCode": order["currency"],
            }
        }
        if order["business"]:
            product["price"]["priceDesignation"] = "BUSINESS_PRICE"
    item = {
        "orderItemId": line["orderItemId"],
        "quantityOrdered": _quantity_shown(order, line),
        "measurement": {"unit": "COUNT", "value": line["quantity"]},
        "product": product,
    }
    if "PROCEEDS" in included and priced:
        item["proceeds"] = _item_proceeds(order, line)
    if "PROMOTION" in included and line["promotionId"]:
        item["promotion"] = {"breakdowns": [{"promotionId": line["promotionId"]}]}
    if "CANCELLATION" in included and status == "CANCELLED":
        item["cancellation"] = {
            "cancellationRequest": {
                "requester": "BUYER",
                "cancelReason": "NO_LONGER_NEEDED",
            },
            "cancellationExecution": {
                "cancelledBy": "BUYER",
                "cancelReason": "NO_LONGER_NEEDED",
            },
        }
    if "EXPENSE" in included and priced and order["country"] == "JP":
        # Amazon points: the seller funds 1% of the price on amazon.co.jp.
        points = int(Decimal(line["unitPrice"]) * line["quantity"] / 100)
        item["expense"] = {
            "pointsCost": {
                "pointsGranted": {
                    "pointsNumber": points,
                    "pointsMonetaryValue": money(points, order["currency"]),
                }
            }
        }
    if "TAX" in included and order["country"] in TAX_RATE:
        item["tax"] = {
            "taxCollections": [
                {
                    "model": "MARKETPLACE_FACILITATOR",
                    "responsibleParty": "AMAZON_SERVICES",
                }
            ]
        }
    if "FULFILLMENT" in included:
        done = min(shipped.get(line["orderItemId"], 0), line["quantity"])
        fulfillment = {
            "quantityFulfilled": done,
            "quantityUnfulfilled": 0
            if status == "CANCELLED"
            else line["quantity"] - done,
        }
        if line["giftMessage"]:
            fulfillment["packing"] = {
                "giftOption": {
                    "giftMessage": line["giftMessage"],
                    "giftWrapLevel": "STANDARD",
                }
            }
        item["fulfillment"] = fulfillment
    return item


def _recipient(order, status):
    address = dict(order["recipient"])
    if status == "PENDING":
        # Before payment authorization Amazon only shares the coarse location.
        keep = ("city", "stateOrRegion", "postalCode", "countryCode", "addressType")
        address = {key: address[key] for key in keep if key in address}
    return {"deliveryAddress": address}


def dataset_packages(order, shipped, event):
    """One package per line shipped on the dataset's own schedule, with a
    synthetic carrier and tracking number."""
    event_time = event["time"]
    if not shipped:
        return []
    carrier = {"JP": "Yamato", "DE": "DHL", "FR": "Colissimo", "GB": "Royal Mail"}
    packages = []
    for index, line in enumerate(order["items"]):
        if line["orderItemId"] not in shipped:
            continue
        packages.append(
            {
                "packageReferenceId": str(index + 1),
                "createdTime": event_time,
                "packageStatus": {"status": "SHIPPED"},
                "carrier": carrier.get(order["country"], "UPS"),
                "shipTime": event_time,
                "shippingService": "Standard",
                "trackingNumber": "SBX" + line["orderItemId"],
                "packageItems": [
                    {"orderItemId": line["orderItemId"], "quantity": line["quantity"]}
                ],
            }
        )
    return packages


def _aliases(order):
    if not order["fulfillmentOrderId"]:
        return {}
    # Multi-channel orders carry the seller's own order number.
    alias = {"aliasId": order["fulfillmentOrderId"], "aliasType": "SELLER_ORDER_ID"}
    return {"orderAliases": [alias]}


def render(order, moment, included=()):
    event = state_at(order, moment)
    if event is None:
        return None
    included = set(included or ())
    status = event["status"]
    # Once the seller confirmed (or bought an Amazon label), its packages are
    # the truth; orders shipped by the dataset's schedule render as before.
    packages = seller_packages(order, event["time"])
    if packages:
        shipped = shipped_quantities(packages)
    else:
        shipped = dataset_shipped_lines(order, status)
        packages = dataset_packages(order, shipped, event)
    view = {
        "orderId": order["orderId"],
        "createdTime": order["createdTime"],
        "lastUpdatedTime": event["time"],
        "programs": list(order["programs"]),
        **_aliases(order),
        "salesChannel": {
            "channelName": order["channel"],
            "marketplaceId": order["marketplaceId"],
            "marketplaceName": order["marketplaceName"],
        },
    }
    if "BUYER" in included and status != "PENDING":
        # Like the address, buyer details arrive with payment authorization.
        view["buyer"] = dict(order["buyer"])
    if "RECIPIENT" in included:
        view["recipient"] = _recipient(order, status)
    if "PROCEEDS" in included and status in PRICED:
        view["proceeds"] = _proceeds(order)
    if "TAX" in included and order["business"] and order["country"] in VAT_PREFIX:
        view["tax"] = {
            "taxRegistrations": [
                {
                    "entityType": "BUYER",
                    "legalName": order["buyer"].get("buyerCompanyName", ""),
                    "taxRegistrationType": "VAT",
                    "taxRegistrationNumber": VAT_PREFIX[order["country"]]
                    + order["orderId"].replace("-", "")[-9:],
                }
            ],
            "taxInvoicing": {"buyerInvoicePreference": "BUSINESS"},
        }
    if "FULFILLMENT" in included:
        view["fulfillment"] = {
            "fulfillmentStatus": status,
            "fulfilledBy": order["fulfilledBy"],
            "fulfillmentServiceLevel": order["serviceLevel"],
            **_windows(order),
        }
    view["orderItems"] = [
        _item(order, line, status, included, shipped) for line in order["items"]
    ]
    if "PACKAGES" in included:
        view["packages"] = [dict(package) for package in packages]
    if "FULFILLMENT_ORDERS" in included and order["fulfillmentOrderId"]:
        view["fulfillmentOrders"] = [
            {"fulfillmentOrderId": order["fulfillmentOrderId"]}
        ]
    return view
