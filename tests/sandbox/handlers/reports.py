"""Reports API 2021-06-30: createReport, getReport, getReportDocument.

Reports move on the simulated clock, as slow as Amazon's: IN_QUEUE for 30-90
s after creation, then IN_PROGRESS for 2-6 minutes (drawn from the report
id), then DONE (its document is rendered once, as of ``processingEndTime``)
or CANCELLED when there is nothing to report (the model: "an automatic
cancellation if there is no data to return"). Clients must poll.

Served report types (the returns of ``tests/sandbox/returns.py``, filtered by
``dataStartTime``/``dataEndTime`` on the return date and by
``marketplaceIds``):

- ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE``: merchant-fulfilled returns,
  tab-separated, Amazon's 32 documented columns in Amazon's order (none
  carries buyer data); plain text. At most 60 days per report (Amazon's
  documented limit): a longer window ends FATAL.
- ``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``: Amazon-fulfilled returns
  processed at a fulfilment centre, Amazon's 13 columns; ``customer-comments``
  (the buyer's free text, which may carry personal data) is always empty.
  GZIP-compressed (``compressionAlgorithm`` GZIP), so clients meet both.

Other report types: a few real ones the sandbox does not render are accepted
and end FATAL; settlement reports (Amazon creates them itself) are refused
400 "Request for report type ... is not allowed at this time", as Amazon
answers; any other text is 400 InvalidInput.
"""

import gzip
import uuid
from datetime import timedelta

from .. import returns as returns_model
from ..dataset import iso, parse_time
from ..errors import ApiError, invalid_input
from ..messages import Reply

MFN_RETURNS = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
FBA_RETURNS = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
SERVED = (MFN_RETURNS, FBA_RETURNS)
# Real report types the sandbox does not render: accepted, then FATAL.
UNSERVED = frozenset(
    {
        "GET_MERCHANT_LISTINGS_ALL_DATA",
        "GET_MERCHANT_LISTINGS_DATA",
        "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
        "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
        "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
        "GET_FBA_REIMBURSEMENTS_DATA",
        "GET_LEDGER_DETAIL_VIEW_DATA",
        "GET_XML_RETURNS_DATA_BY_RETURN_DATE",
        "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA",
        "FEE_DISCOUNTS_REPORT",
    }
)
# Amazon generates these itself; createReport refuses them.
SCHEDULED_BY_AMAZON = frozenset(
    {
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        "GET_V2_SETTLEMENT_REPORT_DATA_XML",
    }
)
MAX_WINDOW = {MFN_RETURNS: timedelta(days=60)}

# Amazon's documented columns, in Amazon's order (Reports API, "Returns
# reports attributes" and "FBA customer concessions reports attributes").
MFN_COLUMNS = (
    "Order ID",
    "Order date",
    "Return request date",
    "Return request status",
    "Amazon RMA ID",
    "Merchant RMA ID",
    "Label type",
    "Label cost",
    "Currency code",
    "Return carrier",
    "Tracking ID",
    "Label to be paid by",
    "A-to-Z Claim",
    "Is prime",
    "ASIN",
    "Merchant SKU",
    "Item Name",
    "Return quantity",
    "Return Reason",
    "In policy",
    "Return type",
    "Resolution",
    "Invoice number",
    "Return delivery date",
    "Order Amount",
    "Order quantity",
    "SafeT Action reason",
    "SafeT claim id",
    "SafeT claim state",
    "SafeT claim creation time",
    "SafeT claim reimbursement amount",
    "Refunded Amount",
)
FBA_COLUMNS = (
    "return-date",
    "order-id",
    "sku",
    "asin",
    "fnsku",
    "product-name",
    "quantity",
    "fulfillment-center-id",
    "detailed-disposition",
    "reason",
    "status",
    "license-plate-number",
    "customer-comments",
)
_MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]
_REPORT_FIELDS = (
    "reportId",
    "reportType",
    "marketplaceIds",
    "dataStartTime",
    "dataEndTime",
    "createdTime",
    "processingStatus",
    "processingStartTime",
    "processingEndTime",
    "reportDocumentId",
)


