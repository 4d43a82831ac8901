"""Returns and refunds in the sandbox, and the Reports API 2021-06-30 that
serves them, read through the connector's client and parser."""

import gzip
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sandbox_fixtures import require_models

from amazon_connector.core import returns_report
from amazon_connector.core.spapi import AccountConfig, PermanentError, client_for
from amazon_connector.core.spapi.auth import TokenCache
from amazon_connector.core.spapi.ratelimit import RateLimiter
from amazon_connector.core.spapi.transport import RetryPolicy
from tests.sandbox.dataset import MARKETPLACES, parse_time
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.models import DEFAULT_MODELS_DIR, REPORTS
from tests.sandbox.validation import SchemaSet

MFN = returns_report.MFN_RETURNS
FBA = returns_report.FBA_RETURNS
ALL_MARKETS = [m[0] for m in MARKETPLACES]
EU = ["A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"]
CHANNEL = {MFN: "MFN", FBA: "AFN"}


@pytest.fixture(scope="module")
def box():
    require_models()
    # 400 orders give some 30 returns; the clock moves only when told.
    with running_sandbox(
        orders=400, seed=7, rate_scale=1000, clock_rate=0, sellers=2
    ) as instance:
        yield instance


def _client(box, seller=1):
    creds = box.credentials
    seller_creds = creds["sellers"][seller - 1]
    config = AccountConfig(
        seller_id=seller_creds["seller_id"],
        lwa_client_id=creds["client_id"],
        lwa_client_secret=creds["client_secret"],
        refresh_token=seller_creds["refresh_token"],
        endpoint_url=box.base_url,
        lwa_url=box.token_url,
        marketplace_ids=tuple(ALL_MARKETS),
        retry=RetryPolicy(max_attempts=4, base_delay=0.05, max_total=20),
    )
    return client_for(config, limiter=RateLimiter(), token_cache=TokenCache())


@pytest.fixture(scope="module")
def client(box):
    with _client(box) as seller_client:
        yield seller_client


@pytest.fixture(scope="module")
def truth(box):
    return box.returns()["returns"]


@pytest.fixture(scope="module")
def report_schemas():
    model = json.loads((DEFAULT_MODELS_DIR / REPORTS).read_text(encoding="utf-8"))
    return SchemaSet(model["definitions"])


def _run(box, client, report_type, seen=None, **window):
    """Create a report and poll it, moving the clock 30 s between polls,
    until it leaves IN_QUEUE/IN_PROGRESS; returns the last getReport."""
    created = client.create_report(report_type, **window)
    for _ in range(60):
        report = client.get_report(created["reportId"])
        if seen is not None:
            seen.append(report)
        if report["processingStatus"] not in ("IN_QUEUE", "IN_PROGRESS"):
            return report
        box.advance_clock(30)
    raise AssertionError(f"report {created['reportId']} never finished")


def _window(box, days):
    end = parse_time(box.now())
    return end - timedelta(days=days), end


def _in(entry, report_type, start, end, markets):
    moment = parse_time(entry["returnTime"]) if entry["returnTime"] else None
    return (
        entry["kind"] == "RETURN"
        and entry["fulfillmentChannel"] == CHANNEL[report_type]
        and entry["marketplaceId"] in markets
        and start <= moment <= end
    )


# -- the truth ------------------------------------------------------------


