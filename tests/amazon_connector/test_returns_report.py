"""The returns reports' parser: good rows become records, bad rows are
parked with their line number and problem, and no buyer data is kept."""

import dataclasses
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from amazon_connector.core.returns_report import (
    FBA_RETURNS,
    MFN_RETURNS,
    ReturnRecord,
    RowError,
    parse_returns_report,
)

MFN_HEADER = (
    "Order ID\tOrder date\tReturn request date\tReturn request status\t"
    "Amazon RMA ID\tMerchant RMA ID\tLabel type\tLabel cost\tCurrency code\t"
    "Return carrier\tTracking ID\tLabel to be paid by\tA-to-Z Claim\tIs prime\t"
    "ASIN\tMerchant SKU\tItem Name\tReturn quantity\tReturn Reason\tIn policy\t"
    "Return type\tResolution\tInvoice number\tReturn delivery date\tOrder Amount\t"
    "Order quantity\tSafeT Action reason\tSafeT claim id\tSafeT claim state\t"
    "SafeT claim creation time\tSafeT claim reimbursement amount\tRefunded Amount"
)
FBA_HEADER = (
    "return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\t"
    "fulfillment-center-id\tdetailed-disposition\treason\tstatus\t"
    "license-plate-number\tcustomer-comments"
)


def mfn_row(order="111-0000001-0000001", quantity="1", request="14-Jul-2026", **kw):
    cells = {
        "order": order,
        "ordered": "10-Jul-2026",
        "request": request,
        "status": "Approved",
        "rma": "DfqRyqfBRRMA",
        "quantity": quantity,
        "reason": "CR-DEFECTIVE",
        "resolution": "RefundAtFirstScan",
        "delivered": "",
        "amount": "21.38",
        "order_quantity": "2",
        "refunded": "10.69",
    }
    cells.update(kw)
    return "\t".join(
        [
            cells["order"],
            cells["ordered"],
            cells["request"],
            cells["status"],
            cells["rma"],
            " ",
            "AmazonPrePaidLabel",
            "4.14",
            "USD",
            "USPS",
            "9202090339598363834190",
            "Seller",
            "N",
            "N",
            "B0SAMPLE01",
            "SKU-1",
            "Sample mug",
            cells["quantity"],
            cells["reason"],
            "Y",
            "C-Returns",
            cells["resolution"],
            " ",
            cells["delivered"],
            cells["amount"],
            cells["order_quantity"],
            "",
            "",
            "",
            "",
            "",
            cells["refunded"],
        ]
    )


def fba_row(order="222-0000002-0000002", quantity="2", comments="", **kw):
    cells = {
        "date": "2026-09-14T07:03:57+00:00",
        "disposition": "SELLABLE",
        "reason": "UNWANTED_ITEM",
        "status": "Unit returned to inventory",
    }
    cells.update(kw)
    return "\t".join(
        [
            cells["date"],
            order,
            "SKU-2",
            "B0SAMPLE02",
            "X00ABCDEF1",
            "Sample lamp",
            quantity,
            "FRA3",
            cells["disposition"],
            cells["reason"],
            cells["status"],
            "LPN0123456789",
            comments,
        ]
    )


def test_a_good_mfn_row_becomes_a_record():
    text = "\n".join([MFN_HEADER, mfn_row(delivered="18-Jul-2026")]) + "\n"
    parsed = parse_returns_report(MFN_RETURNS, text)
    assert parsed.errors == []
    (record,) = parsed.records
    assert record == ReturnRecord(
        line=2,
        channel="MFN",
        order_id="111-0000001-0000001",
        sku="SKU-1",
        asin="B0SAMPLE01",
        quantity=1,
        return_date=datetime(2026, 7, 14, tzinfo=timezone.utc),
        reason="CR-DEFECTIVE",
        status="Approved",
        rma_id="DfqRyqfBRRMA",
        resolution="RefundAtFirstScan",
        currency="USD",
        refunded_amount=Decimal("10.69"),
        order_amount=Decimal("21.38"),
        order_quantity=2,
        return_delivery_date=date(2026, 7, 18),
        item_name="Sample mug",
    )


