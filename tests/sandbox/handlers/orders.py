"""Orders API 2026-01-01 searchOrders/getOrder and Orders v0 confirmShipment."""

from datetime import timedelta

from .. import pagination
from ..dataset import iso, parse_time
from ..errors import ApiError, invalid_input
from ..messages import Reply
from ..orders_view import render, state_at

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


def confirm_shipment(ctx, values):
    order = _visible(ctx, values["orderId"])
    body = values["payload"]
    if body["marketplaceId"] != order["marketplaceId"]:
        raise invalid_input("marketplaceId does not match the order's marketplace")
    if order["fulfilledBy"] != "MERCHANT":
        raise invalid_input("Only merchant-fulfilled orders can be confirmed")
    known = {line["orderItemId"]: line for line in order["items"]}
    package = body["packageDetail"]
    for item in package["orderItems"]:
        line = known.get(item["orderItemId"])
        if line is None:
            raise invalid_input(
                f"orderItemId {item['orderItemId']} is not in the order"
            )
        if not 1 <= item["quantity"] <= line["quantity"]:
            raise invalid_input(f"quantity of {item['orderItemId']} is out of range")
    with ctx.state.lock:
        event = state_at(order, ctx.now)
        if event["status"] not in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
            raise invalid_input(
                f"The order is {event['status']} and cannot be confirmed"
            )
        every = {line["orderItemId"] for line in order["items"]}
        shipped = {item["orderItemId"] for item in package["orderItems"]}
        if event["status"] == "PARTIALLY_SHIPPED":
            shipped.add(order["items"][0]["orderItemId"])
        status = "SHIPPED" if shipped >= every else "PARTIALLY_SHIPPED"
        moment = max(ctx.now, parse_time(event["time"]) + timedelta(seconds=1))
        # Later dataset events (e.g. a scheduled SHIPPED) yield to the seller's.
        order["events"] = [
            e for e in order["events"] if parse_time(e["time"]) <= moment
        ]
        order["events"].append(
            {
                "time": iso(moment),
                "status": status,
                "trackingNumber": package["trackingNumber"],
                "carrier": package.get("carrierName") or package["carrierCode"],
            }
        )
    return Reply(204)
