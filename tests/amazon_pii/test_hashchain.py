import datetime
import hashlib

import pytest

from amazon_pii.core.hashchain import GENESIS, canonical, link, verify


def _chain(n=5):
    rows, prev = [], GENESIS
    for i in range(1, n + 1):
        record = {
            "id": i,
            "event": "reveal",
            "user": "Zoë",
            "at": datetime.datetime(2026, 1, i, 12, 0, 5),
        }
        prev = link(prev, record)
        rows.append((record, prev))
    return rows


def test_canonical_is_sorted_compact_utf8():
    record = {"b": 1, "a": "Zoë", "at": datetime.datetime(2026, 1, 2, 3, 4, 5)}
    expected = '{"a":"Zoë","at":"2026-01-02T03:04:05","b":1}'.encode()
    assert canonical(record) == expected
    assert canonical(dict(reversed(list(record.items())))) == expected
    assert canonical({"d": datetime.date(2026, 1, 2)}) == b'{"d":"2026-01-02"}'
    with pytest.raises(TypeError):
        canonical({"x": object()})


def test_link_is_sha256_of_prev_and_canonical():
    expected = hashlib.sha256(GENESIS.encode() + b'{"a":1}').hexdigest()
    assert link(GENESIS, {"a": 1}) == expected
    assert link(expected, {"a": 1}) != expected
    with pytest.raises(ValueError):
        link("nothex", {"a": 1})


def test_intact_chain_passes():
    rows = _chain()
    assert verify(rows) == []
    assert verify(rows, expected_head=rows[-1][1]) == []
    assert verify([]) == []
    assert verify([], expected_head=GENESIS) == []


def test_edited_row_is_reported_at_that_row():
    rows = _chain()
    record, stored = rows[2]
    rows[2] = ({**record, "user": "Mallory"}, stored)
    problems = verify(rows)
    assert [p["id"] for p in problems] == [3]
    assert "edited" in problems[0]["reason"]
    assert problems[0]["position"] == 2


def test_edited_row_with_recomputed_hash_breaks_the_next_row():
    rows = _chain()
    record = {**rows[2][0], "user": "Mallory"}
    rows[2] = (record, link(rows[1][1], record))
    assert [p["id"] for p in verify(rows)] == [4]


def test_deleted_row_is_reported_at_the_next_row():
    rows = _chain()
    del rows[1]
    problems = verify(rows)
    assert [p["id"] for p in problems] == [3]
    assert "deleted" in problems[0]["reason"]


def test_reordered_rows_are_reported():
    rows = _chain()
    rows[1], rows[2] = rows[2], rows[1]
    problems = verify(rows)
    ids = {p["id"] for p in problems}
    assert {2, 3} <= ids
    assert any("out of order" in p["reason"] for p in problems)


def test_truncation_needs_an_anchored_head():
    rows = _chain()
    head = rows[-1][1]
    truncated = rows[:-1]
    assert verify(truncated) == []  # documented limitation without an anchor
    problems = verify(truncated, expected_head=head)
    assert len(problems) == 1 and "head mismatch" in problems[0]["reason"]


def test_garbled_stored_hash_is_a_problem_not_a_crash():
    rows = _chain()
    rows[1] = (rows[1][0], None)
    assert [p["id"] for p in verify(rows)] == [2, 3]


def test_keyed_links_need_the_key():
    record = {"id": 1, "event": "reveal"}
    plain = link(GENESIS, record)
    keyed = link(GENESIS, record, key=b"k" * 32)
    other = link(GENESIS, record, key=b"j" * 32)
    assert len({plain, keyed, other}) == 3
    # A forger without the key recomputes an unkeyed link: verification with
    # the key rejects it.
    assert verify([(record, keyed, b"k" * 32)]) == []
    assert verify([(record, plain, b"k" * 32)])