def test_a_good_fba_row_becomes_a_record_without_the_buyers_comments():
    comment = "Sent back by Zoë Müller, 12 Rue de la Paix"
    text = "\r\n".join([FBA_HEADER, fba_row(comments=comment)])
    parsed = parse_returns_report(FBA_RETURNS, text)
    (record,) = parsed.records
    assert record.channel == "AFN"
    assert record.quantity == 2
    assert record.return_date == datetime(2026, 9, 14, 7, 3, 57, tzinfo=timezone.utc)
    assert (record.disposition, record.reason, record.status) == (
        "SELLABLE",
        "UNWANTED_ITEM",
        "Unit returned to inventory",
    )
    assert (record.fnsku, record.fulfillment_center, record.license_plate) == (
        "X00ABCDEF1",
        "FRA3",
        "LPN0123456789",
    )
    kept = " ".join(str(value) for value in dataclasses.astuple(record))
    assert "Zoë" not in kept and "Rue" not in kept
    assert "comment" not in {field.name for field in dataclasses.fields(record)}


def test_bad_rows_are_parked_with_their_line_and_the_rest_goes_through():
    text = "\n".join(
        [
            MFN_HEADER,
            mfn_row(order="111-0000001-0000001"),
            mfn_row(order=""),
            mfn_row(order="111-0000003-0000003", quantity="0"),
            "",
            mfn_row(order="111-0000004-0000004", quantity="two"),
            mfn_row(order="111-0000005-0000005", quantity="1.5"),
            mfn_row(order="111-0000006-0000006", request="31-Foo-2026"),
            mfn_row(order="111-0000007-0000007", refunded="ten"),
            mfn_row(order="111-0000008-0000008", quantity="3"),
        ]
    )
    parsed = parse_returns_report(MFN_RETURNS, text)
    assert [r.order_id for r in parsed.records] == [
        "111-0000001-0000001",
        "111-0000008-0000008",
    ]
    assert [r.line for r in parsed.records] == [2, 10]
    assert [e.line for e in parsed.errors] == [3, 4, 6, 7, 8, 9]
    problems = {e.line: e.problem for e in parsed.errors}
    assert problems[3] == "no order id"
    assert "quantity '0'" in problems[4]
    assert "quantity 'two'" in problems[6]
    assert "quantity '1.5'" in problems[7]
    assert "return date '31-Foo-2026'" in problems[8]
    assert "refunded amount 'ten'" in problems[9]
    assert all(isinstance(e, RowError) for e in parsed.errors)


def test_fba_bad_rows_name_their_line():
    text = "\n".join(
        [
            FBA_HEADER,
            fba_row(quantity=""),
            fba_row(order=""),
            fba_row(date="yesterday"),
            fba_row(quantity="1"),
        ]
    )
    parsed = parse_returns_report(FBA_RETURNS, text)
    assert [r.line for r in parsed.records] == [5]
    assert [(e.line, e.problem.split(" ")[0]) for e in parsed.errors] == [
        (2, "quantity"),
        (3, "no"),
        (4, "return"),
    ]


def test_columns_are_found_by_header_and_a_missing_one_fails_every_row():
    reordered = "order-id\tquantity\treturn-date\textra\n222-1\t1\t2026-09-01\tx\n"
    (record,) = parse_returns_report(FBA_RETURNS, reordered).records
    assert (record.order_id, record.quantity) == ("222-1", 1)
    assert record.return_date == datetime(2026, 9, 1, tzinfo=timezone.utc)
    no_quantity = "order-id\treturn-date\n222-1\t2026-09-01\n222-2\t2026-09-02\n"
    parsed = parse_returns_report(FBA_RETURNS, no_quantity)
    assert parsed.records == []
    assert [(e.line, e.problem) for e in parsed.errors] == [
        (2, "no column 'quantity'"),
        (3, "no column 'quantity'"),
    ]


def test_byte_order_mark_empty_documents_and_european_amounts():
    text = "\ufeff" + MFN_HEADER + "\n" + mfn_row(refunded="1.234,56", amount="")
    (record,) = parse_returns_report(MFN_RETURNS, text).records
    assert record.order_id == "111-0000001-0000001"
    assert record.refunded_amount == Decimal("1234.56")
    assert record.order_amount is None
    assert parse_returns_report(MFN_RETURNS, "").records == []
    assert parse_returns_report(MFN_RETURNS, MFN_HEADER + "\n").errors == []


def test_other_report_types_are_not_parsed_here():
    with pytest.raises(ValueError):
        parse_returns_report("GET_MERCHANT_LISTINGS_ALL_DATA", FBA_HEADER)
