"""Listings Items API patch semantics (selectors), fulfillment availability,
PUT prices, and Product Type Definitions releases in the sandbox."""

import uuid

from sandbox_fixtures import US, require_models, sandbox_fixture, sp_fixture  # noqa: F401

from tests.sandbox.handlers.listings import apply_patch

SELLER = "A1SANDBOXSELLER"
ITEMS = f"/listings/2021-08-01/items/{SELLER}"
DEFINITIONS = "/definitions/2020-09-01/productTypes"


def _new_listing(sp, attributes):
    path = f"{ITEMS}/LST-{uuid.uuid4().hex[:10]}"
    body = {
        "productType": "PRODUCT",
        "requirements": "LISTING_OFFER_ONLY",
        "attributes": attributes,
    }
    reply = sp.call("PUT", path, params={"marketplaceIds": US}, json=body)
    assert reply.json()["status"] == "ACCEPTED", reply.json()
    return path


def _patch(sp, path, *patches):
    body = {"productType": "PRODUCT", "patches": list(patches)}
    reply = sp.call("PATCH", path, params={"marketplaceIds": US}, json=body)
    assert reply.json()["status"] == "ACCEPTED", reply.json()


def _attributes(sp, path):
    return sp.get(path, marketplaceIds=US, includedData="attributes").json()[
        "attributes"
    ]


def test_merge_updates_the_matching_channel_only(sp):
    require_models()
    path = _new_listing(
        sp,
        {
            "fulfillment_availability": [
                {"fulfillment_channel_code": "AMAZON_NA"},
                {
                    "fulfillment_channel_code": "DEFAULT",
                    "quantity": 5,
                    "lead_time_to_ship_max_days": 3,
                },
            ]
        },
    )
    merge = [{"fulfillment_channel_code": "DEFAULT", "quantity": 12}]
    _patch(
        sp,
        path,
        {"op": "merge", "path": "/attributes/fulfillment_availability", "value": merge},
    )
    assert _attributes(sp, path)["fulfillment_availability"] == [
        {"fulfillment_channel_code": "AMAZON_NA"},
        {
            "fulfillment_channel_code": "DEFAULT",
            "quantity": 12,
            "lead_time_to_ship_max_days": 3,
        },
    ]
    item = sp.get(path, marketplaceIds=US, includedData="fulfillmentAvailability")
    assert item.json()["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "AMAZON_NA"},
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 12},
    ]


def test_merge_appends_a_new_channel(sp):
    require_models()
    path = _new_listing(
        sp,
        {"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT"}]},
    )
    value = [{"fulfillment_channel_code": "AMAZON_NA"}]
    _patch(
        sp,
        path,
        {"op": "merge", "path": "/attributes/fulfillment_availability", "value": value},
    )
    item = sp.get(path, marketplaceIds=US, includedData="fulfillmentAvailability")
    codes = [
        a["fulfillmentChannelCode"] for a in item.json()["fulfillmentAvailability"]
    ]
    assert codes == ["DEFAULT", "AMAZON_NA"]


def test_delete_by_selector_removes_only_the_matching_value(sp):
    require_models()
    english = {"value": "Mug", "language_tag": "en_US", "marketplace_id": US}
    spanish = {"value": "Taza", "language_tag": "es_US", "marketplace_id": US}
    path = _new_listing(sp, {"item_name": [english, spanish]})
    gone = [{"language_tag": "es_US", "marketplace_id": US}]
    _patch(sp, path, {"op": "delete", "path": "/attributes/item_name", "value": gone})
    assert _attributes(sp, path)["item_name"] == [english]
    # A value naming no existing selectors removes nothing.
    other = [{"language_tag": "en_US", "marketplace_id": "A2EUQ1WTGCTBG2"}]
    _patch(sp, path, {"op": "delete", "path": "/attributes/item_name", "value": other})
    assert _attributes(sp, path)["item_name"] == [english]
    # Removing the last value removes the attribute.
    last = [{"language_tag": "en_US", "marketplace_id": US}]
    _patch(sp, path, {"op": "delete", "path": "/attributes/item_name", "value": last})
    assert "item_name" not in _attributes(sp, path)


