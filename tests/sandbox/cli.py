"""Command line: ``python3 -m tests.sandbox [options]`` from the repository root.

Prints exactly one line ``READY <base_url>`` on stdout once it accepts
connections; everything else goes to stderr. Runs until SIGTERM or SIGINT.
"""

import argparse
import ipaddress
import logging
import signal
import socket
import sys
import threading

from . import dataset
from .faults import KINDS
from .models import DEFAULT_MODELS_DIR

DEFAULTS = {
    "client_id": "sandbox-client-id",
    "client_secret": "sandbox-client-secret",
    "refresh_token": "sandbox-refresh-token",
    "seller_id": "A1SANDBOXSELLER",
}
log = logging.getLogger("sandbox")


def parser():
    p = argparse.ArgumentParser(prog="python3 -m tests.sandbox", description=__doc__)
    add = p.add_argument
    add("--host", default="127.0.0.1", help="loopback address to bind (127.0.0.1)")
    add("--port", type=int, default=0, help="port; 0 picks a free one (0)")
    add("--seed", type=int, default=1, help="dataset seed (1)")
    add("--orders", type=int, default=200, help="number of generated orders (200)")
    add(
        "--new-orders",
        type=float,
        default=0.0,
        help="share of the orders placed 10 min to 2 days after the start (0)",
    )
    add(
        "--malformed",
        type=int,
        default=0,
        help="orders whose first item shows quantityOrdered 0 (0)",
    )
    add(
        "--now",
        default=dataset.DEFAULT_NOW,
        help=f"simulated time at start, ISO 8601 or 'now' ({dataset.DEFAULT_NOW})",
    )
    add(
        "--clock-rate",
        type=float,
        default=1.0,
        help="simulated seconds per real second; 0 freezes the clock (1)",
    )
    add("--tls-dir", help="serve HTTPS with a CA generated in DIR (ca.pem)")
    add(
        "--faults",
        type=float,
        default=0.0,
        help="fraction of SP-API calls that fail (0)",
    )
    add(
        "--fault-kinds",
        default=",".join(KINDS),
        help="comma-separated subset of " + ",".join(KINDS),
    )
    add(
        "--fault-delay",
        type=float,
        default=5.0,
        help="timeout fault sleep, seconds (5)",
    )
    add("--rate-scale", type=float, default=1.0, help="usage plan multiplier (1)")
    add("--token-ttl", type=int, default=3600, help="access token lifetime (3600)")
    add("--client-id", default=DEFAULTS["client_id"], help=f"({DEFAULTS['client_id']})")
    add(
        "--client-secret",
        default=DEFAULTS["client_secret"],
        help=f"({DEFAULTS['client_secret']})",
    )
    add(
        "--refresh-token",
        default=DEFAULTS["refresh_token"],
        help=f"({DEFAULTS['refresh_token']})",
    )
    add("--seller-id", default=DEFAULTS["seller_id"], help=f"({DEFAULTS['seller_id']})")
    add(
        "--sellers",
        type=int,
        default=1,
        help="number of sellers; seller N>1 has refresh token '<token>-N', id "
        "'<seller>N' and a dataset of its own (1)",
    )
    add("--models-dir", default=str(DEFAULT_MODELS_DIR), help="Amazon's models folder")
    add(
        "--static-only",
        action="store_true",
        help="answer only Amazon's static sandbox cases, like Amazon's sandbox hosts",
    )
    add(
        "--no-response-validation",
        action="store_true",
        help="skip validating generated responses (CPU-bound benchmarks only)",
    )
    add(
        "--sqs-endpoint",
        help="SQS endpoint (e.g. a moto server, tests/sandbox/sqs.py) where "
        "notifications go; none: notifications are recorded, not sent",
    )
    add("--sqs-access-key", default="testing", help="(testing)")
    add("--sqs-secret-key", default="testing", help="(testing)")
    add("--sqs-region", default="us-east-1", help="region of the endpoint (us-east-1)")
    add(
        "--notification-loss",
        type=float,
        default=0.0,
        help=(
            "share of brand-new orders whose first ORDER_CHANGE is never sent, "
            "and of ANY_OFFER_CHANGED notifications (0)"
        ),
    )
    add(
        "--quiet-market",
        action="store_true",
        help="publish no ANY_OFFER_CHANGED (the market's hourly changes): for "
        "tests about other notifications, whose queue they would crowd",
    )
    add(
        "--notification-duplicates",
        type=float,
        default=0.0,
        help="share of notifications sent twice with the same NotificationId (0)",
    )
    add(
        "--notification-delay",
        type=float,
        default=0.0,
        help="real seconds before a notification is sent (0)",
    )
    add("--log-level", default="WARNING")
    return p