def _draw(report_id, purpose, modulo):
    return returns_model._draw("report", report_id, purpose) % modulo


def create_report(ctx, values):
    body = values["body"]
    report_type = body["reportType"]
    if report_type in SCHEDULED_BY_AMAZON:
        raise invalid_input(
            "", f"Request for report type {report_type} is not allowed at this time"
        )
    if report_type not in SERVED and report_type not in UNSERVED:
        raise invalid_input(f"reportType {report_type!r} is not a valid report type")
    now = ctx.now.replace(microsecond=0)
    start = _time(body, "dataStartTime", now)
    end = _time(body, "dataEndTime", now)
    if start > end:
        raise invalid_input("dataStartTime must be before dataEndTime")
    with ctx.state.lock:
        report_id = str(60000000000 + next(ctx.state.report_numbers))
        queued = 30 + _draw(report_id, "queue", 61)
        working = 120 + _draw(report_id, "work", 241)
        ctx.stores.reports[report_id] = {
            "reportId": report_id,
            "reportType": report_type,
            "marketplaceIds": list(body["marketplaceIds"]),
            "dataStartTime": iso(start),
            "dataEndTime": iso(end),
            "createdTime": iso(now),
            "processingStatus": "IN_QUEUE",
            "startAt": iso(now + timedelta(seconds=queued)),
            "endAt": iso(now + timedelta(seconds=queued + working)),
            "seller": ctx.seller,
        }
    return Reply(202, {"reportId": report_id})


def _time(body, name, now):
    """A data time, at most now (Amazon: "must be prior to or equal to the
    current date and time"; a client's clock a little ahead is clamped)."""
    if not body.get(name):
        return now
    try:
        moment = parse_time(body[name])
    except ValueError:
        raise invalid_input(f"{name}: not an ISO 8601 date-time") from None
    return min(moment, now)


def get_report(ctx, values):
    report_id = values["reportId"]
    with ctx.state.lock:
        report = ctx.stores.reports.get(report_id)
        if report is None or report["seller"] != ctx.seller:
            raise ApiError(404, "NotFound", "The report was not found.", report_id)
        _advance(ctx, report)
        view = {k: report[k] for k in _REPORT_FIELDS if k in report}
    return Reply(200, view)


def _advance(ctx, report):
    stamp = iso(ctx.now)
    if report["processingStatus"] == "IN_QUEUE" and stamp >= report["startAt"]:
        report["processingStatus"] = "IN_PROGRESS"
        report["processingStartTime"] = report["startAt"]
    if report["processingStatus"] == "IN_PROGRESS" and stamp >= report["endAt"]:
        _finish(ctx, report)


def _finish(ctx, report):
    """Render the document as of processingEndTime (once)."""
    moment = report["endAt"]
    report["processingEndTime"] = moment
    kind = report["reportType"]
    window = parse_time(report["dataEndTime"]) - parse_time(report["dataStartTime"])
    if kind not in SERVED or window > MAX_WINDOW.get(kind, window):
        report["processingStatus"] = "FATAL"
        return
    rows = report_rows(ctx.stores.data, report, moment)
    if not rows:
        report["processingStatus"] = "CANCELLED"
        return
    columns = MFN_COLUMNS if kind == MFN_RETURNS else FBA_COLUMNS
    text = "\n".join("\t".join(row) for row in [columns, *rows]) + "\n"
    content = text.encode("utf-8")
    compressed = kind == FBA_RETURNS
    doc_id = "amzn1.spdoc.1.4.na." + str(uuid.uuid4())
    ctx.stores.documents[doc_id] = {
        "contentType": "text/tab-separated-values; charset=UTF-8",
        "content": gzip.compress(content, mtime=0) if compressed else content,
        "compression": "GZIP" if compressed else None,
        "upload": False,
        "seller": ctx.seller,
        "report": True,
    }
    report["processingStatus"] = "DONE"
    report["reportDocumentId"] = doc_id


