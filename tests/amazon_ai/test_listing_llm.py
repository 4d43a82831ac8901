"""Listing copy from an OpenAI-compatible endpoint: a real local HTTP server
speaking chat completions, reached through the connector's one outbound
function with its host allow-list."""

import json

import pytest

from amazon_ai.core import listing_copy as lc
from amazon_ai.core import listing_llm as llm
from amazon_ai.core import listing_rules as lr
from amazon_connector.core.spapi.errors import PermanentError
from amazon_connector.core.spapi.transport import outbound_post
from tests.sandbox.chat_completions import ChatServer

PRODUCT = {
    "name": "Water Bottle",
    "brand": "Acme",
    "category": "Drinkware",
    "description": "Keeps drinks cold for 24 hours.",
    "attributes": {"Material": "stainless steel", "Color": "Blue"},
    "measures": ["750 ml"],
    "listings": [{"title": "Acme Insulated Flask", "bullets": ["Keeps tea hot"]}],
}
GOOD = {
    "title": "Acme Water Bottle, stainless steel, Blue, 750 ml",
    "bullets": [
        "Keeps drinks cold for 24 hours",
        "Stainless steel, 750 ml",
        "Blue finish",
        "Screw lid",
        "For the gym and the office",
    ],
    "description": "A stainless steel water bottle that keeps drinks cold.",
    "search_terms": "flask thermos gym",
}


def post_to(hosts):
    def post(url, body, headers):
        return outbound_post(
            url, body, headers=headers, allowed_hosts=hosts, timeout=5
        ).content

    return post


def ask(server, product=PRODUCT, hosts=("127.0.0.1",)):
    return llm.propose(
        product,
        {},
        url=server.url,
        model="llama3.1",
        api_key="sk-test-key-1234",
        post=post_to(hosts),
    )


def test_a_clean_answer_is_proposed_as_the_endpoint_wrote_it():
    with ChatServer(api_key="sk-test-key-1234", answer=json.dumps(GOOD)) as server:
        proposal = ask(server)
    assert proposal["generator"] == "llm:llama3.1"
    for key in ("title", "bullets", "description", "search_terms"):
        assert proposal[key] == GOOD[key], key
    assert proposal["removed"] == []
    ((headers, body),) = server.requests
    assert headers["Authorization"] == "Bearer sk-test-key-1234"
    assert body["model"] == "llama3.1" and body["temperature"] == 0


def test_a_rule_breaking_answer_is_not_proposed_as_is():
    bad = dict(
        GOOD,
        title="Acme Water Bottle!! Best Seller",
        bullets=["Kills 99.9% of germs", "Made of cotton", "Leak-proof lid"],
        description="Free shipping today. A bottle for the gym.",
        search_terms="acme flask B0ABCDEFGH cheapest",
    )
    # Wrapped in prose and a fence, as chat models often answer.
    answer = "Here you go:\n```json\n" + json.dumps(bad) + "\n```"
    with ChatServer(answer=answer) as server:
        proposal = ask(server)
    assert proposal["title"] == "Acme Water Bottle"
    assert proposal["bullets"] == ["Leak-proof lid"]
    assert proposal["description"] == "A bottle for the gym."
    assert proposal["search_terms"] == "flask"
    findings = lr.check_listing(
        dict(proposal, brand="Acme"), product=lc.facts(PRODUCT), check_image=False
    )
    assert not [f for f in findings if f.severity == lr.ERROR]
    assert {r for _a, r, _t in proposal["removed"]} >= {
        "title.promotional",
        "claim.pesticide",
        "consistency.material",
        "search.brand",
        "search.asin",
    }


def test_the_prompt_carries_the_product_data_only():
    product = dict(
        PRODUCT,
        orders=[{"buyer_name": "Jane Roe", "amazon_order_id": "111-2223334-5556667"}],
        buyer_email="jane@example.com",
        shipping_address="1 Main Street",
        api_key="sk-live-secret",
        competitor_listings=[{"title": "Rival Bottle"}],
    )
    with ChatServer(answer=json.dumps(GOOD)) as server:
        ask(server, product)
    ((headers, body),) = server.requests
    sent = json.dumps(body)
    # Present when it belongs: the product's own data is in the prompt.
    assert "Water Bottle" in sent and "Acme Insulated Flask" in sent
    for value in (
        "Jane Roe",
        "111-2223334-5556667",
        "jane@example.com",
        "1 Main Street",
        "sk-live-secret",
        "Rival Bottle",
        "buyer",
        "order",
    ):
        assert value not in sent, value
    assert "Authorization" in headers  # the key goes in the header only


def test_a_host_outside_the_allow_list_is_refused_before_any_request():
    with (
        ChatServer(answer=json.dumps(GOOD)) as server,
        pytest.raises(PermanentError) as refused,
    ):
        ask(server, hosts=("ollama.example.com",))
    assert refused.value.operation == "config"
    assert server.requests == []


def test_an_answer_without_a_listing_is_an_answer_error():
    with (
        ChatServer(answer="I cannot help with that.") as server,
        pytest.raises(llm.AnswerError),
    ):
        ask(server)
