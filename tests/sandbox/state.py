"""Everything one sandbox instance holds: options, models, dataset, stores."""

import hashlib
import hmac
import itertools
import secrets
import threading
import uuid
from dataclasses import dataclass

from . import dataset as datasets
from .auth import TokenIssuer
from .clock import SimClock
from .faults import FaultInjector
from .models import Catalog
from .notifications import Notifications
from .ratelimit import RateLimiter
from .stats import Stats
from .stores import Stores


@dataclass
class Context:
    """What a handler sees of one call."""

    state: object
    seller: str
    request: object

    @property
    def now(self):
        return self.state.clock.now()

    @property
    def stores(self):
        """This seller's orders, listings, feeds and shipments."""
        return self.state.stores_for(self.seller)

    @property
    def data(self):
        return self.stores.data


class State:
    def __init__(self, options):
        self.options = options
        self.catalog = Catalog(options.models_dir)
        self.static_only = options.static_only
        self.strict = True
        self.validate_responses = not options.no_response_validation
        self.stats = Stats()
        self.limiter = RateLimiter(options.rate_scale)
        self.faults = FaultInjector(options.faults, options.seed, options.fault_kinds)
        sellers = {options.refresh_token: options.seller_id}
        for index in range(2, options.sellers + 1):
            sellers[f"{options.refresh_token}-{index}"] = f"{options.seller_id}{index}"
        self.sellers = sellers
        self.tokens = TokenIssuer(
            options.client_id, options.client_secret, sellers, options.token_ttl
        )
        self.data = datasets.generate(
            options.seed,
            options.orders,
            options.now,
            options.new_orders,
            options.malformed,
        )
        self.clock = SimClock(datasets.parse_time(self.data["now"]), options.clock_rate)
        self.lock = threading.RLock()
        # Product Type Definitions releases so far (/_sandbox/product-types/release).
        self.product_type_releases = 0
        self.documents = {}  # shared: presigned URLs carry no seller
        self.feed_numbers = itertools.count(1)  # feed ids unique across sellers
        self.report_numbers = itertools.count(1)  # report ids, likewise
        self.stores = Stores(self.data, options.seller_id, self.documents)
        # Each extra seller has a business of its own: another seed, same size.
        self.seller_stores = {options.seller_id: self.stores}
        for index, seller in enumerate(list(sellers.values())[1:], start=2):
            data = datasets.generate(
                options.seed * 1000 + index,
                options.orders,
                options.now,
                options.new_orders,
                options.malformed,
            )
            self.seller_stores[seller] = Stores(data, seller, self.documents)
        self.base_url = ""
        self._url_key = secrets.token_bytes(16)
        # The application's id as Amazon names it in notifications.
        self.application_id = "amzn1.sp.solution." + str(
            uuid.uuid5(uuid.NAMESPACE_URL, "sandbox-app:" + options.client_id)
        )
        self.notifications = Notifications(self)

    def stores_for(self, seller):
        return self.seller_stores.get(seller, self.stores)

    def context(self, seller, request):
        return Context(self, seller, request)

    def sign(self, path):
        """A presigned-URL lookalike, so clients treat document URLs as secrets."""
        digest = hmac.new(self._url_key, path.encode(), hashlib.sha256).hexdigest()
        return (
            f"{self.base_url}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Expires=300&X-Amz-Signature={digest}"
        )

    def signature_ok(self, path, query):
        given = (query.get("X-Amz-Signature") or [""])[-1]
        digest = hmac.new(self._url_key, path.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(given, digest)

    def credentials(self):
        opts = self.options
        return {
            "client_id": opts.client_id,
            # The newest valid one (after a rotation, the old one may still
            # work until it is retired).
            "client_secret": self.tokens.client_secret,
            "refresh_token": opts.refresh_token,
            "seller_id": opts.seller_id,
            "token_url": f"{self.base_url}/auth/o2/token",
            "endpoint": self.base_url,
            "application_id": self.application_id,
            "sellers": [
                {"refresh_token": token, "seller_id": seller}
                for token, seller in self.sellers.items()
            ],
        }
