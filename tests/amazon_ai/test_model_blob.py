import pytest
from test_risk_rules import SELLER, history

from amazon_ai.core.model_blob import BlobRefused, open_blob, sign_blob
from amazon_ai.core.risk import OrderRiskModel

RING = {"h1": b"1" * 32, "h2": b"2" * 32}
HASH_KEY = b"test hash key, not a secret"


def test_a_signed_blob_opens_with_its_key_version():
    signed = sign_blob(b"model bytes", "h2", RING["h2"])
    assert open_blob(signed, RING.get) == b"model bytes"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[:-1] + bytes([s[-1] ^ 1]),  # one bit of the model
        lambda s: s.replace(b"h2\n", b"h1\n"),  # relabelled key version
        lambda s: s[len(b"AMZRISK1:h2\n") + 32 :],  # MAC stripped: bare pickle
        lambda s: s[:20],  # truncated
    ],
)
def test_any_change_is_refused_before_unpickling(tamper):
    signed = sign_blob(b"model bytes", "h2", RING["h2"])
    with pytest.raises(BlobRefused):
        open_blob(tamper(signed), RING.get)


def test_a_blob_signed_with_a_key_outside_the_ring_is_refused():
    forged = sign_blob(b"model bytes", "h2", b"x" * 32)
    with pytest.raises(BlobRefused):
        open_blob(forged, RING.get)
    with pytest.raises(BlobRefused, match="unavailable"):
        open_blob(sign_blob(b"m", "h9", b"9" * 32), RING.get)


def test_forgotten_orders_leave_no_hash_in_the_stored_model():
    model = OrderRiskModel(seller_id=SELLER, seed=4, hash_key=HASH_KEY)
    orders = history(120)
    records = model.records(orders)
    model.fit_records(records, seller_id=SELLER)
    purged, kept = records[:10], records[10:]
    kept_buyers = {r["buyer_key"] for r in kept}
    gone = {r["buyer_key"] for r in purged} - kept_buyers
    model.forget([r["order_id"] for r in purged], gone)
    blob = model.dumps()
    # Independent truth: the hashes of the purged orders, as hex text in the
    # records, are nowhere in the pickled bytes...
    kept_names = {r["name_key"] for r in kept}
    for record in purged:
        if record["name_key"] not in kept_names:
            assert record["name_key"].encode() not in blob
        if record["buyer_key"] in gone:
            assert record["buyer_key"].encode() not in blob
        assert record["order_id"].encode() not in blob
    # ...while retained buyers and addresses are still recognised.
    assert next(iter(kept_buyers)).encode() in blob
    assert kept[0]["address_key"].encode() in blob
    loaded = OrderRiskModel.loads(blob, hash_key=HASH_KEY)
    assert gone.isdisjoint(loaded.profile.buyers)
