import json
import os

import pytest

from amazon_pii.core import hashchain
from amazon_pii.core.audit_anchor import (
    AnchorError,
    advance_anchor,
    anchor_problem,
    read_anchor,
)

H = {n: f"{n:064x}" for n in range(1, 6)}


def test_nothing_anchored_yet(tmp_path):
    assert read_anchor(tmp_path / "head.json") is None
    assert anchor_problem(H, None) == ""


def test_the_anchor_only_moves_forward(tmp_path):
    path = tmp_path / "head.json"
    assert advance_anchor(path, 3, H[3]) == (3, H[3])
    # A seal that committed earlier but wrote later must not move it back.
    assert advance_anchor(path, 2, H[2]) == (3, H[3])
    assert read_anchor(path) == (3, H[3])
    assert advance_anchor(path, 5, H[5]) == (5, H[5])
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_deleting_the_anchored_row_or_rewriting_it_is_reported():
    assert anchor_problem(H, (5, H[5])) == ""
    # Rows sealed after the anchor are fine: the anchor lags behind.
    assert anchor_problem(H, (4, H[4])) == ""
    truncated = {n: h for n, h in H.items() if n <= 3}
    assert "gone" in anchor_problem(truncated, (5, H[5]))
    assert "rewritten" in anchor_problem({**H, 5: "f" * 64}, (5, H[5]))


def test_a_garbled_anchor_is_an_error_not_a_pass(tmp_path):
    path = tmp_path / "head.json"
    path.write_text(json.dumps({"format": 1, "seq": "5", "hash": H[5]}))
    with pytest.raises(AnchorError):
        read_anchor(path)
    path.write_text("{not json")
    with pytest.raises(AnchorError):
        read_anchor(path)


def test_row_macs_need_the_key_and_cover_every_field():
    key, other = b"k" * 32, b"o" * 32
    record = {"id": 7, "event": "reveal", "user": 2, "detail": None}
    mac = hashchain.row_mac(key, record)
    assert hashchain.row_mac_ok(key, record, mac)
    assert not hashchain.row_mac_ok(other, record, mac)
    assert not hashchain.row_mac_ok(key, dict(record, id=8), mac)
    assert not hashchain.row_mac_ok(key, dict(record, detail="x"), mac)
    assert not hashchain.row_mac_ok(key, record, None)
    # Never the chain link of the same record under the same key.
    assert mac != hashchain.link(hashchain.GENESIS, record, key)
