"""Listing copy from an OpenAI-compatible chat completions endpoint.

Optional: an administrator may configure one (the seller's own Ollama server,
for example). This module builds the request from the seller's product data
only, reads the answer, and passes it through the same repair as the local
generator (``listing_copy.repair``): what the rule engine refuses is removed,
never proposed as is.

What leaves the machine is exactly ``prompt_data(product)``: the keys of
``PROMPT_KEYS``, copied one by one from the product dict, so a caller that
hands over more (an order, a buyer, a secret) sends none of it
(docs/data-protection.md #30). The HTTP call itself is injected (``post``):
the Odoo layer passes the connector's one outbound function with the host
allow-list; this module never opens a connection.
"""

import json
import re

from . import listing_copy
from .listing_text_rules import BULLET_MAX_LENGTH, SEARCH_TERMS_MAX_BYTES

GENERATOR_PREFIX = "llm"
# The seller's product data, and nothing else, in this order.
PROMPT_KEYS = (
    "name",
    "brand",
    "category",
    "description",
    "attributes",
    "measures",
    "unit_count",
    "variants",
)
# Of the seller's own listings of the same product type: their text only.
LISTING_KEYS = ("title", "bullets")
MAX_EXAMPLES = 5
MAX_ANSWER_CHARS = 60000

SYSTEM = (
    "You write Amazon product listings in English from the seller's product "
    "data. Answer with one JSON object and nothing else: "
    '{"title": str, "bullets": [5 str], "description": str, "search_terms": str}. '
    "Rules: the title at most %(title)s characters, no ! $ ? _ { } ^ and no "
    "word more than twice; each bullet at most %(bullet)s characters; no emoji, "
    "prices, discounts, shipping, reviews, guarantees, refunds, contact "
    "details, links or ASINs; no health, pesticide, antibacterial, FDA or "
    "environmental claims; search terms are lower-case words separated by "
    "spaces, under %(terms)s bytes, without brand names or words of the title. "
    "State only facts found in the product data: never invent materials, "
    "sizes, measures, counts or colours."
)


class AnswerError(Exception):
    """The endpoint answered something that is not a listing proposal."""


def prompt_data(product):
    """The product data the prompt carries: ``PROMPT_KEYS`` and the seller's
    own listings' titles and bullets, copied key by key."""
    data = {}
    for key in PROMPT_KEYS:
        value = product.get(key)
        if value not in (None, "", [], {}, False):
            data[key] = value
    examples = []
    for listing in (product.get("listings") or ())[:MAX_EXAMPLES]:
        example = {k: listing.get(k) for k in LISTING_KEYS if listing.get(k)}
        if example:
            examples.append(example)
    if examples:
        data["seller_listings_of_the_same_type"] = examples
    return data


def messages(product, limits=None):
    limits = limits or {}
    rules = SYSTEM % {
        "title": min(limits.get("title_max_length") or 200, 200),
        "bullet": limits.get("bullet_max_length") or BULLET_MAX_LENGTH,
        "terms": SEARCH_TERMS_MAX_BYTES,
    }
    return [
        {"role": "system", "content": rules},
        {
            "role": "user",
            "content": "Product data (JSON):\n"
            + json.dumps(prompt_data(product), ensure_ascii=False, sort_keys=True),
        },
    ]


def request_body(model, product, limits=None):
    """The chat completions request: temperature 0 and a fixed seed, so an
    endpoint that honours them answers the same data the same way."""
    return {
        "model": model,
        "messages": messages(product, limits),
        "temperature": 0,
        "seed": 0,
        "stream": False,
        "response_format": {"type": "json_object"},
    }


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_answer(content):
    """``{"title", "bullets", "description", "search_terms"}`` from a chat
    completions reply (bytes or str); ``AnswerError`` when it holds none."""
    try:
        reply = json.loads(content)
        text = reply["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise AnswerError("not a chat completions reply") from None
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        raise AnswerError("the reply's message is not text of a usable size")
    found = _JSON_OBJECT.search(text)  # models wrap JSON in prose or fences
    try:
        answer = json.loads(found.group(0)) if found else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise AnswerError("the reply holds no JSON object")
    bullets = answer.get("bullets") or []
    if isinstance(bullets, str):
        bullets = [bullets]
    out = {
        "title": answer.get("title"),
        "bullets": [b for b in bullets if isinstance(b, str)],
        "description": answer.get("description"),
        "search_terms": answer.get("search_terms"),
    }
    if isinstance(out["search_terms"], list):
        out["search_terms"] = " ".join(str(t) for t in out["search_terms"])
    for key in ("title", "description", "search_terms"):
        if not isinstance(out[key], str):
            out[key] = ""
    if not any([out["title"], out["bullets"], out["description"]]):
        raise AnswerError("the reply's JSON has no listing text")
    return out


def propose(product, limits, *, url, model, api_key, post):
    """A proposal written by the endpoint at ``url`` (its base, e.g.
    ``http://127.0.0.1:11434/v1``), repaired like the local generator's.

    ``post(url, body, headers)`` sends the request and returns the reply's
    bytes (the Odoo layer: the connector's ``outbound_post`` with the
    allow-list). Its errors propagate; ``AnswerError`` for an unusable reply.
    """
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    content = post(
        url.rstrip("/") + "/chat/completions",
        request_body(model, product, limits),
        headers,
    )
    answer = parse_answer(content)
    bullets = answer["bullets"][: listing_copy.BULLET_COUNT]
    listing, findings, removed = listing_copy.repair(
        dict(answer, bullets=bullets, brand=product.get("brand")), product, limits
    )
    return {
        "generator": f"{GENERATOR_PREFIX}:{model}",
        "title": listing["title"],
        "bullets": listing["bullets"],
        "description": listing["description"],
        "search_terms": listing["search_terms"],
        "keywords": [],
        "findings": findings,
        "removed": removed,
    }
