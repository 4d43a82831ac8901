"""Variation families in the sandbox: the SANDBOX_APPAREL product type
(Amazon's PRODUCT schema plus size) and Amazon's family checks on
submission (parent first, the parent's theme, the theme's values)."""

import uuid

from sandbox_fixtures import US, require_models, sandbox_fixture, sp_fixture  # noqa: F401

from amazon_connector.core.ptd import PTDValidator, load_meta_schema

SELLER = "A1SANDBOXSELLER"
ITEMS = f"/listings/2021-08-01/items/{SELLER}"
DEFINITIONS = "/definitions/2020-09-01/productTypes"
TYPE = "SANDBOX_APPAREL"


def _text(value):
    return [{"value": value, "marketplace_id": US, "language_tag": "en_US"}]


def _mp(**value):
    return [{"marketplace_id": US, **value}]


def _base(title):
    """What every listing of the family carries (Amazon's always-required
    attributes and the ones its rules ask when no offer channel is given)."""
    return {
        "item_name": _text(title),
        "brand": _text("Acme"),
        "product_description": _text("A plain cotton shirt."),
        "bullet_point": _text("Cotton"),
        "color": _text("Blue"),
        "country_of_origin": _mp(value="DE"),
        "item_type_keyword": _mp(value="shirts"),
        "supplier_declared_dg_hz_regulation": _mp(value="not_applicable"),
        "batteries_required": _mp(value=False),
        "item_package_weight": _mp(value=0.3, unit="kilograms"),
        "item_package_dimensions": _mp(
            length={"value": 30, "unit": "centimeters"},
            width={"value": 20, "unit": "centimeters"},
            height={"value": 3, "unit": "centimeters"},
        ),
    }


def _parent(theme="SIZE/COLOR"):
    return {
        **_base("Shirt"),
        "skip_offer": _mp(value=True),
        "supplier_declared_has_product_identifier_exemption": _mp(value=True),
        "parentage_level": _mp(value="parent"),
        "child_parent_sku_relationship": _mp(child_relationship_type="variation"),
        "variation_theme": [{"name": theme}],
    }


def _child(parent_sku, size="M", color="Red", theme="SIZE/COLOR"):
    attributes = {
        **_base(f"Shirt {size} {color}"),
        **_parent(theme),
        "parentage_level": _mp(value="child"),
        "child_parent_sku_relationship": _mp(
            child_relationship_type="variation", parent_sku=parent_sku
        ),
        "color": _text(color),
    }
    if size is not None:
        attributes["size"] = _text(size)
    return attributes


def _put(sp, sku, attributes, mode=None):
    params = {"marketplaceIds": US, "includedData": "issues"}
    if mode:
        params["mode"] = mode
    body = {"productType": TYPE, "requirements": "LISTING", "attributes": attributes}
    return sp.call("PUT", f"{ITEMS}/{sku}", params=params, json=body).json()


def _sku(kind):
    return f"VAR-{kind}-{uuid.uuid4().hex[:8]}"


def test_apparel_type_is_product_plus_size_with_size_colour_themes(sp):
    require_models()
    definition = sp.get(f"{DEFINITIONS}/{TYPE}", marketplaceIds=US).json()
    assert definition["productType"] == TYPE
    assert "sandbox" in definition["displayName"].lower()
    link = definition["schema"]["link"]["resource"]
    schema = sp.http.get(link).json()  # the presigned-URL lookalike
    props = schema["properties"]
    # Shaped as Amazon's own color attribute: same selectors and value object.
    assert props["size"]["selectors"] == props["color"]["selectors"]
    assert set(props["size"]["items"]["properties"]) == {
        "value",
        "language_tag",
        "marketplace_id",
    }
    themes = props["variation_theme"]["items"]["properties"]["name"]["enum"]
    assert "SIZE/COLOR" in themes and "SIZE_NAME/COLOR_NAME" in themes
    assert "AGE_GENDER_CATEGORY" not in themes  # cut to size and colour
    # It still compiles against Amazon's meta-schema, as PRODUCT does.
    assert (
        PTDValidator(schema, meta_schema=load_meta_schema()).validate(_parent()) == []
    )


def test_a_child_without_its_parent_is_refused(sp):
    require_models()
    reply = _put(sp, _sku("C"), _child(_sku("MISSING")))
    assert reply["status"] == "INVALID"
    names = {n for issue in reply["issues"] for n in issue.get("attributeNames", [])}
    assert "child_parent_sku_relationship" in names, reply["issues"]


def test_family_parent_then_children_with_their_theme_values(sandbox, sp):
    require_models()
    parent_sku = _sku("P")
    reply = _put(sp, parent_sku, _parent())
    assert reply["status"] == "ACCEPTED", reply
    # The theme's axes must be filled on a child: no size, refused.
    refused = _put(sp, _sku("C"), _child(parent_sku, size=None))
    assert refused["status"] == "INVALID"
    assert any("size" in i.get("attributeNames", []) for i in refused["issues"])
    # Another theme than its parent's: refused.
    other = _put(sp, _sku("C"), _child(parent_sku, theme="SIZE_NAME/COLOR_NAME"))
    assert other["status"] == "INVALID"
    assert any(
        "variation_theme" in i.get("attributeNames", []) for i in other["issues"]
    )
    child_sku = _sku("C")
    accepted = _put(sp, child_sku, _child(parent_sku))
    assert accepted["status"] == "ACCEPTED", accepted
    params = {"marketplaceIds": US, "includedData": "relationships"}
    child = sp.get(f"{ITEMS}/{child_sku}", **params).json()
    relation = child["relationships"][0]["relationships"][0]
    assert relation["parentSkus"] == [parent_sku]
    assert relation["variationTheme"] == {
        "attributes": ["size", "color"],
        "theme": "SIZE/COLOR",
    }
    parent = sp.get(f"{ITEMS}/{parent_sku}", **params).json()
    assert parent["relationships"][0]["relationships"][0]["childSkus"] == [child_sku]
    # The relationships answered are valid by Amazon's Listings Items model.
    assert sandbox.stats()["invalidResponses"] == []
