"""A real SQS-compatible server for tests and the demo: moto in server mode.

    with running_sqs() as sqs:
        url, arn = sqs.create_queue("orders", visibility_timeout=5)
        sqs.send_raw(url, "not json")         # a poison message
        sqs.approximate_count(url)            # visible + in flight

From the command line (the demo starts it like the SP-API sandbox)::

    python3 -m tests.sandbox.sqs [--port N]   # prints: READY http://127.0.0.1:PORT

It prints exactly one line, ``READY <endpoint_url>``, once moto answers, and
runs until SIGTERM or SIGINT. The credentials are moto's fakes
(``testing``/``testing``, region ``us-east-1``, account ``123456789012``);
moto keeps its queues per region, so a client must sign for the queue's
region. Loopback only; nothing here reaches the internet.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
START_TIMEOUT = 30.0


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def client(endpoint_url, region=REGION, access_key=None, secret_key=None):
    """A boto3 SQS client for a loopback endpoint (no proxy from the
    environment, short timeouts, few retries)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key or ACCESS_KEY_ID,
        aws_secret_access_key=secret_key or SECRET_ACCESS_KEY,
        config=Config(
            proxies={},
            connect_timeout=2,
            read_timeout=10,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )


class SqsServer:
    """A started moto server: its endpoint, fake credentials and helpers."""

    def __init__(self, process, endpoint_url, region=REGION, stderr=None):
        self.process = process
        self.endpoint_url = endpoint_url
        self.region = region
        self.account_id = ACCOUNT_ID
        self.access_key_id = ACCESS_KEY_ID
        self.secret_access_key = SECRET_ACCESS_KEY
        self.stderr = stderr if stderr is not None else []
        self._client = None

    def client(self, region=None):
        if region and region != self.region:
            return client(self.endpoint_url, region)
        if self._client is None:
            self._client = client(self.endpoint_url, self.region)
        return self._client

    def queue_url(self, name):
        return f"{self.endpoint_url}/{self.account_id}/{name}"

    def queue_arn(self, name):
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"

    def create_queue(self, name, visibility_timeout=None, **attributes):
        """``(queue_url, queue_arn)`` of a new (or existing) queue."""
        attrs = {key: str(value) for key, value in attributes.items()}
        if visibility_timeout is not None:
            attrs["VisibilityTimeout"] = str(int(visibility_timeout))
        reply = self.client().create_queue(QueueName=name, Attributes=attrs)
        url = reply["QueueUrl"]
        arn = self.client().get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        return url, arn

    def approximate_count(self, queue_url):
        """Messages visible plus in flight (received, not yet deleted)."""
        attrs = self.client().get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )

    def send_raw(self, queue_url, body):
        """Put any text in the queue (poison-message tests); its MessageId."""
        return self.client().send_message(QueueUrl=queue_url, MessageBody=body)[
            "MessageId"
        ]

    def receive(self, queue_url, wait=1, max_messages=10, delete=True):
        """Up to ``max_messages`` messages ``[{"MessageId", "Body", ...}]``,
        deleted after reading unless ``delete`` is false."""
        reply = self.client().receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=int(wait),
        )
        messages = reply.get("Messages", [])
        if delete:
            for message in messages:
                self.client().delete_message(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return messages

    def purge(self, queue_url):
        """Empty a queue now (moto has no 60-second purge cooldown to wait)."""
        while self.receive(queue_url, wait=0):
            pass


def _answers(url):
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            url + "/moto-api/", timeout=1
        ):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def _drain(stream, sink):
    for line in iter(stream.readline, ""):
        sink.append(line)
        if len(sink) > 500:
            del sink[:250]


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def running_sqs(host="127.0.0.1", port=None, region=REGION):
    """Yield a started :class:`SqsServer` (moto in server mode, a subprocess);
    stop it on exit (terminate, then kill)."""
    port = port or free_port(host)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # Loopback only, and never through a proxy from the environment.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    command = [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)]
    errors = []
    with tempfile.TemporaryDirectory(prefix="sandbox-sqs-") as home:
        env["HOME"] = home  # no ~/.aws of the user's
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        threading.Thread(
            target=_drain, args=(process.stderr, errors), daemon=True
        ).start()
        url = f"http://{host}:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"moto server did not start: {''.join(errors[-20:])}"
                    )
                time.sleep(0.1)
            yield SqsServer(process, url, region, errors)
        finally:
            _stop(process)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m tests.sandbox.sqs", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free one")
    opts = parser.parse_args(argv)
    if opts.host not in ("127.0.0.1", "localhost"):
        parser.error("--host must be 127.0.0.1 or localhost")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    host = "127.0.0.1" if opts.host == "localhost" else opts.host
    with running_sqs(host, opts.port or None) as sqs:
        print(f"READY {sqs.endpoint_url}", flush=True)
        while not stop.wait(0.2):
            if sqs.process.poll() is not None:
                print("moto server exited", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
