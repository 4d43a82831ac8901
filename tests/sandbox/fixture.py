"""Start the sandbox as a subprocess for tests, benchmarks and the demo.

    with running_sandbox(orders=50, rate_scale=100) as sandbox:
        sandbox.base_url, sandbox.credentials, sandbox.stats(), sandbox.dataset()

Keyword options map to command-line flags (``rate_scale=2`` -> ``--rate-scale
2``; ``True`` -> a bare flag; ``tls=True`` -> ``--tls-dir`` in a temp folder;
``sqs=<tests.sandbox.sqs.running_sqs() object>`` -> ``--sqs-endpoint`` and its
credentials and region, so notifications reach that SQS server).
"""

import contextlib
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .models import DEFAULT_MODELS_DIR, ROOT

START_TIMEOUT = 30.0


def models_available(models_dir=DEFAULT_MODELS_DIR):
    return (Path(models_dir) / "models" / "orders-api-model").is_dir()


class Sandbox:
    def __init__(self, process, base_url, ca_file=None, stderr=None):
        self.process = process
        self.base_url = base_url
        self.ca_file = ca_file
        self.stderr = stderr if stderr is not None else []  # lines so far
        self.ssl_context = None
        if ca_file:
            self.ssl_context = ssl.create_default_context(cafile=str(ca_file))
        # Loopback only: never through a proxy from the environment.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=self.ssl_context),
        )
        self.credentials = self.get("/_sandbox/credentials")

    def get(self, path, method="GET", body=None):
        """JSON from a ``/_sandbox`` route (no auth, no usage plan)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        with self._opener.open(request, timeout=30) as reply:
            return json.loads(reply.read())

    def stats(self):
        return self.get("/_sandbox/stats")

    def dataset(self, seller=None):
        """The generated truth (PII, anomaly labels) of a seller (default: first)."""
        return self.get("/_sandbox/dataset" + (f"?seller={seller}" if seller else ""))

    def returns(self, seller=None):
        """``{now, seller, returns}``: every return and returnless refund of
        a seller (default: the first) begun by the simulated now, with its
        refund (``tests/sandbox/returns.py``)."""
        return self.get("/_sandbox/returns" + (f"?seller={seller}" if seller else ""))

    def fba_inventory(self, marketplace, seller=None):
        """The FBA pool (``tests/sandbox/fba.py``) of ``marketplace``'s region
        at the clock's now: ``[{sellerSku, known, fulfillable, reserved,
        inboundWorking, inboundShipped, inboundReceiving, unfulfillable,
        researching, ...}]``."""
        query = f"?marketplace={marketplace}" + (f"&seller={seller}" if seller else "")
        return self.get("/_sandbox/fba-inventory" + query)["items"]

    def finances(self, seller=None):
        """The settlement truth (``tests/sandbox/finances.py``) at the clock's
        now: ``{"groups": [{groupId, marketplaceId, currencyCode, start, end,
        closed, transactionIds, sum, carriedIn, payout, payoutTransactionId,
        carriedOut}], "deferred": [ids], ...}``; a closed group's payout is
        minus its sum."""
        query = f"?seller={seller}" if seller else ""
        return self.get("/_sandbox/finances" + query)

    def confirmations(self, order_id=None, seller=None):
        """Accepted shipment confirmations (oldest first), each with seller,
        orderId, source ("confirmShipment" or "label"), time and the
        packageDetail received (a label: carrier, trackingId, items)."""
        query = urllib.parse.urlencode(
            {k: v for k, v in (("seller", seller), ("orderId", order_id)) if v}
        )
        path = "/_sandbox/confirmations" + (f"?{query}" if query else "")
        return self.get(path)["confirmations"]

    def mcf_damage(self, seller_fulfillment_order_id, sku, units, seller=None):
        """MCF: Amazon's fulfilment centre finds ``units`` of the order's
        ``sku`` unsellable; they will not ship (the order ends
        CompletePartialled). Returns the SKU's unfulfillable units."""
        body = {
            "sellerFulfillmentOrderId": seller_fulfillment_order_id,
            "sellerSku": sku,
            "units": units,
        }
        if seller:
            body["seller"] = seller
        return self.get("/_sandbox/mcf/damage", "POST", body)["unfulfillable"]

    def raw_sp_api(self, method, path, body=None):
        """``(status, decoded JSON)`` of one SP-API call as the sandbox
        answers it, with a fresh LWA token and no client in between: what
        Amazon's text says before the connector's layer withholds anything."""
        creds = self.credentials
        form = urllib.parse.urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": creds["refresh_token"],
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            }
        ).encode()
        with self._opener.open(
            urllib.request.Request(self.token_url, data=form, method="POST"),
            timeout=30,
        ) as reply:
            token = json.loads(reply.read())["access_token"]
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"x-amz-access-token": token, "content-type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"null")

    def notifications(self, seller=None, notification_type=None, order_id=None):
        """What the notification publisher made, oldest first: each
        ``{notificationId, notificationType, seller, subscriptionId,
        destinationId, amazonOrderId | sku, orderStatus, newOrder, eventTime,
        publishTime (simulated, as in the body), detectedAt and sentAt (wall
        clock, epoch seconds, one sentAt per copy sent), lost, duplicate,
        delivered, error, invalid (schema problems), body}``."""
        query = urllib.parse.urlencode(
            {
                k: v
                for k, v in (
                    ("seller", seller),
                    ("type", notification_type),
                    ("orderId", order_id),
                )
                if v
            }
        )
        path = "/_sandbox/notifications" + (f"?{query}" if query else "")
        return self.get(path)["notifications"]

    def now(self):
        """The sandbox's simulated time (ISO 8601), the 'now' of its orders."""
        return self.get("/_sandbox/clock")["now"]

    def advance_clock(self, seconds):
        return self.get("/_sandbox/clock", "POST", {"advanceSeconds": seconds})["now"]

    def release_product_type(self):
        """Publish a new Product Type Definitions version (same schema);
        returns the number of releases so far."""
        return self.get("/_sandbox/product-types/release", "POST", {})["releases"]

    def rotate_client_secret(self, new_secret=None):
        """Like Amazon's rotateApplicationClientSecret: a new client secret
        (returned) that LWA accepts next to the old one until
        ``retire_old_client_secrets``."""
        body = {"clientSecret": new_secret} if new_secret else {}
        return self.get("/_sandbox/client-secret/rotate", "POST", body)["clientSecret"]

    def retire_old_client_secrets(self):
        """Only the newest client secret stays valid; returns how many are."""
        return self.get("/_sandbox/client-secret/retire-old", "POST", {})[
            "validSecrets"
        ]

    def expire_tokens(self):
        self.get("/_sandbox/expire-tokens", "POST", {})

    @property
    def token_url(self):
        return self.base_url + "/auth/o2/token"


