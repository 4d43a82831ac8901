"""The demo's TOTP codes against RFC 6238's own test vectors (appendix B,
SHA-1 key "12345678901234567890"), truncated to the 6 digits Odoo uses."""

import base64
import stat
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "setup"))
import demo_totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
# RFC 6238 appendix B (8 digits): 94287082, 07081804, 14050471, 89005924.
VECTORS = {59: "287082", 1111111109: "081804", 1111111111: "050471"}


def test_codes_match_rfc_6238():
    for moment, expected in VECTORS.items():
        assert demo_totp.code(RFC_SECRET, at=moment) == expected
    # Same 30-second step, same code; the next step, another one.
    assert demo_totp.code(RFC_SECRET, at=60) == demo_totp.code(RFC_SECRET, at=89)
    assert demo_totp.code(RFC_SECRET, at=90) != demo_totp.code(RFC_SECRET, at=89)


def test_the_secret_is_private_to_its_owner(tmp_path):
    secret = demo_totp.new_secret()
    assert len(base64.b32decode(secret)) == 20
    path = demo_totp.save(tmp_path, "amazon_demo", secret)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert demo_totp.load(tmp_path, "amazon_demo") == secret
    assert demo_totp.load(tmp_path, "other_db") is None
