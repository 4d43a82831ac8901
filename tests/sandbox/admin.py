"""Routes outside the SP-API: LWA, ``/_sandbox/*`` for tests, and the
presigned-URL lookalikes for feed documents and schema downloads."""

import json

from . import documents, fba, finances, returns
from .errors import error_body
from .handlers import fulfillment, inventory
from .messages import Reply


def _json(request):
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None


def _confirmations(state, query):
    """Accepted shipment confirmations, oldest first: every seller's unless
    ``seller`` is given, optionally only those of ``orderId``."""
    seller = (query.get("seller") or [None])[-1]
    order_id = (query.get("orderId") or [None])[-1]
    if seller is not None and seller not in state.seller_stores:
        return Reply(404, error_body("NotFound", "No such seller"))
    sellers = [seller] if seller else list(state.seller_stores)
    with state.lock:
        found = [
            dict(record)
            for name in sellers
            for record in state.seller_stores[name].confirmations
            if order_id is None or record["orderId"] == order_id
        ]
    return Reply(200, {"confirmations": found})


def _fba_inventory(state, query):
    """The FBA pool of a marketplace's region at the clock's now: what
    getInventorySummaries serves, flat (tests, MCF previews)."""
    seller = (query.get("seller") or [state.options.seller_id])[-1]
    market = (query.get("marketplace") or [""])[-1]
    if seller not in state.seller_stores or market not in fba.REGIONS:
        return Reply(404, error_body("NotFound", "No such seller or marketplace"))
    stores = state.seller_stores[seller]
    now = state.clock.now()
    with state.lock:
        orders = inventory.mcf_orders(stores, now)
    return Reply(200, {"items": fba.pool(stores.data, market, now, orders)})


def _finances(state, query):
    """The settlement truth of ``tests/sandbox/finances.py`` at the clock's
    now: groups with their period, released transactions' ids, sum, carried
    balance and payout, and the ids still deferred (no PII: ids and sums)."""
    seller = (query.get("seller") or [state.options.seller_id])[-1]
    if seller not in state.seller_stores:
        return Reply(404, error_body("NotFound", "No such seller"))
    now = state.clock.now()
    with state.lock:
        found = finances.truth(state.seller_stores[seller].data, seller, now)
    return Reply(200, found)


def _mcf_damage(state, request):
    """MCF: the fulfilment centre finds units of an order's SKU unsellable
    (``{"sellerFulfillmentOrderId", "sellerSku", "units"[, "seller"]}``)."""
    body = _json(request) or {}
    seller = body.get("seller") or state.options.seller_id
    if seller not in state.seller_stores:
        return Reply(404, error_body("NotFound", "No such seller"))
    try:
        with state.lock:
            units = fulfillment.damage(
                state.seller_stores[seller],
                body.get("sellerFulfillmentOrderId"),
                body.get("sellerSku"),
                int(body.get("units", 0)),
            )
    except KeyError:
        return Reply(404, error_body("NotFound", "No such order or SKU"))
    except (TypeError, ValueError):
        return Reply(400, error_body("InvalidInput", "units: a whole number"))
    return Reply(200, {"unfulfillable": units})


def _notifications(state, query):
    """What the publisher made, oldest first (``seller``, ``type`` and
    ``orderId`` narrow it): ids, times, lost/duplicate flags and bodies."""
    seller = (query.get("seller") or [None])[-1]
    if seller is not None and seller not in state.seller_stores:
        return Reply(404, error_body("NotFound", "No such seller"))
    found = state.notifications.published(
        seller,
        (query.get("type") or [None])[-1],
        (query.get("orderId") or [None])[-1],
    )
    return Reply(200, {"notifications": found})


def _returns(state, query):
    """Every return and returnless refund of a seller (default: the first)
    begun by the clock's now, with its refund (``posted`` when it is)."""
    seller = (query.get("seller") or [state.options.seller_id])[-1]
    if seller not in state.seller_stores:
        return Reply(404, error_body("NotFound", "No such seller"))
    now = state.clock.now()
    with state.lock:
        found = returns.all_returns(state.seller_stores[seller].order_list, now)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Reply(200, {"now": stamp, "seller": seller, "returns": found})


READERS = {
    "/_sandbox/stats": lambda state, _query: Reply(200, state.stats.snapshot()),
    "/_sandbox/credentials": lambda state, _query: Reply(200, state.credentials()),
    "/_sandbox/fba-inventory": _fba_inventory,
    "/_sandbox/finances": _finances,
    "/_sandbox/notifications": _notifications,
    "/_sandbox/returns": _returns,
}


def sandbox_route(state, request):
    path, method = request.path, request.method
    if path in READERS and method == "GET":
        return READERS[path](state, request.query)
    if path == "/_sandbox/dataset" and method == "GET":
        seller = (request.query.get("seller") or [state.options.seller_id])[-1]
        if seller not in state.seller_stores:
            return Reply(404, error_body("NotFound", "No such seller"))
        return Reply(200, state.seller_stores[seller].data)
    if path == "/_sandbox/mcf/damage" and method == "POST":
        return _mcf_damage(state, request)
    if path == "/_sandbox/confirmations" and method == "GET":
        return _confirmations(state, request.query)
    if path == "/_sandbox/clock":
        if method == "POST":
            body = _json(request) or {}
            try:
                state.clock.advance(float(body.get("advanceSeconds", 0)))
            except (TypeError, ValueError):
                return Reply(
                    400, error_body("InvalidInput", "advanceSeconds: a number")
                )
            state.notifications.wake()
        return Reply(200, {"now": state.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")})
    if path == "/_sandbox/product-types/release":
        if method == "POST":
            with state.lock:
                state.product_type_releases += 1
        return Reply(200, {"releases": state.product_type_releases})
    if path == "/_sandbox/client-secret/rotate" and method == "POST":
        body = _json(request) or {}
        given = body.get("clientSecret")
        if given is not None and (not isinstance(given, str) or not given):
            return Reply(400, error_body("InvalidInput", "clientSecret: a string"))
        secret = state.tokens.rotate_secret(given)
        return Reply(
            200,
            {"clientSecret": secret, "validSecrets": len(state.tokens.client_secrets)},
        )
    if path == "/_sandbox/client-secret/retire-old" and method == "POST":
        return Reply(200, {"validSecrets": state.tokens.retire_old_secrets()})
    if path == "/_sandbox/expire-tokens" and method == "POST":
        state.tokens.expire_all()
        return Reply(200, {"expired": True})
    if path == "/_sandbox/health":
        return Reply(200, {"ok": True, "modelsLoaded": state.catalog.available})
    return documents.route(state, request) or Reply(
        404, error_body("NotFound", "No such sandbox resource")
    )


def lwa_route(state, request):
    if request.method != "POST":
        return Reply(
            405, {"error": "invalid_request", "error_description": "POST only"}
        )
    status, body = state.tokens.token_endpoint(
        request.body, request.headers.get("content-type", "")
    )
    state.stats.lwa("issued" if status == 200 else body["error"])
    return Reply(status, body, {"Cache-Control": "no-store"})
