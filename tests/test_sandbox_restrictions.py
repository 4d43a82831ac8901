"""Listings Restrictions API in the sandbox: each ASIN kind gives Amazon's
verdict, per condition, and every answer passes Amazon's model (the sandbox
answers 500 when its own response fails the model, so a 200 proves it)."""

from sandbox_fixtures import US, require_models, sandbox_fixture, sp_fixture  # noqa: F401

PATH = "/listings/2021-08-01/restrictions"
SELLER = "A1SANDBOXSELLER"


def _restrictions(sp, asin, **params):
    reply = sp.get(PATH, asin=asin, sellerId=SELLER, marketplaceIds=US, **params)
    assert reply.status_code == 200, reply.text
    return reply.json()["restrictions"]


def test_an_ordinary_asin_has_no_restriction(sp):
    require_models()
    assert _restrictions(sp, "B0ABCDEFGH") == []
    assert _restrictions(sp, "B0ABCDEFGH", conditionType="used_good") == []


def test_gated_asin_needs_approval_with_amazons_link(sp):
    require_models()
    found = _restrictions(sp, "B0GATED001", conditionType="new_new")
    assert len(found) == 1
    assert found[0]["conditionType"] == "new_new"
    reason = found[0]["reasons"][0]
    assert reason["reasonCode"] == "APPROVAL_REQUIRED"
    assert reason["links"][0]["resource"] == (
        "https://sellercentral.amazon.com/hz/approvalrequest/restrictions/"
        "approve?asin=B0GATED001"
    )
    assert reason["links"][0]["verb"] == "GET"


def test_used_gated_asin_is_fine_new_and_restricted_used(sp):
    require_models()
    assert _restrictions(sp, "B0USEDG001", conditionType="new_new") == []
    used = _restrictions(sp, "B0USEDG001", conditionType="used_good")
    assert [r["reasons"][0]["reasonCode"] for r in used] == ["APPROVAL_REQUIRED"]
    # Without a condition: one restriction per restricted condition, none new.
    every = _restrictions(sp, "B0USEDG001")
    conditions = {r["conditionType"] for r in every}
    assert "used_good" in conditions and "collectible_good" in conditions
    assert not {c for c in conditions if c.startswith("new_")}


def test_not_eligible_has_no_path_forward_and_unknown_asin_is_said(sp):
    require_models()
    found = _restrictions(sp, "B0NOTEL001", conditionType="new_new")
    assert found[0]["reasons"][0]["reasonCode"] == "NOT_ELIGIBLE"
    assert "links" not in found[0]["reasons"][0]
    missing = _restrictions(sp, "B0NOTFOUND")
    assert missing[0]["reasons"][0]["reasonCode"] == "ASIN_NOT_FOUND"
    assert "conditionType" not in missing[0]


def test_a_condition_outside_amazons_enum_is_refused(sp):
    require_models()
    reply = sp.get(
        PATH,
        asin="B0GATED001",
        sellerId=SELLER,
        marketplaceIds=US,
        conditionType="brand_new",
    )
    assert reply.status_code == 400
