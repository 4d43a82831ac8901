"""The glue between Amazon's listing JSON, its images and restrictions and
the rule engine (amazon_ai/core/listing_compliance.py)."""

import io

from PIL import Image, ImageDraw

from amazon_ai.core import listing_compliance as lc

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"


def png(size, product=True):
    image = Image.new("RGB", size, (255, 255, 255))
    if product:
        width, height = size
        ImageDraw.Draw(image).rectangle(
            (width * 0.05, height * 0.05, width * 0.95, height * 0.95),
            fill=(20, 40, 120),
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def attributes(title, bullets=(), description="", keywords="", brand="Acme"):
    def text(value, market=US, lang="en_US"):
        return {"value": value, "marketplace_id": market, "language_tag": lang}

    return {
        "item_name": [text(title), text("Brotdose aus Stahl", DE, "de_DE")],
        "bullet_point": [text(b) for b in bullets],
        "product_description": [text(description)] if description else [],
        "generic_keyword": [text(keywords)] if keywords else [],
        "brand": [{"value": brand, "marketplace_id": US}],
    }


def test_listing_text_reads_this_marketplaces_values_only():
    listing = lc.listing_text(
        attributes("Lunch box", ["Stackable", "Leak proof"], "Keeps food.", "bento"),
        US,
        "en_US",
    )
    assert listing == {
        "title": "Lunch box",
        "bullets": ["Stackable", "Leak proof"],
        "description": "Keeps food.",
        "search_terms": "bento",
        "brand": "Acme",
    }
    # The German title is another marketplace's copy, not this one's.
    assert lc.listing_text(attributes("Lunch box"), DE, "de_DE")["title"] == (
        "Brotdose aus Stahl"
    )


def test_every_image_is_checked_the_main_one_with_all_its_rules():
    good_main = png((1200, 1200))
    small_other = png((600, 600))
    rules = [
        (f.rule, f.attribute)
        for f in lc.image_findings(
            [
                ("main_product_image_locator", good_main),
                ("other_product_image_locator_1", small_other),
            ]
        )
    ]
    assert rules == [("image.size", "other_product_image_locator_1")]
    # A lifestyle photo (no white background) as another image is fine; as
    # the main image it is not.
    scene = Image.new("RGB", (1200, 1200), (90, 140, 60))
    buffer = io.BytesIO()
    scene.save(buffer, "PNG")
    other = lc.image_findings([("other_product_image_locator_1", buffer.getvalue())])
    main = lc.image_findings([("main_product_image_locator", buffer.getvalue())])
    assert other == []
    assert "image.background" in {f.rule for f in main}
    unreadable = lc.image_findings([("other_product_image_locator_2", b"nope")])
    assert [(f.rule, f.severity) for f in unreadable] == [("image.unreadable", "error")]


def test_restrictions_apply_to_the_listings_condition_with_amazons_links():
    answer = {
        "restrictions": [
            {
                "marketplaceId": US,
                "conditionType": "used_good",
                "reasons": [
                    {
                        "reasonCode": "APPROVAL_REQUIRED",
                        "message": "You need approval.",
                        "links": [
                            {
                                "resource": "https://sellercentral.amazon.com/x",
                                "verb": "GET",
                                "title": "Request Approval via Seller Central.",
                            }
                        ],
                    }
                ],
            }
        ]
    }
    assert lc.restriction_findings(answer, "B0USEDG001", "new_new") == []
    found = lc.restriction_findings(answer, "B0USEDG001", "used_good")
    assert len(found) == 1
    assert found[0].rule == "restriction.approval_required"
    assert found[0].severity == "error"
    assert found[0].params["links"] == [
        {
            "url": "https://sellercentral.amazon.com/x",
            "title": "Request Approval via Seller Central.",
        }
    ]
    assert "You need approval." in found[0].render()
    # Without a condition the restriction holds in every condition.
    every = {
        "restrictions": [
            {
                "marketplaceId": US,
                "reasons": [{"reasonCode": "NOT_ELIGIBLE", "message": "No."}],
            }
        ]
    }
    assert [f.rule for f in lc.restriction_findings(every, "B0X", "new_new")] == [
        "restriction.not_eligible"
    ]
    assert lc.restriction_findings({"restrictions": []}, "B0X", "new_new") == []


def test_restrictions_not_read_are_a_warning_that_says_why():
    # Bug caught: the function was misnamed, so every failed reading of
    # Amazon's restrictions crashed the check instead of warning.
    found = lc.unread_finding("Amazon answered 503")
    assert (found.rule, found.severity, found.attribute) == (
        "restriction.unread",
        "warning",
        lc.RESTRICTION,
    )
    assert found.params == {"error": "Amazon answered 503"}
    listing = lc.listing_text(attributes("Lunch box", ["Keeps food fresh"], ""), US)
    evaluated = lc.evaluate(listing, restrictions=[found])
    assert [f.rule for f, _fp in evaluated] == ["restriction.unread"]


def test_evaluate_runs_text_images_and_restrictions_errors_first():
    listing = lc.listing_text(
        attributes("Lunch box", ["Kills 99.9% of germs"], "Eco-friendly box."), US
    )
    found = lc.evaluate(
        listing,
        images=[("main_product_image_locator", png((500, 500)))],
        restrictions=lc.restriction_findings(
            {
                "restrictions": [
                    {
                        "marketplaceId": US,
                        "reasons": [{"reasonCode": "NOT_ELIGIBLE", "message": "No."}],
                    }
                ]
            },
            "B0X",
            "new_new",
        ),
    )
    rules = [f.rule for f, _ in found]
    assert {"claim.pesticide", "image.size", "restriction.not_eligible"} <= set(rules)
    assert "claim.environmental" in rules  # a warning
    severities = [f.severity for f, _ in found]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert all(len(fp) == 40 for _, fp in found)


def test_fingerprint_changes_with_the_text_and_only_with_it():
    """An override names fingerprints: the same finding in changed text must
    not be covered, the same text read again must be."""
    clean = ["Stackable lunch box"]

    def pesticide(title, bullets=clean):
        listing = lc.listing_text(attributes(title, bullets), US)
        return [fp for f, fp in lc.evaluate(listing) if f.rule == "claim.pesticide"]

    first = pesticide("Antibacterial lunch box")
    assert len(first) == 1
    assert pesticide("Antibacterial lunch box") == first
    assert pesticide("Antibacterial lunch box, blue") != first
    # A change in another attribute leaves the title's finding as it was.
    assert pesticide("Antibacterial lunch box", ["Leak proof lid"]) == first
