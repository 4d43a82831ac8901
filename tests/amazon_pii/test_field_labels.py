from amazon_pii.core import field_labels, registry


def test_every_registered_key_has_a_label():
    # A field added to the registry without a label would show its key
    # (recipient_name) on the vault and audit screens.
    missing = sorted(field_labels.REGISTERED - set(field_labels.LABELS))
    assert missing == []


def test_no_label_for_an_unregistered_key():
    # A label left behind by a renamed key hides that the new key has none.
    assert sorted(set(field_labels.LABELS) - field_labels.REGISTERED) == []


def test_labels_are_words_not_keys():
    for key, text in field_labels.LABELS.items():
        assert "_" not in text, key
        assert text[0].isupper(), key


def test_qualified_key_shows_the_kind_of_data():
    assert registry.by_key("shipping_label")  # the key the example relies on
    assert field_labels.label("shipping_label#7") == "Shipping label"
    assert field_labels.label("gift_message#item-1") == "Gift message"


def test_audit_list_each_label_once_in_order():
    assert (
        field_labels.labels("recipient_name,gift_message#a,gift_message#b,phone")
        == "Recipient name, Gift message, Recipient phone"
    )
    assert field_labels.labels("") == ""
    assert field_labels.labels(False) == ""


def test_unknown_key_is_shown_not_hidden():
    assert field_labels.label("legacy_key#3") == "legacy_key"
