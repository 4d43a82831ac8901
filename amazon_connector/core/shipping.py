"""Shipment confirmation (Orders v0) and Amazon Buy Shipping (Shipping v2).

Pure Python (never imports odoo). Builders return request bodies that
validate against Amazon's Swagger models; parsers read the responses into
frozen dataclasses. Errors are :class:`ShipmentDataError` whose messages name
what is wrong in seller words and never carry an address value, so they may
go to logs and the chatter.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from . import amazon_time

# Amazon's published carrier codes for confirmShipment (a subset: the ones a
# European/NA/JP seller meets; anything else goes as "Other" + carrier name).
AMAZON_CARRIER_CODES = (
    "USPS",
    "UPS",
    "UPSMI",
    "FedEx",
    "DHL",
    "DHL eCommerce",
    "OnTrac",
    "Royal Mail",
    "Parcelforce",
    "Yodel",
    "DPD",
    "Hermes",
    "Evri",
    "GLS",
    "Deutsche Post",
    "Chronopost",
    "Colissimo",
    "La Poste",
    "TNT",
    "SEUR",
    "Correos",
    "MRW",
    "Poste Italiane",
    "BRT",
    "SDA",
    "PostNL",
    "Canada Post",
    "Purolator",
    "Australia Post",
    "Yamato Transport",
    "Sagawa Express",
    "Japan Post",
    "Amazon Shipping",
    "Other",
)
OTHER = "Other"

# Whole carrier names (as Odoo carriers are often called) -> Amazon code.
# Explicit on purpose: no prefix matching, "DHL Parcel UK" is not "DHL".
CARRIER_ALIASES = {
    "Fedex Ground": "FedEx",
    "FedEx Express": "FedEx",
    "Federal Express": "FedEx",
    "DHL Express": "DHL",
    "United States Postal Service": "USPS",
    "United Parcel Service": "UPS",
    "UPS Mail Innovations": "UPSMI",
    "Parcel Force": "Parcelforce",
    "Parcelforce Worldwide": "Parcelforce",
    "DPD UK": "DPD",
    "GLS Group": "GLS",
    "Bartolini": "BRT",
    "DHL Paket": "DHL",
    "Yamato": "Yamato Transport",
    "Sagawa": "Sagawa Express",
}

LABEL_FORMATS = ("PDF", "ZPL")
LABEL_SIZE = {"width": 4, "length": 6, "unit": "INCH"}
LABEL_DPI = 203

# Amazon's Address model: required keys and maxLength limits. Over-long
# values are refused, not truncated: a cut street line ships to nowhere.
ADDRESS_KEYS = (
    "name",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "companyName",
    "stateOrRegion",
    "city",
    "countryCode",
    "postalCode",
    "phoneNumber",
    "email",
)
ADDRESS_REQUIRED = (
    "name",
    "addressLine1",
    "city",
    "countryCode",
    "postalCode",
    "stateOrRegion",
)
ADDRESS_MAX = {
    "name": 50,
    "addressLine1": 60,
    "addressLine2": 60,
    "addressLine3": 60,
    "email": 64,
    "phoneNumber": 20,
}

# Shipping v2 tracking summary Status enum, in journey order.
TRACKING_STATUSES = (
    ("PreTransit", "Label created, not picked up"),
    ("InTransit", "In transit"),
    ("OutForDelivery", "Out for delivery"),
    ("Delivered", "Delivered"),
    ("DeliveryAttempted", "Delivery attempted"),
    ("AwaitingCustomerPickup", "Awaiting customer pickup"),
    ("Undeliverable", "Undeliverable"),
    ("Lost", "Lost"),
    ("Rejected", "Rejected by recipient"),
    ("PickupCancelled", "Pickup cancelled"),
)
# No further change expected: stop polling getTracking.
FINAL_TRACKING = {"Delivered", "Lost", "Rejected", "Undeliverable", "PickupCancelled"}

_CARRIER_REJECTION = re.compile(r"carrier\s*code", re.IGNORECASE)


class ShipmentDataError(ValueError):
    """Input Amazon would refuse; the message never quotes an address value."""


# --- carriers --------------------------------------------------------------


def _norm(name):
    return re.sub(r"[^0-9a-z]", "", (name or "").lower())


_BY_NORM = {_norm(code): code for code in AMAZON_CARRIER_CODES}
_BY_NORM.update({_norm(alias): code for alias, code in CARRIER_ALIASES.items()})


def carrier_code_for(name):
    """Amazon's carrier code for an Odoo carrier name, or None if unknown."""
    return _BY_NORM.get(_norm(name)) if _norm(name) else None