def test_delete_without_a_value_drops_the_attribute(sp):
    require_models()
    brand = [{"value": "Acme", "language_tag": "en_US", "marketplace_id": US}]
    name = [{"value": "Mug", "language_tag": "en_US", "marketplace_id": US}]
    path = _new_listing(sp, {"brand": brand, "item_name": name})
    _patch(sp, path, {"op": "delete", "path": "/attributes/brand"})
    attributes = _attributes(sp, path)
    assert "brand" not in attributes
    assert attributes["item_name"] == name


def test_seeded_listings_report_their_channel(sandbox, sp):
    products = sandbox.dataset()["products"]
    afn = next(p for p in products if p["afn"])
    mfn = next(p for p in products if not p["afn"])
    for product, expected in (
        (afn, [{"fulfillmentChannelCode": "AMAZON_NA"}]),
        (mfn, [{"fulfillmentChannelCode": "DEFAULT", "quantity": 25}]),
    ):
        item = sp.get(
            f"{ITEMS}/{product['sku']}",
            marketplaceIds=US,
            includedData="fulfillmentAvailability",
        ).json()
        assert item["fulfillmentAvailability"] == expected


def test_put_price_shows_in_offers(sp):
    require_models()
    price = [{"schedule": [{"value_with_tax": 23.45}]}]
    offer = [{"marketplace_id": US, "currency": "USD", "our_price": price}]
    path = _new_listing(sp, {"purchasable_offer": offer})
    item = sp.get(path, marketplaceIds=US, includedData="offers").json()
    assert item["offers"][0]["price"] == {"currencyCode": "USD", "amount": "23.45"}


def test_release_bumps_the_version_not_the_schema(sandbox, sp):
    require_models()

    def versions():
        search = sp.get(DEFINITIONS, marketplaceIds=US).json()
        definition = sp.get(f"{DEFINITIONS}/PRODUCT", marketplaceIds=US).json()
        return (
            search["productTypeVersion"],
            definition["productTypeVersion"]["version"],
            definition["schema"]["checksum"],
        )

    search_before, version_before, checksum_before = versions()
    assert search_before == version_before
    releases = sandbox.release_product_type()
    assert releases >= 1
    assert sandbox.get("/_sandbox/product-types/release") == {"releases": releases}
    search_after, version_after, checksum_after = versions()
    assert search_after == version_after
    assert version_after != version_before
    assert checksum_after == checksum_before
    sandbox.release_product_type()
    assert versions()[1] not in (version_before, version_after)


def test_apply_patch_leaves_a_shared_list_alone():
    # feeds.py patches a shallow copy of the stored attributes.
    stored = {"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT"}]}
    attributes = dict(stored)
    value = [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]
    apply_patch(
        attributes,
        {"op": "merge", "path": "/attributes/fulfillment_availability", "value": value},
    )
    assert attributes["fulfillment_availability"] == value
    assert stored["fulfillment_availability"] == [
        {"fulfillment_channel_code": "DEFAULT"}
    ]
    # Without a schema selector list, the usual selector keys in the value count.
    custom = {"custom": [{"marketplace_id": "A", "x": 1}, {"marketplace_id": "B"}]}
    apply_patch(
        custom,
        {
            "op": "merge",
            "path": "/attributes/custom",
            "value": [{"marketplace_id": "A", "y": 2}],
        },
    )
    assert custom["custom"] == [
        {"marketplace_id": "A", "x": 1, "y": 2},
        {"marketplace_id": "B"},
    ]


def test_a_patch_breaking_the_schema_is_refused_and_not_applied(sandbox, sp):
    # The sandbox once applied any patch: a 1,249-character colour (the
    # schema allows 1,000) was ACCEPTED, so a client's handling of Amazon's
    # refusal was never exercised.
    require_models()
    sku = sandbox.dataset()["products"][0]["sku"]
    path = f"{ITEMS}/{sku}"

    def patch_color(value):
        body = {
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/color",
                    "value": [
                        {"value": value, "language_tag": "en_US", "marketplace_id": US}
                    ],
                }
            ],
        }
        reply = sp.call("PATCH", path, params={"marketplaceIds": US}, json=body)
        return reply.json()

    refused = patch_color("g" * 1249)
    assert refused["status"] == "INVALID"
    assert [i["attributeNames"] for i in refused["issues"]] == [["color"]]
    assert "color" not in _attributes(sp, path) or all(
        len(v["value"]) <= 1000 for v in _attributes(sp, path)["color"]
    )
    accepted = patch_color("Forest green")
    assert accepted["status"] == "ACCEPTED", accepted
    assert _attributes(sp, path)["color"][0]["value"] == "Forest green"
