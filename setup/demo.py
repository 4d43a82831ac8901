"""The README's main-job command: a fresh Odoo database with the suite, running.

Usage: python3 setup/demo.py [--db amazon_demo] [--port 8069] [--orders 300]

Starts the local SP-API sandbox (a few hundred synthetic orders, its clock on
the wall clock, new orders arriving over two days), drops and recreates the
database, installs the three addons, connects the demo seller to the sandbox
(one account per selling region), runs a first order sync of each, starts
Odoo on 127.0.0.1 and prints the URL and login. Runs until interrupted
(Ctrl-C), which also stops the sandbox.

The administrator has two-factor authentication (reveals, rates and labels
need it): ``python3 setup/demo.py --totp-code`` prints the code valid now.
"""

import argparse
import os
import socket
import subprocess
import sys
import time

import bootstrap
import demo_totp
import odoo_env

ROOT = odoo_env.ROOT
# Odoo's own deprecation warnings (its pinned Werkzeug) would bury the output,
# and the HTTP libraries log every request (kilobyte-long URLs) at INFO.
QUIET_WARNINGS = "--log-handler=py.warnings:ERROR"
QUIET_HTTP = (
    "--log-handler=httpx:WARNING",
    "--log-handler=httpcore:WARNING",
    "--log-handler=amazon_connector.spapi:WARNING",
)
# `odoo shell` executes its standard input with `env` bound: this program runs
# setup/demo_setup.py's main() with the sandbox's URLs and credentials.
SHELL_PROGRAM = """\
import sys
sys.path.insert(0, {setup_dir!r})
import demo_setup
demo_setup.main(env, {options!r})
"""
DEFAULT_DB = "amazon_demo"
RATE_SCALE = 5  # the sandbox's usage plans x5: a first sync in seconds, not minutes


def wait_for_port(port, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.5)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument(
        "--totp-code",
        action="store_true",
        help="print the demo administrator's current two-factor code and exit",
    )
    args = parser.parse_args()
    if args.totp_code:
        secret = demo_totp.load(odoo_env.RUN_DIR, args.db)
        if not secret:
            sys.exit(f"No demo database {args.db!r} was set up here: run `make demo`.")
        print(demo_totp.code(secret))
        return 0
    # Without an importable Odoo: set up .venv/ and run again inside it.
    bootstrap.ensure_odoo()

    version = odoo_env.odoo_version()
    if version != 18:
        found = f"Odoo {version} was found" if version else odoo_env.NO_ODOO_HELP
        sys.exit(f"The demo needs Odoo 18. {found}")

    try:
        import odoo.addons.password_security  # noqa: F401
    except ImportError:
        sys.exit(
            "The suite needs the OCA addon password_security: run "
            "`pip install --no-deps -r requirements-odoo-addons.txt` first."
        )
    if not (ROOT / "tests" / "sandbox").is_dir():
        sys.exit("The demo needs the local SP-API sandbox (tests/sandbox).")
    sys.path.insert(0, str(ROOT))
    from tests.sandbox.fixture import running_sandbox
    from tests.sandbox.sqs import running_sqs

    print(
        f"Starting the local SP-API sandbox ({args.orders} orders) and an SQS "
        "server for its notifications ...",
        flush=True,
    )
    with (
        running_sqs() as sqs,
        running_sandbox(
            orders=args.orders,
            now="now",
            new_orders=0.2,
            rate_scale=RATE_SCALE,
            no_response_validation=True,
            sqs=sqs,
        ) as sandbox,
    ):
        print(f"  sandbox at {sandbox.base_url}, SQS at {sqs.endpoint_url}", flush=True)
        return run_demo(args, sandbox, sqs)