def test_a_sellers_confirmation_starts_the_return_clock(box, client):
    """An MFN item the seller confirms counts from its package (this test
    runs first, while the dataset still holds unshipped orders)."""
    from tests.sandbox import orders_view, returns

    now = box.now()
    candidates = [
        (order, line)
        for order in box.dataset()["orders"]
        if order["fulfilledBy"] == "MERCHANT"
        and order["channel"] == "AMAZON"
        and orders_view.state_at(order, now)["status"] == "UNSHIPPED"
        for line in order["items"]
        if returns._chance(order["orderId"], line["orderItemId"], "roll")
        < returns.RETURN_RATE
    ]
    assert candidates
    order, line = candidates[0]
    later = parse_time(now) + timedelta(days=25)
    scheduled = returns.order_returns(order, later)
    client.confirm_shipment(
        order["orderId"],
        {
            "marketplaceId": order["marketplaceId"],
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "trackingNumber": "1ZSANDBOXRETURN1",
                "shipDate": now,
                "orderItems": [
                    {"orderItemId": line["orderItemId"], "quantity": line["quantity"]}
                ],
            },
        },
    )
    confirmed = next(
        o for o in box.dataset()["orders"] if o["orderId"] == order["orderId"]
    )
    package = confirmed["sellerPackages"][-1]
    (entry,) = [
        e
        for e in returns.order_returns(confirmed, later)
        if e["orderItemId"] == line["orderItemId"]
    ]
    assert entry["shipTime"] == package["createdTime"] >= now
    assert entry["shippedQuantity"] == line["quantity"]
    assert entry["shipTime"] not in {e["shipTime"] for e in scheduled}
    delay = parse_time(entry["returnTime"]) - parse_time(entry["shipTime"])
    assert timedelta(days=3) <= delay <= timedelta(days=20)
    # Nothing begun yet at the sandbox's now.
    assert order["orderId"] not in {e["orderId"] for e in box.returns()["returns"]}


def test_returns_come_from_shipped_amazon_orders_of_both_channels(box, truth):
    data = box.dataset()
    orders = {order["orderId"]: order for order in data["orders"]}
    kinds = {(e["kind"], e["fulfillmentChannel"]) for e in truth}
    assert {("RETURN", "AFN"), ("RETURN", "MFN")} <= kinds
    assert any(e["kind"] == "RETURNLESS_REFUND" for e in truth)
    assert any(e["quantity"] < e["shippedQuantity"] for e in truth)  # partial
    shipped_items = 0
    for order in orders.values():
        shipped = [e for e in order["events"] if e["status"] == "SHIPPED"]
        if shipped and order["channel"] == "AMAZON":
            shipped_items += len(order["items"])
    assert 0.03 < len(truth) / shipped_items < 0.12
    for entry in truth:
        order = orders[entry["orderId"]]
        assert order["channel"] == "AMAZON"
        line = next(
            i for i in order["items"] if i["orderItemId"] == entry["orderItemId"]
        )
        assert entry["sku"] == line["sku"] and entry["asin"] == line["asin"]
        assert 1 <= entry["quantity"] <= entry["shippedQuantity"] <= line["quantity"]
        channel = "AFN" if order["fulfilledBy"] == "AMAZON" else "MFN"
        assert entry["fulfillmentChannel"] == channel
        began = entry["returnTime"] or entry["refund"]["time"]
        delay = parse_time(began) - parse_time(entry["shipTime"])
        assert timedelta(days=3) <= delay <= timedelta(days=20)
        if entry["kind"] == "RETURN" and channel == "AFN":
            assert entry["disposition"] in (
                "SELLABLE",
                "DEFECTIVE",
                "CUSTOMER_DAMAGED",
                "CARRIER_DAMAGED",
                "DAMAGED",
            )
            assert not entry["reason"].startswith("CR-")
        if channel == "MFN":
            assert entry["reason"].startswith("CR-")


