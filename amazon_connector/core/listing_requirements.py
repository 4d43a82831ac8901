"""What the listing form says about each required attribute.

A listing Amazon sells (status BUYABLE or DISCOVERABLE) has every required
attribute somewhere: what the seller's own listing item lacks (``brand``,
``bullet_point``... of an offer on an existing ASIN) Amazon takes from its
catalog item, which the Listings Items API does not return. Calling those
"Missing" sent sellers chasing attributes Amazon already has. They are
"missing" only when this listing's edits removed them (the next submission
deletes them) or when Amazon itself reports an issue on them.
"""

FILLED = "filled"
ON_AMAZON = "on_amazon"
MISSING = "missing"

LIVE_STATUSES = frozenset({"BUYABLE", "DISCOVERABLE"})


def is_live(on_amazon, amazon_status):
    """Amazon holds the SKU and shows it (``amazon_status``: "BUYABLE, ...")."""
    statuses = {s.strip() for s in (amazon_status or "").split(",")}
    return bool(on_amazon) and bool(statuses & LIVE_STATUSES)


def requirement_state(name, attributes, submitted, live, flagged):
    """``filled``, ``on_amazon`` or ``missing`` for attribute ``name``.

    ``attributes``: the listing's values in Odoo; ``submitted``: what Amazon
    holds from the seller (last submission or import); ``live``: see
    ``is_live``; ``flagged``: attribute names Amazon's issues name.
    """
    if name in (attributes or {}):
        return FILLED
    removed_here = name in (submitted or {})
    if live and not removed_here and name not in flagged:
        return ON_AMAZON
    return MISSING


def without_supplied(issues, attributes, submitted, live, flagged):
    """``issues`` (core.ptd_messages.Issue) less the top-level "required"
    errors on attributes Amazon supplies to a live listing: the local check
    would otherwise refuse to send a live listing's price or title change for
    a ``brand`` Amazon has all along."""
    if not live:
        return list(issues)
    return [
        issue
        for issue in issues
        if not (
            issue.keyword == "required"
            and issue.path == ""
            and requirement_state(issue.attribute, attributes, submitted, live, flagged)
            == ON_AMAZON
        )
    ]