def run_demo(args, sandbox, sqs):
    db = odoo_env.ensure_postgres()
    run_dir = odoo_env.RUN_DIR
    run_dir.mkdir(exist_ok=True)
    env = dict(os.environ)
    key_file = env.get("AMAZON_PII_KEY_FILE") or odoo_env.ensure_key_file(
        run_dir / "demo-keyring.json"
    )
    env["AMAZON_PII_KEY_FILE"] = str(key_file)
    common = [
        sys.executable,
        "-m",
        "odoo",
        *odoo_env.sandbox_config(run_dir / "demo-odoo.conf"),
        f"--addons-path={ROOT}",
        f"--data-dir={run_dir / 'demo-data'}",
        *db.odoo_args(),
        "-d",
        args.db,
        f"--db-filter=^{args.db}$",
    ]
    print(f"Creating database {args.db!r} and installing the suite ...", flush=True)
    db.drop(args.db)
    odoo_env.drop_audit_head(key_file, args.db)
    install = subprocess.run(
        [
            *common,
            "-i",
            ",".join(odoo_env.ADDONS),
            # A seller's own database, not Odoo's sample company and products.
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            QUIET_WARNINGS,
            "--http-port=0",
        ],
        cwd="/",
        env=env,
        check=False,
    )
    if install.returncode != 0:
        sys.exit(f"Installing the suite into {args.db!r} failed (see the log above).")
    creds = sandbox.credentials
    totp_secret = demo_totp.new_secret()
    demo_totp.save(run_dir, args.db, totp_secret)
    options = {
        "admin_totp_secret": totp_secret,
        "rate_scale": RATE_SCALE,
        "seller_id": creds["seller_id"],
        "endpoint": sandbox.base_url,
        "token_url": sandbox.token_url,
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "refresh_token": creds["refresh_token"],
        # Amazon's notifications reach Odoo through this queue (issue 22).
        "queue_url": sqs.create_queue("amazon-notifications")[0],
        "sqs_keys": {
            "sqs_access_key_id": sqs.access_key_id,
            "sqs_secret_access_key": sqs.secret_access_key,
        },
        "products": [
            (p["sku"], p["title"], float(p["priceUsd"]))
            for p in sandbox.dataset()["products"]
        ],
    }
    program = SHELL_PROGRAM.format(setup_dir=str(ROOT / "setup"), options=options)
    print(
        "Connecting the demo seller (one account per region) and importing its "
        "orders ...",
        flush=True,
    )
    prepare = subprocess.run(
        [
            *common[:3],
            "shell",
            *common[3:],
            "--log-level=warn",
            QUIET_WARNINGS,
            *QUIET_HTTP,
        ],
        input=program,
        text=True,
        cwd="/",
        env=env,
        check=False,
    )
    if prepare.returncode != 0:
        sys.exit("Preparing the demo data failed (see the log above).")

    log_file = run_dir / "demo-odoo.log"
    server = subprocess.Popen(
        [
            *common,
            "--http-interface=127.0.0.1",
            f"--http-port={args.port}",
            f"--logfile={log_file}",
            *QUIET_HTTP,
        ],
        cwd="/",
        env=env,
    )
    try:
        if not wait_for_port(args.port, server):
            server.terminate()
            sys.exit(f"Odoo did not start on port {args.port}: see {log_file}")
        db_option = "" if args.db == DEFAULT_DB else f" --db {args.db}"
        print(
            f"\nAmazon suite demo running: http://127.0.0.1:{args.port}/odoo\n"
            f"  database {args.db}, login admin, password admin\n"
            f"  two-factor code: `python3 setup/demo.py --totp-code{db_option}`\n"
            f"  prints the current one (or add the secret {totp_secret}\n"
            f"  to an authenticator app)\n"
            f"  Amazon > Orders: the orders of the sandbox seller; the local\n"
            f"  SP-API sandbox at {sandbox.base_url} keeps producing orders,\n"
            f"  and its notifications bring each new one within seconds\n"
            f"  (Amazon > Notifications)\n"
            f"  log {log_file}; stop with Ctrl-C\n",
            flush=True,
        )
        server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
