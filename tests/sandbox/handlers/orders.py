"""Orders API 2026-01-01 searchOrders/getOrder and Orders v0 confirmShipment."""

import re
from datetime import timedelta

from .. import pagination
from ..dataset import iso, parse_time
from ..errors import ApiError, invalid_input
from ..messages import Reply
from ..orders_view import (
    dataset_packages,
    dataset_shipped_lines,
    render,
    shipped_quantities,
    state_at,
)

FILTERS = (
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "marketplaceIds",
    "fulfilledBy",
    "maxResultsPerPage",
    "includedData",
)
SETTLE = timedelta(minutes=2)  # Amazon's upper bounds must be 2 min in the past


def _time(values, name):
    try:
        return parse_time(values[name]) if values.get(name) else None
    except (TypeError, ValueError) as exc:
        raise invalid_input(f"{name}: not an ISO 8601 date-time") from exc


def _check_query(values, now):
    created = values.get("createdAfter") is not None
    updated = values.get("lastUpdatedAfter") is not None
    if created == updated:
        raise invalid_input(
            "Exactly one of createdAfter and lastUpdatedAfter is required"
        )
    if created and (values.get("lastUpdatedAfter") or values.get("lastUpdatedBefore")):
        raise invalid_input("createdAfter cannot be combined with lastUpdated filters")
    if updated and values.get("createdBefore"):
        raise invalid_input("lastUpdatedAfter cannot be combined with createdBefore")
    size = values.get("maxResultsPerPage", 100)
    if not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid_input("maxResultsPerPage: must be between 1 and 100")
    prefix = "created" if created else "lastUpdated"
    after, before = _time(values, prefix + "After"), _time(values, prefix + "Before")
    if before is not None:
        if before < after:
            raise invalid_input(
                f"{prefix}Before must not be earlier than {prefix}After"
            )
        if before > now - SETTLE:
            raise invalid_input(
                f"{prefix}Before must be at least two minutes before the request time"
            )
    if after > now:
        raise invalid_input(f"{prefix}After must not be in the future")


def _matches(order, view, query, after, before):
    if (
        query.get("marketplaceIds")
        and order["marketplaceId"] not in query["marketplaceIds"]
    ):
        return False
    if query.get("fulfilledBy") and order["fulfilledBy"] not in query["fulfilledBy"]:
        return False
    status = view["status"]
    if query.get("fulfillmentStatuses") and status not in query["fulfillmentStatuses"]:
        return False
    return after <= view["moment"] <= before


def search_orders(ctx, values):
    token = values.get("paginationToken")
    if token:
        page = pagination.decode(token, required=("o", "q", "s"))
        query, snapshot = page["q"], parse_time(page["s"])
    else:
        now = ctx.now
        _check_query(values, now)
        query = {k: values[k] for k in FILTERS if k in values}
        snapshot, page = now, {"o": 0}
    by_created = "createdAfter" in query
    prefix = "created" if by_created else "lastUpdated"
    after = parse_time(query[prefix + "After"])
    bound = query.get(prefix + "Before")
    before = parse_time(bound) if bound else snapshot - SETTLE
    found = []
    stamp, after, before = iso(snapshot), iso(after), iso(before)
    for order in ctx.stores.order_list:
        event = state_at(order, stamp)
        if event is None:
            continue
        moment = order["createdTime"] if by_created else event["time"]
        view = {"status": event["status"], "moment": moment}
        if _matches(order, view, query, after, before):
            found.append((moment, order["orderId"], order))
    found.sort(key=lambda row: (row[0], row[1]))
    size = query.get("maxResultsPerPage", 100)
    start = page["o"]
    chunk = found[start : start + size]
    included = query.get("includedData") or ()
    body = {"orders": [render(order, snapshot, included) for _, _, order in chunk]}
    if start + size < len(found):
        token = pagination.encode({"q": query, "s": iso(snapshot), "o": start + size})
        body["pagination"] = {"nextToken": token}
    body[prefix + "Before"] = before
    return Reply(200, body)


