"""The pricing suggestions' reasons in the user's language: the words of
``core.pricing.REASONS_EN``, one translatable sentence per reason code."""


def reason_texts(env, reasons):
    """``[text]`` of ``((code, params), ...)``."""
    return [_reason(env, code, params) for code, params in reasons]


def _reason(env, code, p):  # noqa: C901 - one sentence per code
    _ = env._
    if code == "foep":
        return _(
            "Amazon expects the featured offer at %(foep)s or less: priced "
            "%(headroom)s%% under it, room for the competitors' next move.",
            **p,
        )
    if code == "raise_to_foep":
        return _(
            "The featured offer is yours at %(price)s and Amazon expects it up "
            "to %(foep)s: raised to %(headroom)s%% under that, keeping the "
            "offer.",
            **p,
        )
    if code == "already_featured":
        return _(
            "The featured offer is already yours at %(price)s: no cut.",
            **p,
        )
    if code == "under_featured":
        return _(
            "Another seller holds the featured offer at %(featured)s: one step "
            "under it.",
            **p,
        )
    if code == "under_lowest":
        return _(
            "No featured offer: one step under the lowest other price %(lowest)s.",
            **p,
        )
    if code == "no_market":
        return _(
            "No featured offer and no other seller's price known: kept.",
            **p,
        )
    if code == "target_margin":
        return _(
            "%(price)s leaves the %(margin)s%% margin wanted after cost "
            "%(cost)s and fees %(fees)s.",
            **p,
        )
    if code == "margin_impossible":
        return _(
            "No price leaves a %(margin)s%% margin: the %(rate)s%% referral fee"
            " and the margin take the whole price.",
            **p,
        )
    if code == "up_to_featured":
        return _(
            "Another seller's featured offer is at %(featured)s: one step under"
            " it, no need to sell lower.",
            **p,
        )
    if code == "match_fba":
        return _(
            "Matches the lowest FBA price of other sellers, %(lowest)s.",
            **p,
        )
    if code == "no_fba":
        return _(
            "No other seller offers it through FBA: kept.",
            **p,
        )
    if code == "held_floor":
        return _(
            "Held at the floor %(floor)s: cost %(cost)s + fees %(fees)s + "
            "%(margin)s%% margin.",
            **p,
        )
    if code == "held_ceiling":
        return _(
            "Limited by your maximum price %(ceiling)s.",
            **p,
        )
    if code == "amazon_limit_recent":
        return _(
            "Limited by Amazon's Automate Pricing limit %(limit)s (6 x recent "
            "sales price %(recent)s).",
            **p,
        )
    if code == "amazon_limit_minimum":
        return _(
            "Limited by Amazon's Automate Pricing limit %(limit)s (its minimum;"
            " 6 x recent sales price %(recent)s is lower).",
            **p,
        )
    if code == "amazon_limit_unknown":
        return _(
            "Limited by Amazon's Automate Pricing limit %(limit)s (its minimum;"
            " no recent sales price known).",
            **p,
        )
    if code == "no_room":
        return _(
            "The guardrails leave no room: the floor %(floor)s is above the "
            "ceiling %(ceiling)s. No price is suggested.",
            **p,
        )
    if code == "floor_is":
        return _(
            "The floor %(floor)s: cost %(cost)s + fees %(fees)s + %(margin)s%% margin.",
            **p,
        )
    if code == "floor_impossible":
        return _(
            "The guardrails leave no room: no price leaves the minimum "
            "%(margin)s%% margin with a %(rate)s%% referral fee.",
            **p,
        )
    if code == "already_there":
        return _(
            "%(price)s is within %(band)s%% of the current %(current)s: already"
            " there, kept.",
            **p,
        )
    if code == "too_soon":
        return _(
            "The last automatic change was %(minutes)s min ago; automatic "
            "changes wait %(interval)s min: kept.",
            **p,
        )
    if code == "outside_guardrails":
        return _(
            "The current price %(current)s is outside the guardrails (%(floor)s"
            " to %(ceiling)s): corrected without waiting.",
            **p,
        )
    if code == "daily_cap":
        return _(
            "Moved at most %(percent)s%% from today's first price %(start)s: "
            "%(price)s.",
            **p,
        )
    if code == "daily_cap_reached":
        return _(
            "Today's allowance of %(percent)s%% from the first price %(start)s "
            "is used up: kept.",
            **p,
        )
    if code == "above_threshold":
        return _(
            "%(price)s is above Amazon's competitive price threshold "
            "%(threshold)s: Amazon does not feature an offer priced so far "
            "above what customers recently paid (Fair Pricing Policy).",
            **p,
        )
    return code