def resolve_carrier(mapped_code, mapped_name, carrier_name):
    """``(carrierCode, carrierName or None)`` for confirmShipment.

    A configured mapping wins; else a known name; else "Other" with the
    carrier's own name (Amazon requires carrierName with "Other").
    """
    mapped_code = (mapped_code or "").strip()
    carrier_name = (carrier_name or "").strip() or None
    if mapped_code and mapped_code != OTHER:
        return mapped_code, None
    if not mapped_code:
        code = carrier_code_for(carrier_name)
        if code and code != OTHER:
            return code, None
    name = (mapped_name or "").strip() or carrier_name
    if not name:
        raise ShipmentDataError(
            "no carrier name for carrier code Other: set a carrier on the "
            "delivery or a carrier name in the Amazon carrier mapping"
        )
    return OTHER, name


def is_carrier_rejection(error):
    """True when Amazon refused the request (400) because of the carrier code."""
    if getattr(error, "status", None) != 400:
        return False
    return bool(_CARRIER_REJECTION.search(str(getattr(error, "message", "") or "")))


# --- confirmShipment -------------------------------------------------------


def confirmation_payload(
    *,
    marketplace_id,
    package_ref,
    carrier_code,
    carrier_name,
    tracking_number,
    ship_date,
    items,
    shipping_method=None,
):
    """Orders v0 ConfirmShipmentRequest for one package."""
    if not marketplace_id:
        raise ShipmentDataError("no marketplace for the shipment confirmation")
    if not carrier_code:
        raise ShipmentDataError("no carrier code for the shipment confirmation")
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise ShipmentDataError("no tracking number on the package")
    detail = {
        "packageReferenceId": str(_package_ref(package_ref)),
        "carrierCode": carrier_code,
    }
    if carrier_name:
        detail["carrierName"] = carrier_name
    if shipping_method:
        detail["shippingMethod"] = shipping_method
    detail["trackingNumber"] = tracking_number
    detail["shipDate"] = iso_utc(ship_date)
    detail["orderItems"] = [
        {"orderItemId": item_id, "quantity": quantity}
        for item_id, quantity in _summed(items).items()
    ]
    return {"marketplaceId": marketplace_id, "packageDetail": detail}


def _package_ref(value):
    # Amazon: "Only positive numeric values are supported."
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None else 0
    except ValueError:
        number = 0
    if number <= 0:
        raise ShipmentDataError("package reference must be a positive number")
    return number


def _summed(items):
    totals = {}
    for item_id, quantity in items or ():
        if not item_id:
            raise ShipmentDataError("an order item has no Amazon order item id")
        totals[str(item_id)] = totals.get(str(item_id), 0) + _whole(
            quantity, f"order item {item_id}"
        )
    if not totals:
        raise ShipmentDataError("no order items in the package")
    return totals


def _whole(quantity, what):
    """A positive whole number (5.0 is 5); Amazon counts units."""
    try:
        number = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ShipmentDataError(f"{what}: quantity is not a number")
    if number != number.to_integral_value():
        raise ShipmentDataError(f"{what}: quantity must be a whole number")
    if number <= 0:
        raise ShipmentDataError(f"{what}: quantity must be positive")
    return int(number)


def iso_utc(moment):
    """ISO 8601 UTC with Z; a naive datetime is taken as UTC (Odoo's storage)."""
    if not isinstance(moment, datetime):
        raise ShipmentDataError("ship date missing or not a date and time")
    return amazon_time.format(moment)


# --- Buy Shipping: getRates ------------------------------------------------


@dataclass(frozen=True)
class Parcel:
    reference: str
    weight_kg: float
    length_cm: float
    width_cm: float
    height_cm: float
    value: Decimal | float
    currency: str
    items: tuple  # ((order_item_id, quantity, unit_value), ...)


