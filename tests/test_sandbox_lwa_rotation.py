"""The sandbox's LWA client secret rotation: like Amazon's
rotateApplicationClientSecret, a new secret works next to the old one until
the old one is retired, then the old one gets ``invalid_client``."""

import httpx
import pytest
from sandbox_fixtures import fetch_token

from tests.sandbox.fixture import running_sandbox

ORDERS = "/orders/2026-01-01/orders"
PARAMS = {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 1}


@pytest.fixture(name="box")
def box_fixture():
    # Its own sandbox per test: rotation changes what LWA accepts.
    with running_sandbox(orders=3, rate_scale=1000) as instance:
        yield instance


def test_rotation_keeps_the_old_secret_valid_until_it_is_retired(box):
    old = box.credentials["client_secret"]
    assert fetch_token(box).status_code == 200

    new = box.rotate_client_secret()
    assert new and new != old
    # Both work during the overlap (Amazon: until the old secret's expiry).
    assert fetch_token(box, client_secret=new).status_code == 200
    assert fetch_token(box, client_secret=old).status_code == 200
    # Anything else is still refused: rotation does not open the door.
    refused = fetch_token(box, client_secret=old + "x")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"

    assert box.retire_old_client_secrets() == 1
    gone = fetch_token(box, client_secret=old)
    assert gone.status_code == 401
    assert gone.json()["error"] == "invalid_client"
    assert fetch_token(box, client_secret=new).status_code == 200
    # The credentials route names the secret that works now.
    assert box.get("/_sandbox/credentials")["client_secret"] == new


def test_a_token_granted_with_the_new_secret_calls_the_sp_api(box):
    new = box.rotate_client_secret()
    box.retire_old_client_secrets()
    token = fetch_token(box, client_secret=new).json()["access_token"]
    reply = httpx.get(
        box.base_url + ORDERS,
        params=PARAMS,
        headers={"x-amz-access-token": token},
        timeout=10,
        trust_env=False,
    )
    assert reply.status_code == 200


def test_a_chosen_secret_is_accepted_and_an_empty_one_refused(box):
    assert box.rotate_client_secret("my-chosen-secret-123") == "my-chosen-secret-123"
    assert fetch_token(box, client_secret="my-chosen-secret-123").status_code == 200
    reply = httpx.post(
        box.base_url + "/_sandbox/client-secret/rotate",
        json={"clientSecret": ""},
        timeout=10,
        trust_env=False,
    )
    assert reply.status_code == 400
    # Two valid: the original and the chosen one (the empty one added none).
    assert box.retire_old_client_secrets() == 1


def test_token_endpoint_outcomes_are_counted_per_error(box):
    before = box.stats()["lwa"]
    fetch_token(box, client_secret="not-the-secret")
    after = box.stats()["lwa"]
    assert after["invalid_client"] == before.get("invalid_client", 0) + 1