def test_refunds_never_exceed_what_was_charged(box, truth, client):
    refunded = {}  # (orderId, orderItemId or None, component) -> Decimal
    for entry in truth:
        refund = entry["refund"]
        assert refund["time"] >= (entry["returnTime"] or entry["shipTime"])
        if entry["kind"] == "RETURN" and entry["fulfillmentChannel"] == "AFN":
            late = parse_time(refund["time"]) - parse_time(entry["returnTime"])
            assert late <= timedelta(hours=36)
        if entry.get("resolution") == "RefundAtFirstScan":
            # Refunded before the item is back with the seller.
            assert entry["returnDeliveryTime"] is None or (
                refund["time"] < entry["returnDeliveryTime"]
            )
        total = Decimal(0)
        for kind, text in refund["amounts"].items():
            amount = Decimal(text)
            places = Decimal(1) if refund["currency"] == "JPY" else Decimal("0.01")
            assert amount == amount.quantize(places)
            total += amount
            order_level = ("SHIPPING", "SHIPPING_TAX")
            item = None if kind in order_level else entry["orderItemId"]
            key = (entry["orderId"], item, kind)
            refunded[key] = refunded.get(key, Decimal(0)) + amount
        assert Decimal(refund["total"]) == total > 0
    assert any(kind == "SHIPPING" for _, _, kind in refunded)
    charged = {}
    for order_id in {key[0] for key in refunded}:
        order = client.get_order(order_id, included_data=["PROCEEDS"])["order"]
        for part in order["proceeds"]["breakdowns"]:
            amount = Decimal(part["subtotal"]["amount"])
            charged[(order_id, None, part["type"])] = amount
        items_tax = Decimal(0)
        for item in order["orderItems"]:
            for part in item["proceeds"]["breakdowns"]:
                key = (order_id, item["orderItemId"], part["type"])
                charged[key] = Decimal(part["subtotal"]["amount"])
                if part["type"] == "TAX":
                    items_tax += charged[key]
        # The shipping's VAT: the order's TAX beyond its items' (GB/DE/FR/JP).
        order_tax = charged.get((order_id, None, "TAX"), Decimal(0))
        charged[(order_id, None, "SHIPPING_TAX")] = order_tax - items_tax
    for key, amount in refunded.items():
        assert abs(amount) <= abs(charged[key]), key
        assert (amount < 0) == (charged[key] < 0), key


# -- the Reports API ------------------------------------------------------


def test_reports_follow_the_model_and_take_polling(box, client, report_schemas):
    seen = []
    start, end = _window(box, 30)
    report = _run(box, client, MFN, seen, data_start_time=start, data_end_time=end)
    statuses = [r["processingStatus"] for r in seen]
    assert statuses[0] == "IN_QUEUE" and "IN_PROGRESS" in statuses
    assert statuses[-1] == "DONE" and len(statuses) >= 4
    assert report["reportDocumentId"]
    assert all("reportDocumentId" not in r for r in seen[:-1])
    schema = {"$ref": "#/definitions/Report"}
    for reply in seen:
        assert not report_schemas.errors(schema, reply, strict=True), reply
    assert report["processingStartTime"] <= report["processingEndTime"]
    document = client.get_report_document(report["reportDocumentId"])
    schema = {"$ref": "#/definitions/ReportDocument"}
    assert not report_schemas.errors(schema, document, strict=True)
    assert box.stats()["totals"]["invalid_responses"] == 0


