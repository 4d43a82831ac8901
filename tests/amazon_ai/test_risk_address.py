"""Address plausibility per country: formats, regions, PO boxes."""

import pytest

from amazon_ai.core import address_rules as ar


@pytest.mark.parametrize(
    "country, good, bad",
    [
        ("US", "98101-1234", "9810"),
        ("CA", "H2X 1A1", "12345"),
        ("GB", "SW1A 1AA", "SW1A1AAA"),
        ("DE", "70173", "7017"),
        ("FR", "75008", "7500"),
        ("IT", "00184", "0018A"),
        ("ES", "28013", "2801"),
        ("JP", "150-0041", "1500-041"),
        ("AU", "2000", "20000"),
        ("MX", "06600", "0660"),
        ("IN", "110001", "11000"),
    ],
)
def test_postal_formats(country, good, bad):
    assert ar.postal_valid(country, good) is True
    assert ar.postal_valid(country, bad) is False


def test_unknown_country_has_no_postal_opinion():
    assert ar.postal_valid("XX", "anything") is None


def address(**changes):
    base = {
        "name": "Ava Carter",
        "addressLine1": "12 Maple Street",
        "city": "Seattle",
        "stateOrRegion": "WA",
        "postalCode": "98101",
        "countryCode": "US",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def codes(found):
    return {code for code, _, _ in found}


def test_clean_addresses_have_no_findings():
    assert ar.check_address(address()) == []
    jp = address(
        stateOrRegion="東京都", postalCode="150-0041", countryCode="JP", city="渋谷区"
    )
    assert ar.check_address(jp) == []
    ca = address(stateOrRegion="Québec", postalCode="H2X 1A1", countryCode="CA")
    assert ar.check_address(ca) == []


def test_each_address_check_fires():
    assert codes(ar.check_address(address(postalCode="00000-ZZZ"))) == {
        "postal_invalid"
    }
    assert codes(ar.check_address(address(stateOrRegion="ZZ"))) == {"state_invalid"}
    assert codes(ar.check_address(address(postalCode="10001"))) == {
        "postal_state_mismatch"
    }
    assert codes(ar.check_address(address(addressLine1=None))) == {"address_incomplete"}
    assert codes(ar.check_address(address(stateOrRegion=None))) == {
        "address_incomplete"
    }


def test_coarse_pending_address_is_not_incomplete():
    coarse = {"city": "Seattle", "postalCode": "98101", "countryCode": "US"}
    assert ar.check_address(coarse) == []


def test_po_box_only_matters_for_couriers_and_express():
    box = address(addressLine1="P.O. Box 123")
    assert ar.check_address(box, "STANDARD") == []
    [(code, points, _)] = ar.check_address(box, "NEXT_DAY")
    assert code == "po_box_courier" and points >= 60  # undeliverable as given
    de = address(
        addressLine1="Postfach 1234",
        countryCode="DE",
        postalCode="70173",
        stateOrRegion=None,
    )
    [(code, points, _)] = ar.check_address(de, "EXPEDITED")
    assert code == "po_box_express" and 30 <= points < 60
    au = address(
        addressLine1="GPO Box 1411",
        countryCode="AU",
        city="Sydney",
        stateOrRegion="NSW",
        postalCode="2001",
    )
    assert codes(ar.check_address(au, "SAME_DAY")) == {"po_box_courier"}
    assert ar.check_address(au, "STANDARD") == []


def test_reasons_never_quote_the_address():
    found = ar.check_address(address(postalCode="00000-ZZZ", city="Atlantis"))
    assert all("00000" not in text and "Atlantis" not in text for *_, text in found)
