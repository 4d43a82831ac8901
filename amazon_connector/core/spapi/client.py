"""``SellerClient``: one method per wrapped SP-API operation, for one seller.

Paths and parameter names are Amazon's (checked against the models by
``tests/amazon_connector/test_spapi_routes.py``). Query parameters are
passed in snake_case and sent in Amazon's camelCase; lists are sent
comma-separated; datetimes as ISO 8601 UTC. Methods return the decoded JSON.
"""

import base64
import gzip
import hashlib
import io
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

from .. import amazon_time
from .auth import TOKEN_CACHE, LwaTokenProvider
from .endpoints import LWA_URL, api_endpoint, check_url, is_loopback
from .errors import PermanentError
from .pagination import iter_pages
from .ratelimit import RateLimiter
from .transport import RetryPolicy, Transport

_O26 = "/orders/2026-01-01"
_LI = "/listings/2021-08-01/items/{sellerId}"
_PTD = "/definitions/2020-09-01/productTypes"
_FEEDS = "/feeds/2021-06-30"
_REPORTS = "/reports/2021-06-30"
_MCF = "/fba/outbound/2020-07-01"
_NOTIF = "/notifications/v1"
_LI_Q = ("marketplaceIds", "includedData", "mode", "issueLocale")

# operation -> (HTTP method, path template, query parameter names)
ROUTES = {
    "searchOrders": (
        "GET",
        _O26 + "/orders",
        (
            "createdAfter",
            "createdBefore",
            "lastUpdatedAfter",
            "lastUpdatedBefore",
            "fulfillmentStatuses",
            "marketplaceIds",
            "fulfilledBy",
            "maxResultsPerPage",
            "paginationToken",
            "includedData",
        ),
    ),
    "getOrder": ("GET", _O26 + "/orders/{orderId}", ("includedData",)),
    "confirmShipment": (
        "POST",
        "/orders/v0/orders/{orderId}/shipmentConfirmation",
        (),
    ),
    "getListingsItem": (
        "GET",
        _LI + "/{sku}",
        ("marketplaceIds", "issueLocale", "includedData"),
    ),
    "putListingsItem": ("PUT", _LI + "/{sku}", _LI_Q),
    "patchListingsItem": ("PATCH", _LI + "/{sku}", _LI_Q),
    "deleteListingsItem": ("DELETE", _LI + "/{sku}", ("marketplaceIds", "issueLocale")),
    "searchListingsItems": (
        "GET",
        _LI,
        (
            "marketplaceIds",
            "issueLocale",
            "includedData",
            "identifiers",
            "identifiersType",
            "variationParentSku",
            "packageHierarchySku",
            "createdAfter",
            "createdBefore",
            "lastUpdatedAfter",
            "lastUpdatedBefore",
            "withIssueSeverity",
            "withStatus",
            "withoutStatus",
            "sortBy",
            "sortOrder",
            "pageSize",
            "pageToken",
        ),
    ),
    # Listings Restrictions 2021-08-01 (issue 21, compliance): the seller id
    # is a query parameter here, not a path segment.
    "getListingsRestrictions": (
        "GET",
        "/listings/2021-08-01/restrictions",
        (
            "asin",
            "conditionType",
            "sellerId",
            "marketplaceIds",
            "reasonLocale",
            "productType",
        ),
    ),
    "searchDefinitionsProductTypes": (
        "GET",
        _PTD,
        ("keywords", "marketplaceIds", "itemName", "locale", "searchLocale"),
    ),
    "getDefinitionsProductType": (
        "GET",
        _PTD + "/{productType}",
        (
            "sellerId",
            "marketplaceIds",
            "productTypeVersion",
            "requirements",
            "requirementsEnforced",
            "locale",
            "parentageLevel",
        ),
    ),
    "createFeedDocument": ("POST", _FEEDS + "/documents", ()),
    "createFeed": ("POST", _FEEDS + "/feeds", ()),
    "getFeed": ("GET", _FEEDS + "/feeds/{feedId}", ()),
    "getFeedDocument": (
        "GET",
        _FEEDS + "/documents/{feedDocumentId}",
        ("enableContentEncodingUrlHeader",),
    ),
    "createReport": ("POST", _REPORTS + "/reports", ()),
    "getReport": ("GET", _REPORTS + "/reports/{reportId}", ()),
    # enableContentEncodingUrlHeader is never sent: the document comes as
    # stored (Content-Encoding identity) and GZIP is unpacked here, bounded.
    "getReportDocument": (
        "GET",
        _REPORTS + "/documents/{reportDocumentId}",
        ("enableContentEncodingUrlHeader",),
    ),
    "getRates": ("POST", "/shipping/v2/shipments/rates", ()),
    "purchaseShipment": ("POST", "/shipping/v2/shipments", ()),
    "getTracking": ("GET", "/shipping/v2/tracking", ("trackingId", "carrierId")),
    "cancelShipment": ("PUT", "/shipping/v2/shipments/{shipmentId}/cancel", ()),
    "getCompetitiveSummary": (
        "POST",
        "/batches/products/pricing/2022-05-01/items/competitiveSummary",
        (),
    ),
    "getFeaturedOfferExpectedPriceBatch": (
        "POST",
        "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
        (),
    ),
    # Product Fees v0: the body is a JSON array of FeesEstimateByIdRequest.
    "getMyFeesEstimates": ("POST", "/products/fees/v0/feesEstimate", ()),
    "getInventorySummaries": (
        "GET",
        "/fba/inventory/v1/summaries",
        (
            "details",
            "granularityType",
            "granularityId",
            "startDateTime",
            "sellerSkus",
            "sellerSku",
            "nextToken",
            "marketplaceIds",
        ),
    ),
    # Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfilment). Amazon's
    # operation names carry "Fulfillment", so none clashes with Orders' getOrder.
    "getFulfillmentPreview": ("POST", _MCF + "/fulfillmentOrders/preview", ()),
    "createFulfillmentOrder": ("POST", _MCF + "/fulfillmentOrders", ()),
    "getFulfillmentOrder": (
        "GET",
        _MCF + "/fulfillmentOrders/{sellerFulfillmentOrderId}",
        (),
    ),
    "cancelFulfillmentOrder": (
        "PUT",
        _MCF + "/fulfillmentOrders/{sellerFulfillmentOrderId}/cancel",
        (),
    ),
    "getPackageTrackingDetails": ("GET", _MCF + "/tracking", ("packageNumber",)),
    # Finances 2024-06-19: the seller's transactions (and their payouts).
    "listTransactions": (
        "GET",
        "/finances/2024-06-19/transactions",
        (
            "postedAfter",
            "postedBefore",
            "marketplaceId",
            "transactionStatus",
            "relatedIdentifierName",
            "relatedIdentifierValue",
            "nextToken",
        ),
    ),
    # Notifications v1 (issue 22): destinations are the application's
    # (grantless), subscriptions the seller's.
    "getSubscriptions": (
        "GET",
        _NOTIF + "/subscriptions",
        ("notificationTypes", "payloadVersion", "pageSize", "nextToken"),
    ),
    "getSubscription": (
        "GET",
        _NOTIF + "/subscriptions/{notificationType}",
        ("payloadVersion",),
    ),
    "createSubscription": ("POST", _NOTIF + "/subscriptions/{notificationType}", ()),
    "deleteSubscriptionById": (
        "DELETE",
        _NOTIF + "/subscriptions/{notificationType}/{subscriptionId}",
        (),
    ),
    "getDestinations": ("GET", _NOTIF + "/destinations", ()),
    "createDestination": ("POST", _NOTIF + "/destinations", ()),
    "deleteDestination": ("DELETE", _NOTIF + "/destinations/{destinationId}", ()),
}
# The Notifications API's grantless operations and their LWA scope.
GRANTLESS = {
    "getDestinations",
    "createDestination",
    "deleteDestination",
    "deleteSubscriptionById",  # grantless too, in Amazon's table
}
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"