@pytest.mark.parametrize("report_type", [MFN, FBA])
def test_report_documents_list_exactly_the_truths_returns(box, client, report_type):
    start, end = _window(box, 30)
    report = _run(box, client, report_type, data_start_time=start, data_end_time=end)
    document = client.get_report_document(report["reportDocumentId"])
    text = client.download_report_text(document)
    parsed = returns_report.parse_returns_report(report_type, text)
    assert not parsed.errors
    truth = box.returns()["returns"]
    wanted = [e for e in truth if _in(e, report_type, start, end, ALL_MARKETS)]
    assert wanted

    def key(order_id, sku, quantity, moment, reason):
        if report_type == MFN:  # the MFN report writes dates only
            moment = moment.date()
        return (order_id, sku, quantity, moment, reason)

    got = sorted(
        key(r.order_id, r.sku, r.quantity, r.return_date, r.reason)
        for r in parsed.records
    )
    expected = sorted(
        key(
            e["orderId"],
            e["sku"],
            e["quantity"],
            parse_time(e["returnTime"]),
            e["reason"],
        )
        for e in wanted
    )
    assert got == expected
    assert {r.channel for r in parsed.records} == {CHANNEL[report_type]}
    by_order = {(e["orderId"], e["sku"]): e for e in wanted}
    for record in parsed.records:
        entry = by_order[(record.order_id, record.sku)]
        if report_type == FBA:
            assert record.disposition == entry["disposition"]
            assert record.status == entry["status"]
            assert record.fnsku.startswith("X00")
        else:
            assert record.rma_id == entry["rmaId"]
            assert record.resolution == entry["resolution"]
            if record.refunded_amount is not None:
                assert record.refunded_amount == Decimal(entry["refund"]["total"])
    # Never more than shipped: the order's fulfilled quantity per item.
    for record in parsed.records:
        entry = by_order[(record.order_id, record.sku)]
        order = client.get_order(record.order_id, included_data=["FULFILLMENT"])
        item = next(
            i
            for i in order["order"]["orderItems"]
            if i["orderItemId"] == entry["orderItemId"]
        )
        assert record.quantity <= item["fulfillment"]["quantityFulfilled"]


def test_report_window_and_marketplaces_filter(box, client):
    start, end = _window(box, 12)
    report = _run(
        box,
        client,
        MFN,
        marketplace_ids=EU,
        data_start_time=start,
        data_end_time=end,
    )
    truth = box.returns()["returns"]
    wanted = [e for e in truth if _in(e, MFN, start, end, EU)]
    if report["processingStatus"] == "CANCELLED":
        assert not wanted
        return
    document = client.get_report_document(report["reportDocumentId"])
    parsed = returns_report.parse_returns_report(
        MFN, client.download_report_text(document)
    )
    assert sorted(r.order_id for r in parsed.records) == sorted(
        e["orderId"] for e in wanted
    )
    everywhere = [e for e in truth if _in(e, MFN, start, end, ALL_MARKETS)]
    assert len(everywhere) > len(wanted)


def test_the_fba_report_is_gzip_compressed_and_decodes(box, client):
    start, end = _window(box, 30)
    report = _run(box, client, FBA, data_start_time=start, data_end_time=end)
    document = client.get_report_document(report["reportDocumentId"])
    assert document["compressionAlgorithm"] == "GZIP"
    raw = client._download("download.report", document["url"])
    assert raw[:2] == b"\x1f\x8b"
    text = client.download_report_text(document)
    assert gzip.decompress(raw).decode("utf-8") == text
    assert text.splitlines()[0].split("\t")[0] == "return-date"
    mfn = _run(box, client, MFN, data_start_time=start, data_end_time=end)
    plain = client.get_report_document(mfn["reportDocumentId"])
    assert "compressionAlgorithm" not in plain
    assert client.download_report_text(plain).startswith("Order ID\tOrder date\t")


def test_broken_gzip_is_a_permanent_error(box, client):
    start, end = _window(box, 30)
    report = _run(box, client, MFN, data_start_time=start, data_end_time=end)
    document = dict(client.get_report_document(report["reportDocumentId"]))
    document["compressionAlgorithm"] = "GZIP"  # plain text claimed compressed
    with pytest.raises(PermanentError, match="not valid GZIP"):
        client.download_report_document(document)


def test_unknown_report_types_are_refused(box, client):
    with pytest.raises(PermanentError) as refused:
        client.create_report("GET_NO_SUCH_REPORT_DATA")
    assert refused.value.status == 400
    with pytest.raises(PermanentError) as settlement:
        client.create_report("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE")
    assert settlement.value.status == 400
    assert "not allowed at this time" in settlement.value.message
    # A real report type the sandbox does not render: accepted, then FATAL.
    report = _run(box, client, "GET_MERCHANT_LISTINGS_ALL_DATA")
    assert report["processingStatus"] == "FATAL"
    assert "reportDocumentId" not in report


