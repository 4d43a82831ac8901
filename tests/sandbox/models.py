"""Amazon's Swagger 2.0 models of the wrapped operations, read at start.

The route table below is ours (so the sandbox still routes without the models);
parameters, usage plans, response schemas and static cases come from the
model files, never copied into the repository.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from .reference import base_dir

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODELS_DIR = base_dir() / "sp-api-models"

ORDERS = "models/orders-api-model/orders_2026-01-01.json"
ORDERS_V0 = "models/orders-api-model/ordersV0.json"
LISTINGS = "models/listings-items-api-model/listingsItems_2021-08-01.json"
RESTRICTIONS = (
    "models/listings-restrictions-api-model/listingsRestrictions_2021-08-01.json"
)
PTD = (
    "models/product-type-definitions-api-model/definitionsProductTypes_2020-09-01.json"
)
FEEDS = "models/feeds-api-model/feeds_2021-06-30.json"
SHIPPING = "models/shipping-api-model/shippingV2.json"
PRICING = "models/product-pricing-api-model/productPricing_2022-05-01.json"
FEES = "models/product-fees-api-model/productFeesV0.json"
INVENTORY = "models/fba-inventory-api-model/fbaInventory.json"
OUTBOUND = "models/fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json"
NOTIFICATIONS = "models/notifications-api-model/notifications.json"
FINANCES = "models/finances-api-model/finances_2024-06-19.json"
REPORTS = "models/reports-api-model/reports_2021-06-30.json"
_MCF = "/fba/outbound/2020-07-01/fulfillmentOrders"
_SUBSCRIPTIONS = "/notifications/v1/subscriptions"
_DESTINATIONS = "/notifications/v1/destinations"

# (operationId, method, path, model file, fallback usage plan (rate, burst)).
# The fallback plan only applies when the models folder is absent.
ROUTES = (
    ("searchOrders", "GET", "/orders/2026-01-01/orders", ORDERS, (0.0056, 20)),
    ("getOrder", "GET", "/orders/2026-01-01/orders/{orderId}", ORDERS, (0.5, 30)),
    (
        "confirmShipment",
        "POST",
        "/orders/v0/orders/{orderId}/shipmentConfirmation",
        ORDERS_V0,
        (2, 10),
    ),
    (
        "getListingsItem",
        "GET",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        LISTINGS,
        (5, 10),
    ),
    (
        "putListingsItem",
        "PUT",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        LISTINGS,
        (5, 10),
    ),
    (
        "patchListingsItem",
        "PATCH",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        LISTINGS,
        (5, 5),
    ),
    (
        "deleteListingsItem",
        "DELETE",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        LISTINGS,
        (5, 5),
    ),
    (
        "searchListingsItems",
        "GET",
        "/listings/2021-08-01/items/{sellerId}",
        LISTINGS,
        (5, 5),
    ),
    (
        "getListingsRestrictions",
        "GET",
        "/listings/2021-08-01/restrictions",
        RESTRICTIONS,
        (5, 10),
    ),
    (
        "searchDefinitionsProductTypes",
        "GET",
        "/definitions/2020-09-01/productTypes",
        PTD,
        (5, 10),
    ),
    (
        "getDefinitionsProductType",
        "GET",
        "/definitions/2020-09-01/productTypes/{productType}",
        PTD,
        (5, 10),
    ),
    ("createFeedDocument", "POST", "/feeds/2021-06-30/documents", FEEDS, (0.5, 15)),
    (
        "getFeedDocument",
        "GET",
        "/feeds/2021-06-30/documents/{feedDocumentId}",
        FEEDS,
        (0.0222, 10),
    ),
    ("createFeed", "POST", "/feeds/2021-06-30/feeds", FEEDS, (0.0083, 15)),
    ("getFeed", "GET", "/feeds/2021-06-30/feeds/{feedId}", FEEDS, (2, 15)),
    ("createReport", "POST", "/reports/2021-06-30/reports", REPORTS, (0.0167, 15)),
    ("getReport", "GET", "/reports/2021-06-30/reports/{reportId}", REPORTS, (2, 15)),
    (
        "getReportDocument",
        "GET",
        "/reports/2021-06-30/documents/{reportDocumentId}",
        REPORTS,
        (0.0167, 15),
    ),
    ("getRates", "POST", "/shipping/v2/shipments/rates", SHIPPING, (80, 100)),
    ("purchaseShipment", "POST", "/shipping/v2/shipments", SHIPPING, (80, 100)),
    ("getTracking", "GET", "/shipping/v2/tracking", SHIPPING, (80, 100)),
    (
        "cancelShipment",
        "PUT",
        "/shipping/v2/shipments/{shipmentId}/cancel",
        SHIPPING,
        (80, 100),
    ),
    (
        "getCompetitiveSummary",
        "POST",
        "/batches/products/pricing/2022-05-01/items/competitiveSummary",
        PRICING,
        (0.033, 1),
    ),
    (
        "getFeaturedOfferExpectedPriceBatch",
        "POST",
        "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
        PRICING,
        (0.033, 1),
    ),
    ("getMyFeesEstimates", "POST", "/products/fees/v0/feesEstimate", FEES, (0.5, 1)),
    (
        "getInventorySummaries",
        "GET",
        "/fba/inventory/v1/summaries",
        INVENTORY,
        (2, 2),
    ),
    ("getFulfillmentPreview", "POST", _MCF + "/preview", OUTBOUND, (2, 30)),
    ("createFulfillmentOrder", "POST", _MCF, OUTBOUND, (2, 30)),
    (
        "getFulfillmentOrder",
        "GET",
        _MCF + "/{sellerFulfillmentOrderId}",
        OUTBOUND,
        (2, 30),
    ),
    (
        "cancelFulfillmentOrder",
        "PUT",
        _MCF + "/{sellerFulfillmentOrderId}/cancel",
        OUTBOUND,
        (2, 30),
    ),
    (
        "getPackageTrackingDetails",
        "GET",
        "/fba/outbound/2020-07-01/tracking",
        OUTBOUND,
        (2, 30),
    ),
    (
        "listTransactions",
        "GET",
        "/finances/2024-06-19/transactions",
        FINANCES,
        (0.5, 10),
    ),
    ("getSubscriptions", "GET", _SUBSCRIPTIONS, NOTIFICATIONS, (1, 5)),
    (
        "getSubscription",
        "GET",
        _SUBSCRIPTIONS + "/{notificationType}",
        NOTIFICATIONS,
        (1, 5),
    ),
    (
        "createSubscription",
        "POST",
        _SUBSCRIPTIONS + "/{notificationType}",
        NOTIFICATIONS,
        (1, 5),
    ),
    (
        "getSubscriptionById",
        "GET",
        _SUBSCRIPTIONS + "/{notificationType}/{subscriptionId}",
        NOTIFICATIONS,
        (1, 5),
    ),
    (
        "deleteSubscriptionById",
        "DELETE",
        _SUBSCRIPTIONS + "/{notificationType}/{subscriptionId}",
        NOTIFICATIONS,
        (1, 5),
    ),
    ("getDestinations", "GET", _DESTINATIONS, NOTIFICATIONS, (1, 5)),
    ("createDestination", "POST", _DESTINATIONS, NOTIFICATIONS, (1, 5)),
    (
        "getDestination",
        "GET",
        _DESTINATIONS + "/{destinationId}",
        NOTIFICATIONS,
        (1, 5),
    ),
    (
        "deleteDestination",
        "DELETE",
        _DESTINATIONS + "/{destinationId}",
        NOTIFICATIONS,
        (1, 5),
    ),
)

# Grantless operations (Amazon's "Grantless Operations" table and each
# operation's description): they take an LWA token of the client_credentials
# grant with this scope, never a seller's token; every other operation takes
# a seller's token only.
GRANTLESS = {
    "getDestinations": "sellingpartnerapi::notifications",
    "createDestination": "sellingpartnerapi::notifications",
    "getDestination": "sellingpartnerapi::notifications",
    "deleteDestination": "sellingpartnerapi::notifications",
    "getSubscriptionById": "sellingpartnerapi::notifications",
    "deleteSubscriptionById": "sellingpartnerapi::notifications",
}

# First numeric row of the table after "Usage Plan" ("| 0.5 | 30 |" or
# "|Default| 5 | 10 |"): Amazon writes both layouts, and "Usage plan" too.
_PLAN = re.compile(
    r"Usage Plans?:.*?\n\|\s*(?:Default\s*\|)?\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|",
    re.DOTALL | re.IGNORECASE,
)


def parse_usage_plan(description):
    match = _PLAN.search(description or "")
    if not match:
        return None
    return float(match.group(1)), float(match.group(2))


@dataclass
class StaticCase:
    status: int
    parameters: dict  # name -> expected value; "body" is the body parameter
    response: object

    @property
    def constraints(self):
        return len(self.parameters)


@dataclass
class Operation:
    op_id: str
    method: str
    path: str
    model_file: str
    usage_plan: tuple
    regex: re.Pattern = None
    parameters: list = field(default_factory=list)
    responses: dict = field(default_factory=dict)  # status -> schema or None
    definitions: dict = field(default_factory=dict)
    static_cases: list = field(default_factory=list)
    modelled: bool = False

    def match(self, method, path):
        if method != self.method:
            return None
        found = self.regex.fullmatch(path)
        if not found:
            return None
        # SKUs and ids arrive percent-encoded (Amazon asks clients to encode them).
        return {name: unquote(value) for name, value in found.groupdict().items()}

    @property
    def body_parameter(self):
        for param in self.parameters:
            if param.get("in") == "body":
                return param
        return None


def _path_regex(template):
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern)


def _static_cases(responses):
    cases = []
    for status, response in responses.items():
        sandbox = response.get("x-amzn-api-sandbox") or {}
        for case in sandbox.get("static") or ():
            params = (case.get("request") or {}).get("parameters") or {}
            expected = {
                name: spec["value"]
                for name, spec in params.items()
                if isinstance(spec, dict) and "value" in spec
            }
            cases.append(StaticCase(int(status), expected, case.get("response")))
    # Most specific first, so a catch-all never shadows an exact case.
    cases.sort(key=lambda case: -case.constraints)
    return cases


class Catalog:
    """The wrapped operations, enriched from the models folder when present."""

    def __init__(self, models_dir=None):
        self.models_dir = Path(models_dir) if models_dir else None
        self.available = bool(self.models_dir and (self.models_dir / ORDERS).is_file())
        self.operations = []
        cache = {}
        for op_id, method, path, model_file, fallback in ROUTES:
            op = Operation(op_id, method, path, model_file, fallback)
            op.regex = _path_regex(path)
            if self.available:
                self._enrich(op, cache)
            self.operations.append(op)
        self.by_id = {op.op_id: op for op in self.operations}

    def _enrich(self, op, cache):
        if op.model_file not in cache:
            text = (self.models_dir / op.model_file).read_text(encoding="utf-8")
            cache[op.model_file] = json.loads(text)
        model = cache[op.model_file]
        item = model["paths"][op.path]
        spec = item[op.method.lower()]
        if spec.get("operationId") != op.op_id:
            raise ValueError(f"{op.model_file} {op.path}: not {op.op_id}")
        op.parameters = list(item.get("parameters") or ()) + list(
            spec.get("parameters") or ()
        )
        op.parameters = [self._deref(p, model) for p in op.parameters]
        op.responses = {
            int(code): response.get("schema")
            for code, response in spec["responses"].items()
        }
        op.definitions = model.get("definitions") or {}
        op.static_cases = _static_cases(spec["responses"])
        op.usage_plan = parse_usage_plan(spec.get("description")) or op.usage_plan
        op.modelled = True

    @staticmethod
    def _deref(param, model):
        ref = param.get("$ref")
        if not ref:
            return param
        return model["parameters"][ref.rsplit("/", 1)[-1]]

    def route(self, method, path):
        for op in self.operations:
            found = op.match(method, path)
            if found is not None:
                return op, found
        return None, None

    def allowed_methods(self, path):
        return sorted({op.method for op in self.operations if op.regex.fullmatch(path)})
