"""Who answers for data protection: the people the access review and the
incident escalation assign their activities to."""

OFFICER = "amazon_pii.group_amazon_pii_officer"
ADMIN = "base.group_system"


def _members(env, xmlid):
    group = env.ref(xmlid, raise_if_not_found=False)
    if not group:
        return env["res.users"]
    # Active internal people only: portal users and the inactive superuser
    # account (OdooBot) never act on an activity.
    return group.sudo().users.filtered(lambda u: u.active and not u.share)


def officers(env):
    """The configured incident contact (Settings > Amazon), else every PII
    Officer."""
    contact = env["amazon.pii.incident"].sudo()._default_contact()
    if contact and contact.active:
        return contact
    return _members(env, OFFICER)


def administrators(env):
    return _members(env, ADMIN)
