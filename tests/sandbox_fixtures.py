"""Pytest fixtures for the local SP-API sandbox. Import them explicitly:

    from sandbox_fixtures import sandbox_fixture, sp_fixture  # noqa: F401

(the fixtures are named ``sandbox`` and ``sp``; the ``_fixture`` attribute names
keep test parameters from shadowing the imports).

``sandbox`` is module-scoped: one process per test module, 60 orders, usage
plans multiplied by 1000 so functional tests never meet a 429 (tests of the
usage plans start their own sandbox with ``running_sandbox(...)``).
``sp`` is a minimal authenticated HTTP client for that sandbox.
"""

import httpx
import pytest

from tests.sandbox.fixture import models_available, running_sandbox
from tests.sandbox.reference import how_to

US = "ATVPDKIKX0DER"
# A synthetic warehouse address for Shipping API requests.
ADDRESS = {
    "name": "Sandbox Warehouse",
    "addressLine1": "1 Dock Road",
    "city": "Seattle",
    "stateOrRegion": "WA",
    "postalCode": "98101",
    "countryCode": "US",
}


def require_models():
    if not models_available():
        pytest.skip(how_to())


NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"


def fetch_token(sandbox, refresh_token=None, scope=None, **overrides):
    """An LWA token: the seller's (refresh token), or grantless with ``scope``."""
    creds = sandbox.credentials
    if scope:
        form = {"grant_type": "client_credentials", "scope": scope}
    else:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token or creds["refresh_token"],
        }
    form.update(client_id=creds["client_id"], client_secret=creds["client_secret"])
    form.update(overrides)
    verify = sandbox.ssl_context or True
    return httpx.post(
        sandbox.token_url, data=form, timeout=10, verify=verify, trust_env=False
    )


class SpClient:
    """Calls SP-API operations on a sandbox with a fresh LWA access token: a
    seller's, or a grantless one when ``scope`` is given."""

    def __init__(self, sandbox, refresh_token=None, timeout=10.0, scope=None):
        self.sandbox = sandbox
        self.refresh_token = refresh_token
        self.scope = scope
        verify = sandbox.ssl_context or True
        self.http = httpx.Client(
            base_url=sandbox.base_url, timeout=timeout, verify=verify, trust_env=False
        )
        self.renew()

    def renew(self):
        reply = fetch_token(self.sandbox, self.refresh_token, self.scope)
        reply.raise_for_status()
        self.token = reply.json()["access_token"]

    def call(self, method, path, params=None, json=None, headers=None):
        headers = {"x-amz-access-token": self.token, **(headers or {})}
        return self.http.request(
            method, path, params=params, json=json, headers=headers
        )

    def get(self, path, **params):
        return self.call("GET", path, params=params)

    def close(self):
        self.http.close()


@pytest.fixture(scope="module", name="sandbox")
def sandbox_fixture():
    with running_sandbox(orders=60, seed=7, rate_scale=1000) as instance:
        yield instance


@pytest.fixture(scope="module", name="sp")
def sp_fixture(sandbox):
    client = SpClient(sandbox)
    yield client
    client.close()
