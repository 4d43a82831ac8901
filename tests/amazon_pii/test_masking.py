import unicodedata

import pytest

from amazon_pii.core.masking import mask, mask_email, mask_phone, mask_postal, pseudonym


@pytest.mark.parametrize(
    "order_id, expected",
    [
        ("113-1234567-7654421", "Amazon buyer 113-...-4421"),
        (" 402-0000000-0001234 ", "Amazon buyer 402-...-1234"),
        ("S01-ABCDEFG-HIJ9876", "Amazon buyer S01...9876"),
        ("AB12", "Amazon buyer AB12"),
        ("", "Amazon buyer"),
        (None, "Amazon buyer"),
    ],
)
def test_pseudonym(order_id, expected):
    assert pseudonym(order_id) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("John Doe", "J*** D**"),
        ("  John   Doe ", "J*** D**"),
        ("Zoë Ångström", "Z** Å*******"),
        (unicodedata.normalize("NFD", "Zoë Ångström"), "Z** Å*******"),
        ("山田 太郎", "山* 太*"),
        ("A", "A"),
        ("12345", "***45"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask(value, expected):
    assert mask(value) == expected


def test_mask_keep_last_for_numbers():
    assert mask("12-345", keep_last=3) == "**-345"
    assert mask("12", keep_last=0) == "**"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("john.doe@example.com", "j***@e***.com"),
        ("abc123@marketplace.amazon.de", "a***@m***.de"),
        ("zoë@bücher.example", "z***@b***.example"),
        ("no-at-sign", "n*********"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(value, expected):
    assert mask_email(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("+1 206-555-0142", "*********42"),
        ("０９０-１２３４-５６７８", "*********７８"),
        ("7", "*"),
        ("no digits", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("98109-1234", "98***-****"),
        ("SW1A 1AA", "SW** ***"),
        ("100-0001", "10*-****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_postal(value, expected):
    assert mask_postal(value) == expected
