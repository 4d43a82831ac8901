"""Finances API 2024-06-19 listTransactions: the seller's transactions of
``tests/sandbox/finances.py`` at the simulated clock, in small pages.

Amazon's rules (the operation's parameter descriptions in its model):
``postedAfter`` is required unless a related identifier is given and must be
more than two minutes before the request; ``postedBefore`` (default: two
minutes before the request) must be later than ``postedAfter`` and more than
two minutes before the request; more than 180 days apart, the answer is
empty. Only ``ORDER_ID`` and ``FINANCIAL_EVENT_GROUP_ID`` filter. A page
token carries the query and the snapshot time, so every page of one walk sees
the same transactions however the clock moves meanwhile."""

from datetime import timedelta

from .. import finances, pagination
from ..dataset import iso, parse_time
from ..errors import invalid_input
from ..messages import Reply

# Amazon returns up to 500 transactions a page; the sandbox pages by 10 so
# clients (and tests) meet several pages.
PAGE_SIZE = 10
SETTLE = timedelta(minutes=2)
MAX_SPAN = timedelta(days=180)
STATUSES = ("RELEASED", "DEFERRED", "DEFERRED_RELEASED")
FILTERING_IDENTIFIERS = ("ORDER_ID", "FINANCIAL_EVENT_GROUP_ID")
FILTERS = (
    "postedAfter",
    "postedBefore",
    "marketplaceId",
    "transactionStatus",
    "relatedIdentifierName",
    "relatedIdentifierValue",
)


def _time(values, name):
    try:
        return parse_time(values[name]) if values.get(name) else None
    except (TypeError, ValueError) as exc:
        raise invalid_input(f"{name}: not an ISO 8601 date-time") from exc


def check_query(values, now):
    """Amazon's 400s for a query it refuses (see the module's docstring)."""
    name = values.get("relatedIdentifierName")
    value = values.get("relatedIdentifierValue")
    if bool(name) != bool(value):
        raise invalid_input(
            "relatedIdentifierName and relatedIdentifierValue go together"
        )
    if name and name not in FILTERING_IDENTIFIERS:
        raise invalid_input(
            f"relatedIdentifierName {name} cannot filter: use ORDER_ID or "
            "FINANCIAL_EVENT_GROUP_ID"
        )
    status = values.get("transactionStatus")
    if status and status not in STATUSES:
        raise invalid_input(
            f"transactionStatus {status}: one of RELEASED, DEFERRED, DEFERRED_RELEASED"
        )
    after, before = _time(values, "postedAfter"), _time(values, "postedBefore")
    if after is None and not name:
        raise invalid_input("postedAfter is required without a related identifier")
    if after is not None and after >= now - SETTLE:
        raise invalid_input(
            "postedAfter must be more than two minutes before the request time"
        )
    if before is not None:
        if before >= now - SETTLE:
            raise invalid_input(
                "postedBefore must be more than two minutes before the request time"
            )
        if after is not None and before <= after:
            raise invalid_input("postedBefore must be later than postedAfter")


def select(rows, query, snapshot):
    """The transactions ``query`` asks for among ``rows`` (at ``snapshot``)."""
    after = parse_time(query["postedAfter"]) if query.get("postedAfter") else None
    if query.get("postedBefore"):
        before = parse_time(query["postedBefore"])
    else:
        before = snapshot - SETTLE
    if after is not None and before - after > MAX_SPAN:
        return []
    start = iso(after) if after is not None else ""
    end = iso(before)
    name = query.get("relatedIdentifierName")
    value = query.get("relatedIdentifierValue")
    found = []
    for tx in rows:
        posted = tx["postedDate"]
        if not start <= posted < end:
            continue
        market = query.get("marketplaceId")
        if market and tx["marketplaceDetails"]["marketplaceId"] != market:
            continue
        status = query.get("transactionStatus")
        if status and tx["transactionStatus"] != status:
            continue
        if name and not any(
            r["relatedIdentifierName"] == name and r["relatedIdentifierValue"] == value
            for r in tx["relatedIdentifiers"]
        ):
            continue
        found.append(tx)
    return found


def list_transactions(ctx, values):
    token = values.get("nextToken")
    if token:
        page = pagination.decode(token, "nextToken", required=("o", "q", "s"))
        query, snapshot = page["q"], parse_time(page["s"])
    else:
        snapshot = ctx.now
        check_query(values, snapshot)
        query = {k: values[k] for k in FILTERS if values.get(k)}
        page = {"o": 0}
    with ctx.state.lock:  # a confirmation may be changing an order meanwhile
        rows = finances.transactions(ctx.data, ctx.seller, snapshot)
    found = select(rows, query, snapshot)
    start = page["o"]
    payload = {"transactions": found[start : start + PAGE_SIZE]}
    if start + PAGE_SIZE < len(found):
        payload["nextToken"] = pagination.encode(
            {"q": query, "s": iso(snapshot), "o": start + PAGE_SIZE}
        )
    return Reply(200, {"payload": payload})