def test_no_data_is_cancelled_and_too_long_a_window_fatal(box, client):
    now = parse_time(box.now())
    empty = _run(
        box,
        client,
        FBA,
        data_start_time=now - timedelta(minutes=5),
        data_end_time=now,
    )
    assert empty["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in empty
    long = _run(box, client, MFN, data_start_time=now - timedelta(days=61))
    assert long["processingStatus"] == "FATAL"


def test_reports_are_the_sellers_own(box, client):
    start, end = _window(box, 30)
    report = _run(box, client, MFN, data_start_time=start, data_end_time=end)
    with _client(box, seller=2) as other:
        with pytest.raises(PermanentError) as hidden:
            other.get_report(report["reportId"])
        assert hidden.value.status == 404
        with pytest.raises(PermanentError) as hidden_doc:
            other.get_report_document(report["reportDocumentId"])
        assert hidden_doc.value.status == 404
        # The second seller's returns are its own dataset's.
        theirs = box.returns(seller=other.config.seller_id)["returns"]
        ours = box.returns()["returns"]
        assert {e["orderId"] for e in theirs}.isdisjoint(e["orderId"] for e in ours)


def _pii_found(text, pii):
    return sorted(value for value in pii if value in text)


def test_report_documents_carry_no_buyer_data(box, client):
    data = box.dataset()
    pii = set()
    for order in data["orders"]:
        buyer, recipient = order["buyer"], order["recipient"]
        for value in (
            buyer.get("buyerName"),
            buyer.get("buyerEmail"),
            buyer.get("buyerCompanyName"),
            buyer.get("buyerPurchaseOrderNumber"),
            recipient.get("name"),
            recipient.get("addressLine1"),
            recipient.get("addressLine2"),
            recipient.get("phone"),
            recipient.get("companyName"),
        ):
            if value and len(value) >= 6:
                pii.add(value)
        for line in order["items"]:
            if line["giftMessage"]:
                pii.add(line["giftMessage"])
    assert len(pii) > 400
    start, end = _window(box, 30)
    texts = []
    for report_type in (MFN, FBA):
        report = _run(
            box, client, report_type, data_start_time=start, data_end_time=end
        )
        document = client.get_report_document(report["reportDocumentId"])
        texts.append(client.download_report_text(document))
    # The check sees PII when a document carries some...
    some = sorted(pii)[:3]
    planted = texts[0].replace("\tC-Returns\t", "\t" + some[0] + "\t", 1)
    assert planted != texts[0]
    assert _pii_found(planted, pii) == [some[0]]
    # ...and the documents carry none; customer-comments is always empty.
    for text in texts:
        assert _pii_found(text, pii) == []
    rows = [line.split("\t") for line in texts[1].splitlines()]
    comments = rows[0].index("customer-comments")
    assert all(row[comments] == "" for row in rows[1:])


def test_refunds_for_lists_the_refunds_posted_by_now(box):
    from tests.sandbox import returns

    data = box.dataset()
    now = box.now()
    truth = {e["refund"]["refundId"]: e for e in box.returns()["returns"]}
    posted = [r for order in data["orders"] for r in returns.refunds_for(order, now)]
    assert posted
    assert {r["refundId"] for r in posted} == {
        key for key, e in truth.items() if e["refund"]["posted"]
    }
    for refund in posted:
        assert refund["time"] <= now
        assert refund["amounts"] == truth[refund["refundId"]]["refund"]["amounts"]
    returnless = [r for r in posted if r["returnless"]]
    assert returnless and all(
        truth[r["refundId"]]["returnTime"] is None for r in returnless
    )


def test_returns_follow_the_clock(box):
    before = box.returns()["returns"]
    box.advance_clock(5 * 86400)
    after = box.returns()["returns"]
    keys = {(e["orderId"], e["orderItemId"]) for e in after}
    assert {(e["orderId"], e["orderItemId"]) for e in before} <= keys
    assert len(after) >= len(before)
