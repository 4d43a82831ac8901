"""The password rule for users who can reach Amazon data (issue #18, item 1;
docs/data-protection.md #11).

Pure: ``problems(password)`` names every rule the password breaks, so the
user sees all of them at once. The Odoo layer (``models/res_users_login.py``)
applies it to users in an Amazon group or administrators, on top of the
seller's global policy (OCA ``password_security``), and the history rule
(no reuse of the last ``HISTORY`` passwords) through that addon's history.
"""

MIN_LENGTH = 12
HISTORY = 10

# (test, what is missing) per character class
CLASSES = (
    (str.islower, "a lowercase letter"),
    (str.isupper, "an uppercase letter"),
    (str.isdigit, "a digit"),
    (lambda char: not char.isalnum() and not char.isspace(), "a symbol"),
)


def problems(password, login=None):
    """Return the list of rules ``password`` breaks (empty when it complies).

    Never echoes the password itself."""
    password = password or ""
    found = []
    if login and len(login) >= 3 and login.lower() in password.lower():
        found.append("not containing the login")
    if len(password) < MIN_LENGTH:
        found.append(f"at least {MIN_LENGTH} characters (it has {len(password)})")
    for test, missing in CLASSES:
        if not any(test(char) for char in password):
            found.append(missing)
    return found


def history_size(configured):
    """How many previous passwords to refuse: the seller's setting, never
    fewer than ``HISTORY`` (a negative setting means all of them)."""
    configured = int(configured or 0)
    return configured if configured < 0 else max(configured, HISTORY)
