"""Amazon's returns reports, read into return records (pure).

Two report types of the Reports API 2021-06-30, both tab-separated with a
header row:

- ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE``: merchant-fulfilled (MFN)
  return requests ("Order ID", "Return request date", "Return quantity",
  "Return Reason", "Resolution", "Refunded Amount"...). Dates are written
  ``10-Jul-2025``.
- ``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``: Amazon-fulfilled (AFN)
  returns processed at a fulfilment centre ("return-date", "order-id",
  "quantity", "detailed-disposition", "reason", "status"...). Dates are ISO
  8601.

Columns are found by their header, so reordered or added columns do not
matter; a missing required column makes every row an error. A row without an
order id, or whose quantity is not a whole number of at least one, or whose
date cannot be read, is parked as a ``RowError`` naming its line number in
the document (the header is line 1) and the problem; the other rows go
through. Records keep no buyer data: the FBA report's ``customer-comments``
(free text that may carry it) and anything not named below are dropped.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

MFN_RETURNS = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
FBA_RETURNS = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
REPORT_TYPES = (MFN_RETURNS, FBA_RETURNS)
_MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "jan",
            "feb",
            "mar",
            "apr",
            "may",
            "jun",
            "jul",
            "aug",
            "sep",
            "oct",
            "nov",
            "dec",
        ],
        start=1,
    )
}
_FLAT_DATE = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$")


@dataclass(frozen=True)
class ReturnRecord:
    """One returned item of a report: no buyer data."""

    line: int  # line number in the document (header = 1)
    channel: str  # "MFN" or "AFN"
    order_id: str
    sku: str
    asin: str
    quantity: int
    return_date: datetime  # UTC; MFN: the request date (midnight UTC)
    reason: str
    status: str  # MFN "Return request status"; AFN "status"
    disposition: str = ""  # AFN detailed-disposition (SELLABLE, DEFECTIVE...)
    fnsku: str = ""
    fulfillment_center: str = ""
    license_plate: str = ""
    rma_id: str = ""  # MFN Amazon RMA ID
    resolution: str = ""  # MFN StandardRefund, RefundAtFirstScan...
    currency: str = ""
    refunded_amount: Decimal | None = None
    order_amount: Decimal | None = None
    order_quantity: int | None = None
    return_delivery_date: date | None = None
    item_name: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    problem: str


@dataclass
class ParsedReport:
    report_type: str
    records: list
    errors: list


class _RowProblem(ValueError):
    pass


# (record field, column, required?) per report type.
_MFN_FIELDS = (
    ("order_id", "Order ID"),
    ("return_date", "Return request date"),
    ("status", "Return request status"),
    ("rma_id", "Amazon RMA ID"),
    ("currency", "Currency code"),
    ("asin", "ASIN"),
    ("sku", "Merchant SKU"),
    ("item_name", "Item Name"),
    ("quantity", "Return quantity"),
    ("reason", "Return Reason"),
    ("resolution", "Resolution"),
    ("return_delivery_date", "Return delivery date"),
    ("order_amount", "Order Amount"),
    ("order_quantity", "Order quantity"),
    ("refunded_amount", "Refunded Amount"),
)
_FBA_FIELDS = (
    ("return_date", "return-date"),
    ("order_id", "order-id"),
    ("sku", "sku"),
    ("asin", "asin"),
    ("fnsku", "fnsku"),
    ("item_name", "product-name"),
    ("quantity", "quantity"),
    ("fulfillment_center", "fulfillment-center-id"),
    ("disposition", "detailed-disposition"),
    ("reason", "reason"),
    ("status", "status"),
    ("license_plate", "license-plate-number"),
)
_REQUIRED = {
    MFN_RETURNS: ("Order ID", "Return request date", "Return quantity"),
    FBA_RETURNS: ("return-date", "order-id", "quantity"),
}


def parse_returns_report(report_type, text):
    """``ParsedReport`` of one report document's text (str)."""
    if report_type not in REPORT_TYPES:
        raise ValueError(f"not a returns report type: {report_type}")
    fields = _MFN_FIELDS if report_type == MFN_RETURNS else _FBA_FIELDS
    channel = "MFN" if report_type == MFN_RETURNS else "AFN"
    lines = text.removeprefix("\ufeff").splitlines()
    parsed = ParsedReport(report_type, [], [])
    if not lines:
        return parsed
    header = [name.strip() for name in lines[0].split("\t")]
    position = {name.lower(): index for index, name in enumerate(header)}
    missing = [c for c in _REQUIRED[report_type] if c.lower() not in position]
    for number, raw in enumerate(lines[1:], start=2):
        if not raw.strip():
            continue
        if missing:
            parsed.errors.append(RowError(number, f"no column {missing[0]!r}"))
            continue
        cells = raw.split("\t")
        values = {}
        for field, column in fields:
            index = position.get(column.lower())
            cell = cells[index] if index is not None and index < len(cells) else ""
            values[field] = cell.strip()
        try:
            parsed.records.append(_record(number, channel, values))
        except _RowProblem as problem:
            parsed.errors.append(RowError(number, str(problem)))
    return parsed


def _record(number, channel, values):
    if not values["order_id"]:
        raise _RowProblem("no order id")
    values["quantity"] = _count(values["quantity"], "quantity", required=True)
    if "order_quantity" in values:
        values["order_quantity"] = _count(
            values["order_quantity"], "order quantity", required=False
        )
    values["return_date"] = _moment(values["return_date"], "return date")
    if "return_delivery_date" in values:
        text = values["return_delivery_date"]
        delivered = _moment(text, "return delivery date") if text else None
        values["return_delivery_date"] = delivered.date() if delivered else None
    for name in ("refunded_amount", "order_amount"):
        if name in values:
            values[name] = _amount(values[name], name.replace("_", " "))
    return ReturnRecord(line=number, channel=channel, **values)


def _count(text, label, required):
    if not text and not required:
        return None
    if not re.fullmatch(r"\d+", text or "") or int(text) < 1:
        raise _RowProblem(f"{label} {text!r} is not a whole number of at least 1")
    return int(text)


def _moment(text, label):
    """UTC datetime of Amazon's ``10-Jul-2025`` or an ISO 8601 text."""
    match = _FLAT_DATE.match(text)
    if match and match.group(2).lower() in _MONTHS:
        day, month, year = match.groups()
        try:
            return datetime(
                int(year), _MONTHS[month.lower()], int(day), tzinfo=timezone.utc
            )
        except ValueError:
            raise _RowProblem(f"{label} {text!r} is not a date") from None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _RowProblem(f"{label} {text!r} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _amount(text, label):
    """Decimal of ``12.34``, ``12,34`` or ``1.234,56``; empty is None."""
    if not text:
        return None
    cleaned = text.replace(" ", "")
    if "," in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise _RowProblem(f"{label} {text!r} is not an amount") from None
