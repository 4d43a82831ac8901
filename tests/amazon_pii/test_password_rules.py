"""core/password_rules.py: the rule for users who can reach Amazon data."""

import pytest

from amazon_pii.core import password_rules

COMPLIANT = "Quiet-Harbour-42"


def test_a_compliant_password_has_no_problem():
    assert password_rules.problems(COMPLIANT) == []


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        # One class removed at a time from a compliant password: each rule is
        # checked on its own (a rule that never fires fails its case).
        ("quiet-harbour-42", "an uppercase letter"),
        ("QUIET-HARBOUR-42", "a lowercase letter"),
        ("Quiet-Harbour-xy", "a digit"),
        ("QuietHarbour4242", "a symbol"),
    ],
)
def test_each_missing_class_is_named(password, missing):
    assert password_rules.problems(password) == [missing]


def test_length_counts_exactly_twelve():
    assert password_rules.problems("Ab1!Ab1!Ab1!") == []
    assert password_rules.problems("Ab1!Ab1!Ab1") == [
        "at least 12 characters (it has 11)"
    ]


def test_every_problem_is_listed_and_the_password_never_echoed():
    found = password_rules.problems("abc")
    assert found == [
        "at least 12 characters (it has 3)",
        "an uppercase letter",
        "a digit",
        "a symbol",
    ]
    assert not any("abc" in problem for problem in found)


def test_spaces_are_not_symbols_and_empty_is_refused():
    assert password_rules.problems("Quiet Harbour 42") == ["a symbol"]
    assert len(password_rules.problems("")) == 5
    assert len(password_rules.problems(None)) == 5


def test_non_ascii_letters_count_in_their_class():
    assert password_rules.problems("Ünïcödé-Pässwört-7") == []


@pytest.mark.parametrize(
    ("configured", "expected"),
    [(0, 10), (None, 10), (5, 10), ("10", 10), (30, 30), (-1, -1)],
)
def test_history_never_below_ten_unless_unlimited(configured, expected):
    assert password_rules.history_size(configured) == expected


def test_the_login_inside_the_password_is_refused():
    assert password_rules.problems("Quiet-Harbour-42", login="harbour") == [
        "not containing the login"
    ]
    assert password_rules.problems("Quiet-Harbour-42", login="someone") == []