def options_from(argv=None):
    opts = parser().parse_args(argv)
    if opts.now == "now":
        from datetime import datetime, timezone

        opts.now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    host = "127.0.0.1" if opts.host == "localhost" else opts.host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        parser().error("--host must be a loopback address")
    opts.host = host
    opts.fault_kinds = tuple(k for k in opts.fault_kinds.split(",") if k)
    unknown = set(opts.fault_kinds) - set(KINDS)
    if unknown:
        parser().error(f"unknown fault kinds: {sorted(unknown)}")
    opts.fault_delay = max(0.0, min(opts.fault_delay, 60.0))
    opts.orders = max(0, opts.orders)
    opts.new_orders = max(0.0, min(opts.new_orders, 1.0))
    opts.malformed = max(0, opts.malformed)
    opts.sellers = max(1, opts.sellers)
    opts.notification_loss = max(0.0, min(opts.notification_loss, 1.0))
    opts.notification_duplicates = max(0.0, min(opts.notification_duplicates, 1.0))
    opts.notification_delay = max(0.0, min(opts.notification_delay, 600.0))
    if opts.sqs_endpoint:
        from urllib.parse import urlsplit

        try:
            sqs_host = urlsplit(opts.sqs_endpoint).hostname or ""
            sqs_loopback = sqs_host == "localhost" or (
                ipaddress.ip_address(sqs_host).is_loopback
            )
        except ValueError:
            sqs_loopback = False
        if not sqs_loopback:
            parser().error("--sqs-endpoint must be on a loopback address")
    if opts.rate_scale <= 0:
        parser().error("--rate-scale must be positive")
    return opts


def build(opts):
    """Create the server (bound, not yet serving)."""
    from .server import SandboxServer
    from .state import State

    state = State(opts)
    if not state.catalog.available:
        # Printed, not logged: it must show whatever the log level.
        print(
            f"sandbox: models folder {opts.models_dir} not found: request/response "
            "validation and Amazon's static sandbox cases are off",
            file=sys.stderr,
        )
    family_v6 = ":" in opts.host
    server_class = SandboxServer
    if family_v6:
        attrs = {"address_family": socket.AF_INET6}
        server_class = type("SandboxServer6", (SandboxServer,), attrs)
    context = None
    if opts.tls_dir:
        from . import tls

        context, _paths = tls.server_context(opts.tls_dir, opts.host)
    server = server_class((opts.host, opts.port), state, context)
    scheme = "https" if context else "http"
    host = f"[{opts.host}]" if family_v6 else opts.host
    state.base_url = f"{scheme}://{host}:{server.server_address[1]}"
    return server, state


def main(argv=None):
    opts = options_from(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, opts.log_level.upper(), logging.WARNING),
        format="sandbox %(levelname)s %(message)s",
    )
    server, state = build(opts)
    stop = threading.Event()

    def _stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}
    )
    thread.daemon = True
    thread.start()
    state.notifications.start()
    print(f"READY {state.base_url}", flush=True)
    while not stop.wait(0.1):
        pass
    state.notifications.stop()
    server.shutdown()
    server.server_close()
    return 0
