from datetime import date, datetime, timedelta

from amazon_pii.core.retention import is_due, purge_date, window_exceeded

D = date(2026, 3, 2)


def test_thirty_days_after_delivery():
    assert purge_date(delivered=D) == D + timedelta(days=30)
    assert purge_date(delivered=datetime(2026, 3, 2, 23, 59)) == D + timedelta(days=30)


def test_fallbacks_in_order():
    latest = D + timedelta(days=5)
    assert purge_date(latest_delivery=latest, shipped=D) == latest + timedelta(days=30)
    assert purge_date(shipped=D, margin=10) == D + timedelta(days=40)
    assert purge_date(purchased=D, margin=10, days=20) == D + timedelta(days=30)
    # delivery wins over every fallback
    assert purge_date(delivered=D, latest_delivery=latest, shipped=D) == D + timedelta(
        days=30
    )


def test_no_date_means_no_purge_date():
    assert purge_date() is None
    assert not is_due(None, D)


def test_due_from_the_purge_date_on():
    purge_on = purge_date(delivered=D)
    assert not is_due(purge_on, D + timedelta(days=29))
    assert is_due(purge_on, D + timedelta(days=30))
    assert is_due(purge_on, datetime(2026, 4, 2, 0, 1))


def test_window_exceeded():
    now = datetime(2026, 1, 1, 12, 0)
    stamps = [now - timedelta(minutes=m) for m in (1, 2, 3, 30)]
    assert window_exceeded(stamps, now, limit=2, minutes=10)
    assert not window_exceeded(stamps, now, limit=3, minutes=10)