def rates_request(*, order_id, ship_from, ship_to, parcels, ship_date=None):
    """Shipping v2 GetRatesRequest for an Amazon order.

    ``ship_to`` may be None: for channel AMAZON Amazon ignores it and uses
    the order's own address, so not sending it keeps buyer data in Odoo.
    """
    if not order_id:
        raise ShipmentDataError("no Amazon order id for the rate request")
    parcels = list(parcels or ())
    if not parcels:
        raise ShipmentDataError("no parcels to rate")
    body = {
        "channelDetails": {
            "channelType": "AMAZON",
            "amazonOrderDetails": {"orderId": order_id},
        },
        "shipFrom": _address(ship_from, "ship-from"),
    }
    if ship_to is not None:
        body["shipTo"] = _address(ship_to, "ship-to")
    body["packages"] = [_package(parcel) for parcel in parcels]
    if ship_date is not None:
        body["shipDate"] = iso_utc(ship_date)
    return body


def _address(values, which):
    values = values or {}
    unknown = sorted(set(values) - set(ADDRESS_KEYS))
    if unknown:
        raise ShipmentDataError(f"{which} address: unknown keys {', '.join(unknown)}")
    address = {}
    for key in ADDRESS_KEYS:
        value = values.get(key)
        value = value.strip() if isinstance(value, str) else value
        if value:
            address[key] = str(value)
    missing = [key for key in ADDRESS_REQUIRED if key not in address]
    if missing:
        raise ShipmentDataError(f"{which} address: missing {', '.join(missing)}")
    too_long = [k for k, n in ADDRESS_MAX.items() if len(address.get(k, "")) > n]
    if too_long:
        limits = ", ".join(f"{k} (max {ADDRESS_MAX[k]})" for k in too_long)
        raise ShipmentDataError(f"{which} address: too long: {limits}")
    return address


def _package(parcel):
    ref = str(parcel.reference or "").strip()
    if not ref:
        raise ShipmentDataError("a parcel has no reference")
    currency = _currency(parcel.currency, f"parcel {ref}")
    dimensions = {
        "length": _measure(parcel.length_cm, 1, f"parcel {ref}: length"),
        "width": _measure(parcel.width_cm, 1, f"parcel {ref}: width"),
        "height": _measure(parcel.height_cm, 1, f"parcel {ref}: height"),
        "unit": "CENTIMETER",
    }
    weight = _measure(parcel.weight_kg, 3, f"parcel {ref}: weight")
    items = [_item(ref, item, currency) for item in parcel.items or ()]
    if not items:
        raise ShipmentDataError(f"parcel {ref}: no items")
    return {
        "dimensions": dimensions,
        "weight": {"unit": "KILOGRAM", "value": weight},
        "insuredValue": {
            "value": _money(parcel.value, f"parcel {ref}"),
            "unit": currency,
        },
        "packageClientReferenceId": ref,
        "items": items,
    }


def _item(ref, item, currency):
    item_id, quantity, unit_value = item
    what = f"parcel {ref}: order item {item_id}"
    return {
        "itemIdentifier": str(item_id),
        "quantity": _whole(quantity, what),
        # Per unit, as on the customs line; Amazon multiplies by quantity.
        "itemValue": {"value": _money(unit_value, what), "unit": currency},
    }


def _measure(value, places, what):
    try:
        number = round(float(value or 0), places)
    except (TypeError, ValueError):
        number = 0
    if not number > 0:
        raise ShipmentDataError(f"{what} missing or zero")
    return number


def _money(value, what):
    # JSON has no Decimal; cents as a float round-trip exactly enough.
    try:
        number = Decimal(str(value if value is not None else 0))
    except (InvalidOperation, ValueError):
        raise ShipmentDataError(f"{what}: value is not a number") from None
    if not number.is_finite() or number < 0:
        raise ShipmentDataError(f"{what}: value must be zero or more")
    return float(number.quantize(Decimal("0.01")))


def _currency(code, what):
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ShipmentDataError(f"{what}: currency must be a 3-letter ISO code")
    return code


@dataclass(frozen=True)
class Rate:
    rate_id: str
    carrier_id: str
    carrier_name: str
    service_id: str
    service_name: str
    price: Decimal
    currency: str
    delivery_start: datetime | None
    delivery_end: datetime | None
    formats: tuple