def _visible(ctx, order_id):
    order = ctx.stores.orders.get(order_id)
    if order is None or state_at(order, ctx.now) is None:
        raise ApiError(404, "NotFound", "The requested order was not found.", order_id)
    return order


def get_order(ctx, values):
    order = _visible(ctx, values["orderId"])
    return Reply(200, {"order": render(order, ctx.now, values.get("includedData"))})


# A subset of Amazon's published CarrierCode values for confirmShipment; Amazon
# matches them as listed, we ignore case. "Other" needs a carrierName.
CARRIER_CODES = (
    "USPS", "UPS", "UPSMI", "FedEx", "FedEx Freight", "DHL", "DHL eCommerce",
    "DHL Express", "OnTrac", "Lasership", "Estes", "AAA Cooper", "ABF",
    "Royal Mail", "Parcelforce", "Yodel", "DPD", "Hermes", "Evri", "GLS",
    "Deutsche Post", "Chronopost", "Colissimo", "La Poste", "TNT", "SEUR",
    "Correos", "MRW", "Nacex", "Poste Italiane", "BRT", "SDA", "PostNL",
    "Bpost", "InPost", "PostNord", "Asendia", "Canada Post", "Canpar",
    "Purolator", "Australia Post", "StarTrack", "Couriers Please",
    "Yamato Transport", "Sagawa Express", "Japan Post", "Seino Transportation",
    "Fukuyama Transporting", "China Post", "SF Express", "4PX",
    "Singapore Post", "Ninja Van", "India Post", "BlueDart", "Delhivery",
    "DTDC", "Correios", "Estafeta", "Amazon Shipping", "Other",
)  # fmt: skip
CARRIERS = {code.lower(): code for code in CARRIER_CODES}
POSITIVE = re.compile(r"[1-9][0-9]*")


def refuse(message):
    """A 400 whose message itself says what is wrong (as Amazon's do)."""
    return ApiError(400, "InvalidInput", message, "")


def _carrier(package):
    code = CARRIERS.get(package["carrierCode"].lower())
    if code is None:
        raise refuse(
            f"Invalid carrierCode '{package['carrierCode']}': use one of "
            "Amazon's carrier codes, or Other with carrierName"
        )
    name = (package.get("carrierName") or "").strip()
    if code == "Other" and not name:
        raise refuse("carrierName is required when carrierCode is Other")
    return name if code == "Other" else code


def booked_packages(order, moment):
    """The order's shipped packages: the seller's and Amazon's labels once
    there is one, else what the dataset's schedule shipped by ``moment``."""
    if order.get("sellerPackages"):
        return order["sellerPackages"]
    event = state_at(order, moment)
    return dataset_packages(order, dataset_shipped_lines(order, event["status"]), event)


def check_shippable(order, items, moment):
    """Refuse shipping ``items`` ({orderItemId: quantity}) of ``order`` unless
    every quantity is 1..(ordered - already shipped). Call under the lock."""
    event = state_at(order, moment)
    shipped = shipped_quantities(booked_packages(order, moment))
    lines = {line["orderItemId"]: line for line in order["items"]}
    done = all(shipped.get(i, 0) >= line["quantity"] for i, line in lines.items())
    if done or event["status"] not in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
        status = "SHIPPED" if done else event["status"]
        raise refuse(f"The order is {status} and cannot be confirmed")
    for item_id, quantity in items.items():
        line = lines.get(item_id)
        if line is None:
            raise refuse(f"orderItemId {item_id} is not an item of the order")
        left = line["quantity"] - shipped.get(item_id, 0)
        if not 1 <= quantity <= left:
            raise refuse(
                f"Quantity {quantity} of orderItemId {item_id} is out of range: "
                f"{left} of {line['quantity']} left to ship"
            )


