"""Iterate over every page of a paginated operation exactly once.

SP-API uses three shapes: the token in ``pagination.nextToken`` (Orders
2026-01-01, Listings Items, FBA Inventory), in ``payload.nextToken``
(Finances 2024-06-19) or at the top level ``nextToken`` (older APIs); the
request parameter that sends it back is named per operation
(``paginationToken``, ``pageToken``, ``nextToken``).
"""

from .errors import PermanentError


def next_token(page):
    """The token for the next page, in any of the shapes, else None."""
    if not isinstance(page, dict):
        return None
    nested = page.get("pagination")
    if isinstance(nested, dict) and nested.get("nextToken"):
        return nested["nextToken"]
    payload = page.get("payload")
    if isinstance(payload, dict) and payload.get("nextToken"):
        return payload["nextToken"]
    return page.get("nextToken") or None


def iter_pages(fetch, token_param, operation=None, start_token=None):
    """Yield ``fetch(**{token_param: token})`` pages until no token is left.

    ``fetch`` is called without the token for the first page, or with
    ``start_token`` to resume an interrupted walk (each page carries the token
    of the next: a caller saves it to resume later). A token seen twice would
    loop forever: it is a PermanentError instead.
    """
    seen = set()
    page = fetch(**{token_param: start_token}) if start_token else fetch()
    while True:
        yield page
        token = next_token(page)
        if token is None:
            return
        if token in seen:
            raise PermanentError("pagination token repeated", operation=operation)
        seen.add(token)
        page = fetch(**{token_param: token})


def iter_items(pages, key):
    """Flatten the ``key`` list of every page."""
    for page in pages:
        yield from (page or {}).get(key) or ()
