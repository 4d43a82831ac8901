"""core.listing_requirements: a live listing does not call "Missing" what
Amazon's catalog supplies (issue #19, item 4)."""

from amazon_connector.core.listing_requirements import (
    FILLED,
    MISSING,
    ON_AMAZON,
    is_live,
    requirement_state,
)

IMPORTED = {"item_name": [{"value": "Mug"}], "purchasable_offer": [{}]}


def test_live_means_on_amazon_and_buyable_or_discoverable():
    assert is_live(True, "BUYABLE, DISCOVERABLE")
    assert is_live(True, "DISCOVERABLE")
    assert not is_live(True, "")  # accepted, not processed yet
    assert not is_live(True, False)
    assert not is_live(False, "BUYABLE")  # never on Amazon: status is stale


def test_live_listing_attribute_amazon_supplies_is_not_missing():
    # Bug caught: "brand: Missing" on a listing Amazon sells.
    assert requirement_state("brand", IMPORTED, IMPORTED, True, set()) == ON_AMAZON


def test_present_attribute_is_filled_live_or_not():
    assert requirement_state("item_name", IMPORTED, IMPORTED, True, set()) == FILLED
    assert requirement_state("item_name", IMPORTED, {}, False, set()) == FILLED


def test_draft_listing_still_says_missing():
    assert requirement_state("brand", IMPORTED, {}, False, set()) == MISSING


def test_attribute_removed_in_odoo_is_missing_even_live():
    # The next submission deletes it: the seller must see that.
    local = {"purchasable_offer": [{}]}
    assert requirement_state("item_name", local, IMPORTED, True, set()) == MISSING


def test_attribute_amazon_reports_an_issue_on_is_missing():
    assert requirement_state("brand", IMPORTED, IMPORTED, True, {"brand"}) == MISSING


def test_local_check_drops_required_errors_amazon_supplies_on_live_listings():
    from amazon_connector.core.listing_requirements import without_supplied
    from amazon_connector.core.ptd_messages import Issue

    brand = Issue("", "required", "error", "brand is required", "brand")
    nested = Issue("/item_name/0", "required", "error", "value", "item_name")
    typo = Issue("/item_name/0/value", "type", "error", "not a string", "item_name")
    issues = [brand, nested, typo]
    # Not live: every issue stays (a new listing must give a brand).
    assert without_supplied(issues, IMPORTED, {}, False, set()) == issues
    # Live: Amazon's catalog supplies the brand; the other errors are real.
    assert without_supplied(issues, IMPORTED, IMPORTED, True, set()) == [nested, typo]
    # Live but Amazon itself reports the brand: kept.
    assert without_supplied(issues, IMPORTED, IMPORTED, True, {"brand"}) == issues
