"""The "To ship" list's late-risk badge and the rate a batch buys."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from amazon_connector.core import ship_batch
from amazon_connector.core.shipping import Rate

NOW = datetime(2026, 11, 3, 9, 0)
DAY_END = datetime(2026, 11, 3, 22, 59, 59)  # a UTC+1 warehouse's midnight
PROMISE = datetime(2026, 11, 7, 23, 59)


def rate(service, price, days, formats=("PDF", "ZPL"), carrier="UPS"):
    return Rate(
        rate_id=f"r-{service}",
        carrier_id=carrier,
        carrier_name=carrier,
        service_id=service,
        service_name=service,
        price=Decimal(price),
        currency="USD",
        delivery_start=None,
        delivery_end=NOW + timedelta(days=days) if days is not None else None,
        formats=formats,
    )


@pytest.mark.parametrize(
    "ship_by, expected",
    [
        (None, None),  # no promise, no badge
        (NOW - timedelta(minutes=1), ship_batch.LATE),
        (NOW + timedelta(hours=1), ship_batch.DUE_TODAY),
        # The warehouse's day, not UTC's: 23:30 UTC is tomorrow at UTC+1.
        (DAY_END + timedelta(minutes=31), ship_batch.AT_RISK),
        (DAY_END + timedelta(days=1), ship_batch.AT_RISK),
        (DAY_END + timedelta(days=1, seconds=1), ship_batch.ON_TIME),
    ],
)
def test_late_risk_against_the_ship_by_date(ship_by, expected):
    assert ship_batch.late_risk(ship_by, NOW, DAY_END) == expected


def test_cheapest_service_that_meets_the_promise():
    rates = [
        rate("GROUND", "5.00", 6),  # cheapest, but after the promise
        rate("PRIORITY", "9.00", 2),
        rate("TWO_DAY", "7.50", 3),
    ]
    assert ship_batch.pick_rate(rates, PROMISE, "PDF").service_id == "TWO_DAY"
    # Without a promise the cheapest goes.
    assert ship_batch.pick_rate(rates, None, "PDF").service_id == "GROUND"


def test_equal_prices_go_to_the_earlier_delivery():
    rates = [rate("SLOWER", "7.00", 4), rate("FASTER", "7.00", 2)]
    assert ship_batch.pick_rate(rates, PROMISE, "PDF").service_id == "FASTER"


def test_the_label_format_is_required():
    rates = [rate("CHEAP", "4.00", 2, formats=("PDF",)), rate("ZPL", "6.00", 2)]
    assert ship_batch.pick_rate(rates, PROMISE, "ZPL").service_id == "ZPL"
    with pytest.raises(ship_batch.NoRate, match="ZPL"):
        ship_batch.pick_rate(rates[:1], PROMISE, "ZPL")


def test_no_service_meeting_the_promise_is_said_not_bought():
    rates = [rate("GROUND", "5.00", 6), rate("UNKNOWN_DATE", "3.00", None)]
    with pytest.raises(ship_batch.NoRate, match="promised"):
        ship_batch.pick_rate(rates, PROMISE, "PDF")


def test_a_recommended_service_wins_when_amazon_offers_it():
    rates = [rate("TWO_DAY", "7.50", 3), rate("PRIORITY", "9.00", 2, carrier="USPS")]
    picked = ship_batch.pick_rate(rates, PROMISE, "PDF", ("USPS", "PRIORITY"))
    assert picked.service_id == "PRIORITY"
    # Not offered now (or not in this format): back to the cheapest in time.
    gone = ship_batch.pick_rate(rates, PROMISE, "PDF", ("DHL", "EXPRESS"))
    assert gone.service_id == "TWO_DAY"
