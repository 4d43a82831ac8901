"""Listings Restrictions API 2021-08-01 ``getListingsRestrictions``.

The verdict depends on the ASIN's prefix only, so tests and the demo can ask
for each kind of answer Amazon gives (the catalogue's own ASINs are random
and therefore unrestricted):

- ``B0GATED...``: approval required in every condition, with Amazon's
  "Request Approval via Seller Central." link;
- ``B0USEDG...``: new conditions are fine, every other condition needs
  approval (Amazon gates used and collectible offers of many brands);
- ``B0NOTEL...``: not eligible in any condition, without a link (Amazon
  gives no path forward for NOT_ELIGIBLE);
- ``B0NOTFOUND``: ASIN_NOT_FOUND;
- anything else: no restriction (an empty ``restrictions`` list).

Without ``conditionType`` a restriction that holds in every condition is
returned once without a condition, one that depends on it once per
restricted condition, as Amazon's model describes ("optionally qualified by
a condition").
"""

from ..messages import Reply

# Amazon's conditionType enumeration (model order).
CONDITIONS = (
    "new_new",
    "new_open_box",
    "new_oem",
    "refurbished_refurbished",
    "used_like_new",
    "used_very_good",
    "used_good",
    "used_acceptable",
    "collectible_like_new",
    "collectible_very_good",
    "collectible_good",
    "collectible_acceptable",
    "club_club",
)
SELLER_CENTRAL = {
    "ATVPDKIKX0DER": "sellercentral.amazon.com",
    "A2EUQ1WTGCTBG2": "sellercentral.amazon.ca",
    "A1F83G8C2ARO7P": "sellercentral.amazon.co.uk",
    "A1PA6795UKMFR9": "sellercentral.amazon.de",
    "A13V1IB3VIYZZH": "sellercentral.amazon.fr",
    "A1VC38T7YXB528": "sellercentral.amazon.co.jp",
}


def _approval(asin, marketplace):
    host = SELLER_CENTRAL.get(marketplace, "sellercentral.amazon.com")
    return {
        "reasonCode": "APPROVAL_REQUIRED",
        "message": "You need approval to list in this brand or category.",
        "links": [
            {
                "resource": f"https://{host}/hz/approvalrequest/restrictions/"
                f"approve?asin={asin}",
                "verb": "GET",
                "title": "Request Approval via Seller Central.",
                "type": "text/html",
            }
        ],
    }


def _reason(asin, marketplace, condition):
    """The reason ``asin`` cannot be listed in ``condition``, or None."""
    if asin == "B0NOTFOUND":
        return {
            "reasonCode": "ASIN_NOT_FOUND",
            "message": "The ASIN does not exist in this marketplace.",
        }
    if asin.startswith("B0NOTEL"):
        return {
            "reasonCode": "NOT_ELIGIBLE",
            "message": "You cannot list this product.",
        }
    if asin.startswith("B0GATED"):
        return _approval(asin, marketplace)
    if asin.startswith("B0USEDG") and not condition.startswith("new_"):
        return _approval(asin, marketplace)
    return None


def _every_condition(asin):
    return asin == "B0NOTFOUND" or asin.startswith(("B0NOTEL", "B0GATED"))


def get_listings_restrictions(ctx, values):
    asin = values["asin"]
    wanted = values.get("conditionType")
    restrictions = []
    for marketplace in values["marketplaceIds"]:
        if wanted:
            conditions = [wanted]
        elif _every_condition(asin):
            conditions = [None]
        else:
            conditions = CONDITIONS
        for condition in conditions:
            reason = _reason(asin, marketplace, condition or "new_new")
            if reason is None:
                continue
            restriction = {"marketplaceId": marketplace, "reasons": [reason]}
            if condition:
                restriction["conditionType"] = condition
            restrictions.append(restriction)
    return Reply(200, {"restrictions": restrictions})