# Hosts of presigned documents and schemas besides the API endpoint itself:
# Amazon's S3 buckets only, not any *.amazonaws.com name (anyone's EC2 or API
# gateway host would match that).
DOWNLOAD_HOST = re.compile(r"^[a-z0-9.-]*\bs3[.-]([a-z0-9-]+\.)*amazonaws\.com$")
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


@dataclass
class AccountConfig:
    """Everything needed to talk to Amazon for one seller authorization."""

    seller_id: str
    lwa_client_id: str
    lwa_client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    region: str | None = None
    endpoint_url: str | None = None
    lwa_url: str | None = None
    ca_file: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    marketplace_ids: tuple = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rate_scale: float = 1.0


_LIMITERS = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(rate_scale=1.0):
    """The process-wide limiter: buckets are per seller, whatever the client.

    They live in this process only (scripts, tools, tests). Odoo's seller
    accounts pass a limiter over buckets all their processes share.
    """
    with _LIMITERS_LOCK:
        return _LIMITERS.setdefault(rate_scale, RateLimiter(rate_scale=rate_scale))


def client_for(
    config,
    *,
    limiter=None,
    http=None,
    sleep=time.sleep,
    clock=time.monotonic,
    rand=random.random,
    token_cache=TOKEN_CACHE,
):
    """Build the ``SellerClient`` of one account.

    The keyword arguments exist for tests: an ``httpx.Client`` with a mock
    transport, a fake clock and sleep, a fixed jitter, a private token cache.
    """
    endpoint = api_endpoint(config.region, config.endpoint_url, config.marketplace_ids)
    lwa_url = check_url(config.lwa_url or LWA_URL, "LWA")
    transport = Transport(
        seller_id=config.seller_id,
        ca_file=config.ca_file,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        retry=config.retry,
        limiter=limiter or shared_limiter(config.rate_scale),
        http=http,
        sleep=sleep,
        clock=clock,
        rand=rand,
    )
    token = LwaTokenProvider(
        transport=transport,
        lwa_url=lwa_url,
        seller_id=config.seller_id,
        client_id=config.lwa_client_id,
        client_secret=config.lwa_client_secret,
        refresh_token=config.refresh_token,
        cache=token_cache,
        clock=clock,
    )
    grantless = LwaTokenProvider(
        transport=transport,
        lwa_url=lwa_url,
        seller_id=config.seller_id,
        client_id=config.lwa_client_id,
        client_secret=config.lwa_client_secret,
        refresh_token=None,
        cache=token_cache,
        clock=clock,
        scope=NOTIFICATIONS_SCOPE,
    )
    return SellerClient(config, endpoint, transport, token, grantless)


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _value(value):
    if isinstance(value, datetime):
        return amazon_time.format(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(item) for item in value)
    return str(value)