def parse_rates(payload):
    """``(requestToken, [Rate])`` cheapest first, from a getRates response."""
    result = _payload(payload)
    token = result.get("requestToken")
    if not token:
        raise ShipmentDataError("rates response has no request token")
    rates = [_rate(rate) for rate in result.get("rates") or ()]
    return token, sorted(rates, key=lambda rate: rate.price)


def _rate(rate):
    charge = rate.get("totalCharge") or {}
    window = (rate.get("promise") or {}).get("deliveryWindow") or {}
    formats = []
    for spec in rate.get("supportedDocumentSpecifications") or ():
        if spec.get("format") and spec["format"] not in formats:
            formats.append(spec["format"])
    try:
        price = Decimal(str(charge.get("value")))
    except (InvalidOperation, ValueError):
        price = Decimal("NaN")
    if not price.is_finite():
        raise ShipmentDataError("a rate has no total charge")
    return Rate(
        rate_id=rate.get("rateId"),
        carrier_id=rate.get("carrierId"),
        carrier_name=rate.get("carrierName"),
        service_id=rate.get("serviceId"),
        service_name=rate.get("serviceName"),
        price=price,
        currency=charge.get("unit"),
        delivery_start=parse_time(window.get("start")),
        delivery_end=parse_time(window.get("end")),
        formats=tuple(formats),
    )


# --- Buy Shipping: purchaseShipment ----------------------------------------


def label_request(request_token, rate_id, fmt):
    """Shipping v2 PurchaseShipmentRequest for a 4x6 inch label."""
    if fmt not in LABEL_FORMATS:
        raise ShipmentDataError("label format must be PDF or ZPL")
    if not request_token or not rate_id:
        raise ShipmentDataError("get rates again: request token or rate missing")
    return {
        "requestToken": request_token,
        "rateId": rate_id,
        "requestedDocumentSpecification": {
            "format": fmt,
            "size": dict(LABEL_SIZE),
            "dpi": LABEL_DPI,
            "pageLayout": "DEFAULT",
            "needFileJoining": False,
            "requestedDocumentTypes": ["LABEL"],
        },
    }


@dataclass(frozen=True)
class Label:
    package_ref: str
    tracking_id: str | None
    format: str
    content: bytes


def parse_purchase(payload):
    """``(shipmentId, [Label])`` from a purchaseShipment response."""
    result = _payload(payload)
    shipment_id = result.get("shipmentId")
    if not shipment_id:
        raise ShipmentDataError("purchase response has no shipment id")
    labels = []
    for detail in result.get("packageDocumentDetails") or ():
        for document in detail.get("packageDocuments") or ():
            if document.get("type") != "LABEL":
                continue
            labels.append(
                Label(
                    package_ref=detail.get("packageClientReferenceId"),
                    tracking_id=detail.get("trackingId"),
                    format=document.get("format"),
                    content=_decode(document.get("contents")),
                )
            )
    return shipment_id, labels


def _decode(contents):
    try:
        return base64.b64decode(contents or "", validate=True)
    except (binascii.Error, ValueError):
        raise ShipmentDataError("label contents are not valid base64") from None


# --- Buy Shipping: getTracking ---------------------------------------------


@dataclass(frozen=True)
class TrackingState:
    status: str | None
    last_event_code: str | None
    last_event_time: datetime | None
    promised: datetime | None


def parse_tracking(payload):
    """The summary status and the latest event (by eventTime) of a package."""
    result = _payload(payload)
    latest_code = latest_time = None
    for event in result.get("eventHistory") or ():
        moment = parse_time(event.get("eventTime"))
        if moment and (latest_time is None or moment >= latest_time):
            latest_code, latest_time = event.get("eventCode"), moment
    return TrackingState(
        status=(result.get("summary") or {}).get("status"),
        last_event_code=latest_code,
        last_event_time=latest_time,
        promised=parse_time(result.get("promisedDeliveryDate")),
    )


# --- helpers ---------------------------------------------------------------


def _payload(payload):
    # Callers pass either the response body or its "payload".
    if not isinstance(payload, dict):
        raise ShipmentDataError("response is not a JSON object")
    inner = payload.get("payload")
    return inner if isinstance(inner, dict) else payload


def parse_time(text):
    """ISO 8601 -> naive UTC datetime; None when absent or unreadable (an
    event without a usable time is passed over, not fatal)."""
    if not isinstance(text, str):
        return None
    try:
        return amazon_time.parse(text)
    except ValueError:
        return None