def _argv(options):
    argv = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            argv.append(flag)
        else:
            argv.extend((flag, str(value)))
    return argv


def _drain(stream, sink):
    for line in iter(stream.readline, ""):
        sink.append(line)
        if len(sink) > 2000:
            del sink[:1000]


@contextlib.contextmanager
def running_sandbox(**options):
    """Yield a started :class:`Sandbox`; stop it on exit."""
    tls = options.pop("tls", False)
    sqs = options.pop("sqs", None)
    if sqs is not None:
        options.setdefault("sqs_endpoint", sqs.endpoint_url)
        options.setdefault("sqs_access_key", sqs.access_key_id)
        options.setdefault("sqs_secret_key", sqs.secret_access_key)
        options.setdefault("sqs_region", sqs.region)
    temp = None
    if tls and not options.get("tls_dir"):
        temp = tempfile.TemporaryDirectory(prefix="spapi-sandbox-tls-")
        options["tls_dir"] = temp.name
    options.setdefault("port", 0)
    command = [sys.executable, "-m", "tests.sandbox", *_argv(options)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    errors = []
    threading.Thread(target=_drain, args=(process.stderr, errors), daemon=True).start()
    try:
        line = _read_ready(process, errors)
        ca_file = (
            Path(options["tls_dir"]) / "ca.pem" if options.get("tls_dir") else None
        )
        yield Sandbox(process, line.split(" ", 1)[1].strip(), ca_file, errors)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout:
            process.stdout.close()
        if temp is not None:
            temp.cleanup()


def _read_ready(process, errors):
    result = []

    def read():
        result.append(process.stdout.readline())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    line = result[0] if result else ""
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line!r} {''.join(errors[-20:])}")
    return line
