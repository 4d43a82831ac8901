import pytest

from amazon_pii.core.step_up import (
    API_KEY,
    NO_SESSION,
    RequestFacts,
    new_mark,
    refusal,
)

NOW = 1_800_000_000.0
HOUR = 3600


def facts(**overrides):
    values = {
        "has_request": True,
        "api_key": False,
        "session_uid": 7,
        "uid": 7,
        "mark": new_mark(7, NOW - HOUR),
    }
    values.update(overrides)
    return RequestFacts(**values)


def test_a_code_confirmed_within_the_window_passes():
    assert refusal(facts(), NOW, hours=12) == ("", "")
    assert refusal(facts(mark=new_mark(7, NOW - 12 * HOUR)), NOW, 12) == ("", "")


def test_a_code_older_than_the_window_must_be_confirmed_again():
    kind, reason = refusal(facts(mark=new_mark(7, NOW - 12 * HOUR - 1)), NOW, 12)
    assert kind == "stale" and "12 hours" in reason
    # The window is the setting's, not a constant.
    assert refusal(facts(mark=new_mark(7, NOW - 2 * HOUR)), NOW, 1)[0] == "stale"


def test_a_session_that_never_confirmed_a_code_must_confirm_one():
    assert refusal(facts(mark=None), NOW)[0] == "stale"
    assert refusal(facts(mark={"uid": 7}), NOW)[0] == "stale"
    assert refusal(facts(mark={"uid": 7, "at": "yesterday"}), NOW)[0] == "stale"


def test_another_users_mark_does_not_count():
    # The session changed hands (a logout, an impersonation): the mark was
    # earned by someone else.
    assert refusal(facts(mark=new_mark(8, NOW)), NOW)[0] == "stale"


def test_a_mark_from_the_future_does_not_count():
    assert refusal(facts(mark=new_mark(7, NOW + 30)), NOW) == ("", "")
    assert refusal(facts(mark=new_mark(7, NOW + 10 * HOUR)), NOW)[0] == "stale"


@pytest.mark.parametrize(
    "overrides",
    [
        {"has_request": False},
        {"session_uid": None},
        # Code acting as another user than the session's (with_user).
        {"session_uid": 8},
    ],
)
def test_no_interactive_session_is_refused_with_its_reason(overrides):
    assert refusal(facts(**overrides), NOW) == ("no_session", NO_SESSION)


def test_api_key_requests_are_refused_even_with_a_fresh_mark():
    assert refusal(facts(api_key=True), NOW) == ("api_key", API_KEY)
    assert "API key" in API_KEY