def _body_time(value):
    if isinstance(value, datetime):
        return amazon_time.format(value)
    return value


def _without_none(body):
    return {key: value for key, value in body.items() if value is not None}


_PLACEHOLDER = re.compile(r"{(\w+)}")

# Batch sizes Amazon accepts (the operations' documentation; the models
# carry only the first as maxItems).
COMPETITIVE_SUMMARY_BATCH = 20
FOEP_BATCH = 40
FEES_ESTIMATES_BATCH = 20
FOEP_URI = "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice"
COMPETITIVE_SUMMARY_URI = "/products/pricing/2022-05-01/items/competitiveSummary"


def _batch(requests, limit, operation):
    """``requests`` as a list, refused before any call when Amazon would."""
    requests = list(requests)
    if not requests:
        raise ValueError(f"{operation}: a batch needs at least one request")
    if len(requests) > limit:
        raise ValueError(
            f"{operation}: {len(requests)} requests in one batch, Amazon "
            f"accepts at most {limit}"
        )
    return requests


class SellerClient:
    """SP-API operations for one seller; thread-safe; close() when done."""

    def __init__(self, config, endpoint, transport, token, grantless=None):
        self.config = config
        self.endpoint = endpoint
        self._transport = transport
        self._token = token
        self._grantless = grantless

    def __repr__(self):
        return f"SellerClient(seller={self.config.seller_id!r}, {self.endpoint})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._transport.close()

    @property
    def counters(self):
        """``{"calls": n, "throttled": n}`` since this client was built."""
        return self._transport.counters

    # -- plumbing ---------------------------------------------------------

    def _call(
        self,
        operation,
        path_args=None,
        query=None,
        body=None,
        headers=None,
        expected=(),
    ):
        method, template, names = ROUTES[operation]
        path_args = {"sellerId": self.config.seller_id, **(path_args or {})}
        path = _PLACEHOLDER.sub(
            lambda m: quote(str(path_args[m.group(1)]), safe=""), template
        )
        params = {}
        for key, value in (query or {}).items():
            name = _camel(key)
            if name not in names:
                raise TypeError(f"{operation} has no query parameter {name!r}")
            if value is not None:
                params[name] = _value(value)
        response = self._transport.request(
            operation,
            method,
            self.endpoint + path,
            params=params or None,
            json_body=body,
            headers=headers,
            token=self._grantless if operation in GRANTLESS else self._token,
            expected=expected,
        )
        return response.json()

    def _marketplaces(self, marketplace_ids):
        return marketplace_ids or self.config.marketplace_ids or None

    def _check_download(self, url):
        url = check_url(url, "download")
        host = urlsplit(url).hostname
        api_host = urlsplit(self.endpoint).hostname
        if (
            host == api_host
            or DOWNLOAD_HOST.match(host or "")
            or (is_loopback(host) and is_loopback(api_host))
        ):
            return url
        raise PermanentError(f"download host {host} not allowed", operation="download")

    def _download(self, operation, url):
        url = self._check_download(url)
        return self._transport.request(operation, "GET", url, expect_json=False).content

    def check_credentials(self):
        """Prove the client id, secret and refresh token: one refresh_token
        grant at Login with Amazon, never answered from the token cache;
        ``PermanentError`` (``invalid_client`` for a wrong or expired client
        secret) when refused. Calls no SP-API operation."""
        self._token.renew()

    # -- Orders 2026-01-01 and v0 -----------------------------------------

    def search_orders(self, *, marketplace_ids=None, **query):
        """One page of ``searchOrders`` (``created_after=...``, ``included_data``)."""
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("searchOrders", query=query)

    def search_orders_pages(self, *, pagination_token=None, **query):
        """Every page of ``searchOrders`` for the same filters, each once;
        ``pagination_token`` resumes from a page's ``pagination.nextToken``."""
        return iter_pages(
            lambda **token: self.search_orders(
                **query, pagination_token=token.get("paginationToken")
            ),
            "paginationToken",
            "searchOrders",
            start_token=pagination_token,
        )

    def get_order(self, order_id, included_data=None):
        return self._call(
            "getOrder", {"orderId": order_id}, {"included_data": included_data}
        )

    def confirm_shipment(self, order_id, payload):
        """Orders v0 (no successor yet); ``payload`` per ConfirmShipmentRequest."""
        return self._call("confirmShipment", {"orderId": order_id}, body=payload)

    # -- Listings Items 2021-08-01 ----------------------------------------

    def get_listings_item(self, sku, *, marketplace_ids=None, **query):
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("getListingsItem", {"sku": sku}, query)

    def find_listings_item(self, sku, *, marketplace_ids=None, **query):
        """The listing of ``sku``, or None when Amazon has none (no failure
        logged: "not listed" is an answer here)."""
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        try:
            return self._call("getListingsItem", {"sku": sku}, query, expected=(404,))
        except PermanentError as exc:
            if exc.status == 404:
                return None
            raise

    def put_listings_item(self, sku, body, *, marketplace_ids=None, **query):
        """``mode="VALIDATION_PREVIEW"`` validates without submitting."""
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("putListingsItem", {"sku": sku}, query, body)

    def patch_listings_item(self, sku, body, *, marketplace_ids=None, **query):
        """``mode="VALIDATION_PREVIEW"`` validates without submitting."""
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("patchListingsItem", {"sku": sku}, query, body)

    def delete_listings_item(self, sku, *, marketplace_ids=None, **query):
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("deleteListingsItem", {"sku": sku}, query)

    def search_listings_items(self, *, marketplace_ids=None, **query):
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("searchListingsItems", query=query)

    def search_listings_items_pages(self, **query):
        query.pop("page_token", None)
        return iter_pages(
            lambda **token: self.search_listings_items(
                **query, page_token=token.get("pageToken")
            ),
            "pageToken",
            "searchListingsItems",
        )

    # -- Listings Restrictions 2021-08-01 ---------------------------------

    def get_listings_restrictions(self, asin, *, marketplace_ids=None, **query):
        """What stops this seller listing ``asin`` (per condition when
        ``condition_type`` is not given); ``reason_locale`` localises
        Amazon's reasons."""
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        query["asin"] = asin
        query["seller_id"] = self.config.seller_id
        return self._call("getListingsRestrictions", query=query)

    # -- Product Type Definitions 2020-09-01 ------------------------------

    def search_product_types(self, *, marketplace_ids=None, **query):
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        return self._call("searchDefinitionsProductTypes", query=query)

    def get_product_type(self, product_type, *, marketplace_ids=None, **query):
        query["marketplace_ids"] = self._marketplaces(marketplace_ids)
        query.setdefault("seller_id", self.config.seller_id)
        return self._call(
            "getDefinitionsProductType", {"productType": product_type}, query
        )

    def download_schema(self, link):
        """The JSON schema behind a definition's ``schema`` (or its URL).

        Given the ``schema`` object, its MD5 checksum is verified. The model
        says Base64, Amazon's own examples show hex: both are accepted.
        """
        checksum = None
        if isinstance(link, dict):
            checksum = link.get("checksum")
            link = link.get("link", link)
            link = link.get("resource") if isinstance(link, dict) else link
        content = self._download("download.schema", link)
        if checksum:
            digest = hashlib.md5(content, usedforsecurity=False).digest()
            if checksum not in (digest.hex(), base64.b64encode(digest).decode()):
                raise PermanentError(
                    "schema checksum mismatch", operation="download.schema"
                )
        try:
            return json.loads(content)
        except ValueError:
            raise PermanentError(
                "schema document is not JSON", operation="download.schema"
            ) from None

    # -- Feeds 2021-06-30 -------------------------------------------------

    def create_feed_document(self, content_type):
        body = _without_none({"contentType": content_type})
        return self._call("createFeedDocument", body=body)

    def upload_feed_document(self, url, content, content_type):
        """PUT the feed to its presigned URL with the declared content type."""
        url = self._check_download(url)
        if isinstance(content, str):
            content = content.encode("utf-8")
        self._transport.request(
            "upload.feed",
            "PUT",
            url,
            content=content,
            headers={"content-type": content_type},
            expect_json=False,
        )

    def create_feed(
        self, feed_type, input_feed_document_id, marketplace_ids=None, feed_options=None
    ):
        body = {
            "feedType": feed_type,
            "marketplaceIds": list(self._marketplaces(marketplace_ids) or ()),
            "inputFeedDocumentId": input_feed_document_id,
            "feedOptions": feed_options,
        }
        return self._call("createFeed", body=_without_none(body))

    def get_feed(self, feed_id):
        return self._call("getFeed", {"feedId": feed_id})

    def get_feed_document(self, feed_document_id):
        return self._call("getFeedDocument", {"feedDocumentId": feed_document_id})

    def download_feed_document(self, document):
        """Bytes of a ``getFeedDocument`` result, decompressed when GZIP."""
        return self._download_document("download.feed", document, "feed")

    def _download_document(self, operation, document, what):
        """Bytes behind a feed or report document's presigned URL (hosts of
        the allow-list only, at most ``MAX_DOCUMENT_BYTES`` once unpacked),
        decompressed when its ``compressionAlgorithm`` is GZIP."""
        content = self._download(operation, document["url"])
        if document.get("compressionAlgorithm") == "GZIP":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(content)) as unpacked:
                    content = unpacked.read(MAX_DOCUMENT_BYTES + 1)
            except (OSError, EOFError):
                raise PermanentError(
                    f"{what} document is not valid GZIP", operation=operation
                ) from None
            if len(content) > MAX_DOCUMENT_BYTES:
                raise PermanentError(f"{what} document too large", operation=operation)
        return content

    # -- Reports 2021-06-30 -----------------------------------------------

    def create_report(
        self,
        report_type,
        *,
        marketplace_ids=None,
        data_start_time=None,
        data_end_time=None,
        report_options=None,
    ):
        """``{"reportId"}`` of a new report; Amazon makes it later: poll
        ``get_report`` until ``processingStatus`` is DONE (then
        ``reportDocumentId``), CANCELLED (no data) or FATAL. Times are
        datetimes (sent as ISO 8601 UTC) or text sent as given."""
        body = {
            "reportType": report_type,
            "marketplaceIds": list(self._marketplaces(marketplace_ids) or ()),
            "dataStartTime": _body_time(data_start_time),
            "dataEndTime": _body_time(data_end_time),
            "reportOptions": report_options,
        }
        return self._call("createReport", body=_without_none(body))

    def get_report(self, report_id):
        return self._call("getReport", {"reportId": report_id})

    def get_report_document(self, report_document_id):
        """``{"reportDocumentId", "url", "compressionAlgorithm"?}``; the URL is
        a secret that expires after five minutes: download at once."""
        return self._call("getReportDocument", {"reportDocumentId": report_document_id})

    def download_report_document(self, document):
        """Bytes of a ``getReportDocument`` result, decompressed when GZIP."""
        return self._download_document("download.report", document, "report")

    def download_report_text(self, document, encoding="utf-8"):
        """The report's text: ``encoding`` (Amazon's flat files are UTF-8 in
        most marketplaces; pass the marketplace's when it differs), a leading
        byte order mark dropped; undecodable bytes are a PermanentError."""
        content = self.download_report_document(document)
        try:
            text = content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise PermanentError(
                f"report document is not valid {encoding}",
                operation="download.report",
            ) from None
        return text.removeprefix("\ufeff")

    # -- Shipping API v2 --------------------------------------------------

    @staticmethod
    def _shipping_headers(business_id=None, idempotency_key=None):
        headers = {}
        if business_id:
            headers["x-amzn-shipping-business-id"] = business_id
        if idempotency_key:
            headers["x-amzn-IdempotencyKey"] = idempotency_key
        return headers or None

    def get_rates(self, body, *, business_id=None):
        headers = self._shipping_headers(business_id)
        return self._call("getRates", body=body, headers=headers)

    def purchase_shipment(self, body, *, idempotency_key=None, business_id=None):
        """Buy a label; the idempotency key makes retries buy it only once.

        Pass the same key when retrying a purchase from a later job.
        """
        idempotency_key = idempotency_key or str(uuid.uuid4())
        headers = self._shipping_headers(business_id, idempotency_key)
        return self._call("purchaseShipment", body=body, headers=headers)

    def get_tracking(self, tracking_id, carrier_id, *, business_id=None):
        query = {"tracking_id": tracking_id, "carrier_id": carrier_id}
        headers = self._shipping_headers(business_id)
        return self._call("getTracking", query=query, headers=headers)

    def cancel_shipment(self, shipment_id, *, business_id=None):
        """Void a purchased label (``shipmentId`` from purchaseShipment);
        Amazon refuses once the carrier has the parcel."""
        headers = self._shipping_headers(business_id)
        return self._call(
            "cancelShipment", {"shipmentId": shipment_id}, headers=headers
        )

    # -- Product Pricing 2022-05-01, Product Fees v0, FBA Inventory v1 ----

    def get_competitive_summary(self, requests):
        """``requests``: batch entries (asin, marketplaceId, includedData,
        method, uri); at most 20, Amazon's limit (ValueError beyond)."""
        requests = _batch(requests, COMPETITIVE_SUMMARY_BATCH, "getCompetitiveSummary")
        return self._call("getCompetitiveSummary", body={"requests": requests})

    def get_featured_offer_expected_price_batch(self, requests):
        """Featured offer expected prices (FOEP) of the seller's own offers.

        ``requests``: entries ``{"uri": FOEP_URI, "method": "GET",
        "marketplaceId": ..., "sku": ...}`` (optionally ``segment``); at most
        40, Amazon's limit (ValueError beyond). Each response carries its own
        status: an unknown SKU is a 400 inside a 200 batch."""
        requests = _batch(requests, FOEP_BATCH, "getFeaturedOfferExpectedPriceBatch")
        return self._call(
            "getFeaturedOfferExpectedPriceBatch", body={"requests": requests}
        )

    def get_my_fees_estimates(self, requests):
        """Product Fees v0 ``getMyFeesEstimates``: ``requests`` is a list of
        FeesEstimateByIdRequest (``IdType``, ``IdValue``,
        ``FeesEstimateRequest``); at most 20, Amazon's limit (ValueError
        beyond). Returns Amazon's list of FeesEstimateResult, one per request
        (``Status`` Success, ClientError or ServiceError)."""
        requests = _batch(requests, FEES_ESTIMATES_BATCH, "getMyFeesEstimates")
        return self._call("getMyFeesEstimates", body=requests)

    def get_inventory_summaries(self, *, marketplace_ids=None, **query):
        marketplaces = self._marketplaces(marketplace_ids)
        query["marketplace_ids"] = marketplaces
        query.setdefault("granularity_type", "Marketplace")
        if marketplaces:
            query.setdefault("granularity_id", next(iter(marketplaces)))
        return self._call("getInventorySummaries", query=query)

    def inventory_summaries_pages(self, **query):
        query.pop("next_token", None)
        return iter_pages(
            lambda **token: self.get_inventory_summaries(
                **query, next_token=token.get("nextToken")
            ),
            "nextToken",
            "getInventorySummaries",
        )

    # -- Finances 2024-06-19 ------------------------------------------------

    def list_transactions(self, **query):
        """One page of ``listTransactions``: ``posted_after`` (a datetime;
        required unless a related identifier is given), ``posted_before``,
        ``marketplace_id`` (none for every store: Amazon asks to leave it out
        for US merchant-fulfilled orders), ``transaction_status``
        (RELEASED, DEFERRED, DEFERRED_RELEASED), ``related_identifier_name``
        (ORDER_ID or FINANCIAL_EVENT_GROUP_ID) with
        ``related_identifier_value``, ``next_token``. Returns Amazon's body:
        ``payload.transactions`` and ``payload.nextToken``."""
        return self._call("listTransactions", query=query)

    def list_transactions_pages(self, *, next_token=None, **query):
        """Every page of ``listTransactions`` for the same filters, each once
        (Amazon wants the same arguments again with each token; a page may be
        empty); ``next_token`` resumes from a page's ``payload.nextToken``."""
        return iter_pages(
            lambda **token: self.list_transactions(
                **query, next_token=token.get("nextToken")
            ),
            "nextToken",
            "listTransactions",
            start_token=next_token,
        )

    # -- Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfilment) -------
    # Bodies are built by ``core.mcf``; these methods only route them.

    def get_fulfillment_preview(self, body):
        return self._call("getFulfillmentPreview", body=body)

    def create_fulfillment_order(self, body):
        """Create an MCF order; Amazon dedupes on ``sellerFulfillmentOrderId``."""
        return self._call("createFulfillmentOrder", body=body)

    def get_fulfillment_order(self, seller_fulfillment_order_id):
        return self._call(
            "getFulfillmentOrder",
            {"sellerFulfillmentOrderId": seller_fulfillment_order_id},
        )

    def cancel_fulfillment_order(self, seller_fulfillment_order_id):
        return self._call(
            "cancelFulfillmentOrder",
            {"sellerFulfillmentOrderId": seller_fulfillment_order_id},
        )

    def get_package_tracking_details(self, package_number):
        return self._call(
            "getPackageTrackingDetails", query={"package_number": package_number}
        )

    # -- Notifications v1 -------------------------------------------------------
    # Destinations with the application's grantless token; subscriptions with
    # the seller's (their deletion is grantless too).

    def get_destinations(self):
        return self._call("getDestinations")

    def create_destination(self, name, sqs_arn):
        body = {"name": name, "resourceSpecification": {"sqs": {"arn": sqs_arn}}}
        return self._call("createDestination", body=body)

    def delete_destination(self, destination_id):
        self._call("deleteDestination", {"destinationId": destination_id})

    def get_subscriptions(self, **query):
        return self._call("getSubscriptions", query=query)

    def get_subscription(self, notification_type, payload_version=None):
        """The seller's subscription to ``notification_type``, or None when
        there is none (Amazon's 404 is the answer here)."""
        try:
            return self._call(
                "getSubscription",
                {"notificationType": notification_type},
                query={"payload_version": payload_version},
                expected=(404,),
            )
        except PermanentError as exc:
            if exc.status == 404:
                return None
            raise

    def create_subscription(
        self, notification_type, payload_version, destination_id, directive=None
    ):
        body = _without_none(
            {
                "payloadVersion": payload_version,
                "destinationId": destination_id,
                "processingDirective": directive,
            }
        )
        return self._call(
            "createSubscription", {"notificationType": notification_type}, body=body
        )

    def delete_subscription(self, notification_type, subscription_id):
        self._call(
            "deleteSubscriptionById",
            {"notificationType": notification_type, "subscriptionId": subscription_id},
        )