def record_package(ctx, order, package, source, record):
    """Book one shipped package on the order (call under the lock, after
    check_shippable): the order turns PARTIALLY_SHIPPED or SHIPPED, the
    package renders in getOrder/searchOrders, and /_sandbox/confirmations
    gets ``record``."""
    event = state_at(order, ctx.now)
    moment = max(ctx.now, parse_time(event["time"]) + timedelta(seconds=1))
    # What the dataset already shipped (PARTIALLY_SHIPPED) stays shipped.
    packages = order["sellerPackages"] = list(booked_packages(order, ctx.now))
    stamp = iso(moment)
    packages.append(
        {
            **package,
            "createdTime": stamp,
            "packageStatus": {"status": "SHIPPED"},
            "shipTime": stamp,
        }
    )
    shipped = shipped_quantities(packages)
    every = all(
        shipped.get(line["orderItemId"], 0) >= line["quantity"]
        for line in order["items"]
    )
    # Later dataset events (e.g. a scheduled SHIPPED) yield to the seller's.
    order["events"] = [e for e in order["events"] if parse_time(e["time"]) <= moment]
    status = "SHIPPED" if every else "PARTIALLY_SHIPPED"
    order["events"].append({"time": stamp, "status": status})
    ctx.stores.confirmations.append(
        {
            "seller": ctx.seller,
            "orderId": order["orderId"],
            "source": source,
            "time": iso(ctx.now),
            **record,
        }
    )


def unrecord_packages(ctx, order, trackings):
    """Withdraw the packages shipped under ``trackings`` (a voided label;
    call under the lock): the order is UNSHIPPED or PARTIALLY_SHIPPED again by
    what stays shipped, a new event as for a confirmation, and the label's
    records in /_sandbox/confirmations say when it was voided."""
    event = state_at(order, ctx.now)
    moment = max(ctx.now, parse_time(event["time"]) + timedelta(seconds=1))
    packages = [
        p
        for p in booked_packages(order, ctx.now)
        if p.get("trackingNumber") not in trackings
    ]
    order["sellerPackages"] = packages
    shipped = shipped_quantities(packages)
    status = "PARTIALLY_SHIPPED" if any(shipped.values()) else "UNSHIPPED"
    stamp = iso(moment)
    order["events"] = [e for e in order["events"] if parse_time(e["time"]) <= moment]
    order["events"].append({"time": stamp, "status": status})
    for record in ctx.stores.confirmations:
        detail = record.get("packageDetail") or {}
        if record["orderId"] == order["orderId"] and (
            detail.get("trackingId") in trackings
        ):
            record["voided"] = iso(ctx.now)


def _quantities(order_items):
    wanted = {}
    for item in order_items:
        wanted[item["orderItemId"]] = (
            wanted.get(item["orderItemId"], 0) + item["quantity"]
        )
    return wanted


def confirm_shipment(ctx, values):
    order = _visible(ctx, values["orderId"])
    body = values["payload"]
    if body["marketplaceId"] != order["marketplaceId"]:
        raise invalid_input("marketplaceId does not match the order's marketplace")
    if order["fulfilledBy"] != "MERCHANT":
        raise invalid_input("Only merchant-fulfilled orders can be confirmed")
    package = body["packageDetail"]
    carrier = _carrier(package)
    reference = package["packageReferenceId"]
    if not POSITIVE.fullmatch(reference):
        raise refuse(f"packageReferenceId '{reference}' must be a positive integer")
    wanted = _quantities(package["orderItems"])
    with ctx.state.lock:
        used = {p["packageReferenceId"] for p in booked_packages(order, ctx.now)}
        if reference in used:
            raise refuse(
                f"packageReferenceId '{reference}' is already used for this order"
            )
        check_shippable(order, wanted, ctx.now)
        shipped = {
            "packageReferenceId": reference,
            "carrier": carrier,
            "shippingService": package.get("shippingMethod") or "Standard",
            "trackingNumber": package["trackingNumber"],
            "packageItems": [
                {"orderItemId": item_id, "quantity": quantity}
                for item_id, quantity in wanted.items()
            ],
        }
        record_package(
            ctx, order, shipped, "confirmShipment", {"packageDetail": package}
        )
    return Reply(204)
