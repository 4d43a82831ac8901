from datetime import datetime, timedelta

import pytest

from amazon_pii.core.purpose import TOTP_HINT, Actor, EntryFacts, base_key, decide

NOW = datetime(2026, 5, 1, 12, 0)
OFFICER = Actor(is_officer=True, is_shipping=False, has_2fa=True, step_up="")
SHIPPING = Actor(is_officer=False, is_shipping=True, has_2fa=True, step_up="")
NOBODY = Actor(is_officer=False, is_shipping=False, has_2fa=True, step_up="")


def entry(key="recipient_name", held=False, fulfilled_at=None):
    return EntryFacts(key, held, fulfilled_at)


def test_officer_may_reveal_anything_for_any_known_purpose():
    for key in ("buyer_email", "buyer_tax_id", "gift_message#item-1"):
        assert decide(OFFICER, entry(key), "customer_service", NOW, 24) == (True, "")


def test_unknown_purpose_is_refused():
    allowed, reason = decide(OFFICER, entry(), "marketing", NOW, 24)
    assert not allowed and "marketing" in reason


def test_users_outside_pii_groups_are_refused_before_2fa_is_mentioned():
    allowed, reason = decide(
        Actor(False, False, has_2fa=False, step_up=""),
        entry(),
        "delivery_slip",
        NOW,
        24,
    )
    assert not allowed and reason.startswith("Only a PII Officer")


def test_two_factor_authentication_is_required_and_explained():
    allowed, reason = decide(
        Actor(True, False, has_2fa=False, step_up=""),
        entry(),
        "customer_service",
        NOW,
        24,
    )
    assert (allowed, reason) == (False, TOTP_HINT)
    assert "Two-factor authentication" in reason


def test_held_entries_are_not_revealable_even_by_officers():
    allowed, reason = decide(OFFICER, entry(held=True), "legal_request", NOW, 24)
    assert not allowed and "legal hold" in reason


@pytest.mark.parametrize("purpose", ["delivery_slip", "shipping_label"])
def test_shipping_reveals_address_for_fulfilment(purpose):
    for key in ("recipient_name", "address_line1", "postal_code", "phone"):
        assert decide(SHIPPING, entry(key), purpose, NOW, 24)[0]


@pytest.mark.parametrize(
    "key", ["buyer_email", "buyer_name", "gift_message#1", "customized_url"]
)
def test_shipping_never_reveals_buyer_identity(key):
    assert not decide(SHIPPING, entry(key), "delivery_slip", NOW, 24)[0]


def test_shipping_only_for_fulfilment_purposes():
    allowed, reason = decide(SHIPPING, entry(), "customer_service", NOW, 24)
    assert not allowed and "fulfilment" in reason


def test_shipping_access_ends_after_shipment_plus_grace():
    shipped = NOW - timedelta(hours=24)
    assert decide(SHIPPING, entry(fulfilled_at=shipped), "shipping_label", NOW, 24)[0]
    late = NOW - timedelta(hours=24, seconds=1)
    allowed, reason = decide(
        SHIPPING, entry(fulfilled_at=late), "delivery_slip", NOW, 24
    )
    assert not allowed and "shipped" in reason


def test_nobody_else():
    assert not decide(NOBODY, entry(), "delivery_slip", NOW, 24)[0]


def test_base_key():
    assert base_key("gift_message#113-1") == "gift_message"
    assert base_key("phone") == "phone"


def test_a_session_without_a_recent_step_up_is_refused_even_for_officers():
    stale = Actor(True, False, has_2fa=True, step_up="confirm your code")
    assert decide(stale, entry(), "customer_service", NOW, 24) == (
        False,
        "confirm your code",
    )
    # Enrolment is explained first: a code cannot be confirmed without it.
    neither = Actor(True, False, has_2fa=False, step_up="confirm your code")
    assert decide(neither, entry(), "customer_service", NOW, 24)[1] == TOTP_HINT
