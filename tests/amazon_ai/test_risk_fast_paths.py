"""The shortcuts that make scoring fast give the answers of the plain rules.

Scoring 10,000 orders skips work where the answer is already known (a line
whose letters are no placeholder's, a JSON number, a keyed hash set up once,
the history's addresses an order does not touch). Each test compares a
shortcut with the rule written out plainly, on the inputs that could tell
them apart.
"""

import hashlib
import unicodedata

import pytest

from amazon_ai.core import address_rules as ar
from amazon_ai.core import risk_features as rf


def plain_carries_text(line, minimum=2):
    """The documented rule, without shortcuts: at least ``minimum`` letters
    or digits, not one character repeated, not a placeholder once
    normalised (lower case, no accents or dots, "/" as a space)."""
    text = unicodedata.normalize("NFKC", str(line or ""))
    marks = "".join(ch for ch in text if ch.isalnum()).casefold()
    if len(marks) < minimum or (len(marks) > 1 and len(set(marks)) == 1):
        return False
    if len(text) > 16:
        return True
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    plain = " ".join(plain.replace(".", "").replace("&", " and ").split())
    return plain.replace("/", " ") not in ar.PLACEHOLDERS


LINES = [
    *ar.PLACEHOLDERS,
    *(p.upper() for p in ar.PLACEHOLDERS),
    *(p.replace(" ", "/") for p in ar.PLACEHOLDERS),
    *(p.replace(" ", ".") + "." for p in ar.PLACEHOLDERS),
    "N/A",
    "n.a.",
    "N / A",
    "n-a",  # not written as any placeholder is
    "n&a",
    "Q&A",
    "none & none",
    "Nóne",  # a placeholder once the accent goes
    "ＮＯＮＥ",  # full-width
    "Ｎ／Ａ",
    "nonE2",
    "Test 12",
    "12 Maple Street",
    "Apt 5",
    "NA 12",
    "x",
    "xx",
    "0000",
    "--",
    "  ",
    "",
    "Unknown Road 4",
    "not applicable, really",
    "Müllerstraße 5",
    "神南1-590-3",
    "東京",
    "Calle Mayor 5, 3º A",
    "Via Roma",
    "Y",
    "Å",
    "Saint-Étienne",
    "...",
]


@pytest.mark.parametrize("minimum", [1, 2])
def test_carries_text_agrees_with_the_plain_rule(minimum):
    differ = [
        line
        for line in LINES
        if ar.carries_text(line, minimum) != plain_carries_text(line, minimum)
    ]
    assert not differ
    # The sample holds both answers, placeholders included.
    assert not ar.carries_text("N/A") and not ar.carries_text("Nóne")
    assert ar.carries_text("n&a") and ar.carries_text("12 Maple Street")


def test_a_city_is_judged_the_same_every_time():
    for city in ("Seattle", "x", "Å", "N/A", "Y", "Montréal", "N/A"):
        first = ar.check_address(
            {"addressLine1": "12 Maple Street", "city": city, "countryCode": "FR"}
        )
        again = ar.check_address(
            {"addressLine1": "12 Maple Street", "city": city, "countryCode": "FR"}
        )
        assert first == again
        assert ("city_implausible" in {f[0] for f in first}) is (
            not plain_carries_text(city, minimum=1)
        )


def test_postal_codes_in_full_width_digits_are_read_as_digits():
    assert ar.postal_valid("US", "９８１０１") is True
    assert ar.postal_valid("US", " 98101 ") is True
    assert ar.postal_matches_state("US", "９８１０１", "WA") is True
    assert ar.postal_matches_state("US", "98101", "Washington") is True
    assert ar.postal_matches_state("US", "10001", "wa") is False
    # A region named another way is the same region.
    assert ar.region_of("US", "WA") is not None
    assert ar.region_of("US", "Washington") == ar.region_of("US", "WA")
    assert ar.region_of("US", "Wash") is None


def test_hasher_is_the_keyed_blake2b_of_the_normalised_parts():
    key = hashlib.sha256(b"seller-key").digest()
    hasher = rf.Hasher("seller-key")

    def expected(text):
        return hashlib.blake2b(text.encode(), key=key, digest_size=12).hexdigest()

    assert hasher("  Ava   CARTER ") == expected("ava carter")
    assert hasher("US", "98101", "12  Maple St", None) == expected(
        "us\x1f98101\x1f12 maple st\x1f"
    )
    assert hasher("Straße") == expected("strasse")  # casefold, not lower
    assert hasher("", None) == "" and hasher("   ") == ""
    # The keyed state is reused, never updated: the same input, the same hash.
    assert hasher("x") == hasher("x") == expected("x")
    assert rf.Hasher("other")("x") != hasher("x")


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        (3, int, 3),
        (3.9, int, 3),
        ("3", int, 3),
        ("3.9", int, 3),
        (2**60 + 1, int, 2**60),  # through a float, as before
        (True, int, 1),
        (None, int, None),
        ("", int, None),
        ("x", int, None),
        (float("inf"), int, None),
        ("12.50", float, 12.5),
        (12, float, 12.0),
        (12.5, float, 12.5),
        (float("nan"), float, None),
        (float("inf"), float, None),
        ("1e400", float, None),
        ([], float, None),
    ],
)
def test_api_numbers(value, kind, expected):
    got = rf._number(value, kind)
    assert got == expected and type(got) is type(expected)


def test_addresses_of_is_the_index_of_the_orders_addresses():
    def facts(order_id, address, created, name):
        return rf.OrderFacts(
            order_id=order_id,
            created=created,
            marketplace_id="",
            market_country="US",
            ship_country="US",
            service_level="",
            business=False,
            lines=[],
            value_usd=None,
            units=0,
            buyer_key="",
            address_key=address,
            name_key=name,
        )

    history = [facts("h1", "a", 50.0, "n1"), facts("h2", "b", 10.0, "n2")]
    history += [facts("h3", "a", 5.0, "n3"), facts("h4", "c", 1.0, "n4")]
    base = rf.address_index(history)
    new = [facts("o1", "a", 20.0, "n5"), facts("h2", "b", 10.0, "n2")]
    new += [facts("o2", "d", 3.0, "n6"), facts("o3", "", 4.0, "n7")]
    full = rf.address_index(new, base)
    assert rf.addresses_of(new, base) == {k: full[k] for k in ("a", "b", "d")}
    assert [row[2] for row in full["a"]] == ["h3", "o1", "h1"]  # by time
    assert base["a"] == [(5.0, "n3", "h3"), (50.0, "n1", "h1")]  # untouched
    # Orders (and names) at o1's address within 20 s of it: h3 and o1.
    assert rf.address_crowd(rf.addresses_of(new, base), new[0], 20.0) == (2, 2)