def in_report(report, entry):
    """Whether a return belongs to the report: its channel, marketplace and
    return date in [dataStartTime, dataEndTime]."""
    channel = "MFN" if report["reportType"] == MFN_RETURNS else "AFN"
    return (
        entry["kind"] == "RETURN"
        and entry["fulfillmentChannel"] == channel
        and entry["marketplaceId"] in report["marketplaceIds"]
        and report["dataStartTime"] <= entry["returnTime"] <= report["dataEndTime"]
    )


def report_rows(data, report, moment):
    """The report's rows (lists of text cells) as of ``moment``."""
    orders = {order["orderId"]: order for order in data["orders"]}
    rows = []
    for entry in returns_model.all_returns(data["orders"], moment):
        if not in_report(report, entry):
            continue
        order = orders[entry["orderId"]]
        if report["reportType"] == MFN_RETURNS:
            rows.append(_mfn_row(order, entry))
        else:
            rows.append(_fba_row(order, entry))
    return rows


def flat_date(stamp):
    """Amazon's flat-file date: 10-Jul-2025."""
    moment = parse_time(stamp)
    return f"{moment.day:02d}-{_MONTHS[moment.month - 1]}-{moment.year}"


def _line(order, entry):
    return next(i for i in order["items"] if i["orderItemId"] == entry["orderItemId"])


def _mfn_row(order, entry):
    line = _line(order, entry)
    refund = entry["refund"]
    proceeds = returns_model._item_proceeds(order, line)["proceedsTotal"]
    cells = {
        "Order ID": entry["orderId"],
        "Order date": flat_date(order["createdTime"]),
        "Return request date": flat_date(entry["returnTime"]),
        "Return request status": entry["status"],
        "Amazon RMA ID": entry["rmaId"],
        "Label type": entry["labelType"],
        "Label cost": entry["labelCost"],
        "Currency code": order["currency"],
        "Return carrier": entry["returnCarrier"],
        "Tracking ID": entry["trackingId"],
        "Label to be paid by": entry["labelPaidBy"],
        "A-to-Z Claim": "N",
        "Is prime": "Y" if entry["isPrime"] else "N",
        "ASIN": entry["asin"],
        "Merchant SKU": entry["sku"],
        "Item Name": line["title"],
        "Return quantity": str(entry["quantity"]),
        "Return Reason": entry["reason"],
        "In policy": "Y",
        "Return type": "C-Returns",
        "Resolution": entry["resolution"],
        "Return delivery date": (
            flat_date(entry["returnDeliveryTime"])
            if entry["returnDeliveryTime"]
            else ""
        ),
        "Order Amount": proceeds["amount"],
        "Order quantity": str(line["quantity"]),
        "Refunded Amount": refund["total"] if refund["posted"] else "",
    }
    return [cells.get(column, "") for column in MFN_COLUMNS]


def _fba_row(order, entry):
    line = _line(order, entry)
    cells = {
        "return-date": parse_time(entry["returnTime"]).isoformat(),
        "order-id": entry["orderId"],
        "sku": entry["sku"],
        "asin": entry["asin"],
        "fnsku": entry["fnsku"],
        "product-name": line["title"],
        "quantity": str(entry["quantity"]),
        "fulfillment-center-id": entry["fulfillmentCenterId"],
        "detailed-disposition": entry["disposition"],
        "reason": entry["reason"],
        "status": entry["status"],
        "license-plate-number": entry["licensePlateNumber"],
        # The buyer's free text may carry personal data: never filled.
        "customer-comments": "",
    }
    return [cells[column] for column in FBA_COLUMNS]


def get_report_document(ctx, values):
    doc_id = values["reportDocumentId"]
    with ctx.state.lock:
        doc = ctx.stores.documents.get(doc_id)
        if doc is None or doc.get("seller") != ctx.seller or not doc.get("report"):
            raise ApiError(
                404, "NotFound", "The report document was not found.", doc_id
            )
        compression = doc.get("compression")
    body = {
        "reportDocumentId": doc_id,
        "url": ctx.state.sign(f"/_sandbox/documents/{doc_id}"),
    }
    if compression:
        body["compressionAlgorithm"] = compression
    return Reply(200, body)
