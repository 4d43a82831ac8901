"""Where a seller account sends its credentials, tokens and order ids
(docs/data-protection.md #7, #10, #13).

The endpoint, Login with Amazon and tracking provider URLs decide which host
receives the refresh token, the client secret and every order id. They may
name only Amazon's hosts for the account's region, and the tracking provider
host the server's configuration file names; a local sandbox (loopback, plain
http) only when the configuration file allows it (``odoo.conf``:
``amazon_allow_local_endpoints = True``). Nothing an administrator does in the
UI can widen that. Changing a URL is a credential change: administrators with
two-factor authentication only, and audited.
"""

import re
from urllib.parse import urlsplit

from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import config, str2bool

from odoo.addons.amazon_pii.core import purpose as purpose_rules

from ...core.spapi import PermanentError
from ...core.spapi.endpoints import check_account_url

LOCAL_ENDPOINTS_OPTION = "amazon_allow_local_endpoints"
TRACKING_HOSTS_OPTION = "amazon_tracking_provider_hosts"
URL_FIELDS = {
    "endpoint_url": "endpoint",
    "lwa_url": "lwa",
    "tracking_share_url": "tracking",
    "notification_queue_url": "sqs",
}


def local_endpoints_allowed():
    """The configuration file's switch for a local sandbox (default off)."""
    value = config.get(LOCAL_ENDPOINTS_OPTION)
    if isinstance(value, bool):
        return value
    return str2bool(str(value or ""), default=False)


def tracking_provider_hosts():
    """Host names the configuration file allows for tracking providers."""
    return tuple(
        host for host in re.split(r"[\s,]+", config.get(TRACKING_HOSTS_OPTION) or "")
    )


class AmazonAccount(models.Model):
    # The URL policy of the account, kept apart from its business fields.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    @api.constrains(
        "endpoint_url",
        "lwa_url",
        "tracking_share_url",
        "notification_queue_url",
        "region",
    )
    def _check_account_urls(self):
        for account in self.sudo():
            for field in URL_FIELDS:
                if account[field]:
                    try:
                        account._checked_url(field)
                    except PermanentError as exc:
                        raise ValidationError(exc.message) from None

    def _checked_url(self, field):
        """The stored ``field`` URL if the policy allows it now (the server's
        configuration may have changed since it was saved), else False when
        empty; ``PermanentError`` when refused."""
        self.ensure_one()
        url = self.sudo()[field]
        if not url:
            return False
        return check_account_url(
            url,
            URL_FIELDS[field],
            self.region,
            allow_local=local_endpoints_allowed(),
            provider_hosts=tracking_provider_hosts(),
        )

    def _usable_url(self, field):
        """:meth:`_checked_url` for a call about to leave: a refused URL is a
        UserError naming the account (checked at every use: the server's
        configuration may have stopped allowing what was saved,
        docs/data-protection.md #7)."""
        try:
            return self._checked_url(field)
        except PermanentError as exc:
            raise UserError(
                self.env._(
                    "Amazon account %(name)s: %(problem)s",
                    name=self.name,
                    problem=exc.message,
                )
            ) from None

    def _check_url_change(self):
        """Same rule as a credential change (``amazon.pii.vault.store_secrets``):
        administrators with two-factor authentication; server code as
        superuser."""
        if self.env.su:
            return
        user = self.env.user
        if not user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only administrators may change Amazon account URLs.")
            )
        if not user.sudo().totp_enabled:
            raise AccessError(purpose_rules.TOTP_HINT)

    def _audit_url_change(self, keys):
        """One audit row per account: which URL fields changed, and the host
        each now names (a host is not a secret; the rest of a URL may be)."""
        audit = self.env["amazon.pii.audit"]
        for account in self.sudo():
            hosts = ", ".join(
                f"{key}: {urlsplit(account[key]).hostname or '-'}"
                if account[key]
                else f"{key}: (default)"
                for key in sorted(keys)
            )
            audit._log("credential", records=account, field_keys=keys, detail=hosts)

    @api.model_create_multi
    def create(self, vals_list):
        changed = [sorted(k for k in URL_FIELDS if vals.get(k)) for vals in vals_list]
        if any(changed):
            self._check_url_change()
        accounts = super().create(vals_list)
        for account, keys in zip(accounts, changed, strict=True):
            if keys:
                account._audit_url_change(keys)
        return accounts

    def write(self, vals):
        keys = sorted(URL_FIELDS.keys() & set(vals))
        if keys:
            self._check_url_change()
        result = super().write(vals)
        if keys:
            self._audit_url_change(keys)
        return result
