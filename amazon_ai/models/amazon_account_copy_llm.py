"""The optional language model endpoint for listing copy, per seller account
(docs/data-protection.md #30).

An OpenAI-compatible chat completions endpoint (the seller's own Ollama
server, for example). Set by administrators with two-factor authentication
only, audited like the account's other URLs; its API key is a vault secret
(``amazon.pii.vault.store_secrets``). The host must be one the server's
configuration file names (``amazon_llm_endpoint_hosts``; https, or plain http
on a loopback host it names, such as an Ollama beside Odoo), or any loopback
host when the configuration allows local endpoints
(``amazon_allow_local_endpoints``, tests and demo): nothing an administrator
types in the UI can send product data to another host. Calls go through the
connector's one outbound function (``outbound_post``: TLS 1.2+, no proxy, no
redirects, timeouts, the host allow-list).
"""

import logging
import re
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config

from odoo.addons.amazon_connector.core.spapi import PermanentError, SPAPIError
from odoo.addons.amazon_connector.core.spapi.endpoints import (
    check_account_url,
    is_loopback,
)
from odoo.addons.amazon_connector.core.spapi.transport import outbound_post
from odoo.addons.amazon_connector.models.accounts.amazon_account_endpoints import (
    local_endpoints_allowed,
)

from ..core import listing_llm

_logger = logging.getLogger(__name__)
LLM_HOSTS_OPTION = "amazon_llm_endpoint_hosts"
LLM_KEY = "copy_llm_key"
LLM_TIMEOUT = 120.0  # a local model may take a minute to write a listing
WHAT = "language model endpoint"


def llm_hosts():
    """Host names the configuration file allows for language model endpoints."""
    return tuple(
        host.strip().lower()
        for host in re.split(r"[\s,]+", config.get(LLM_HOSTS_OPTION) or "")
        if host.strip()
    )


def check_llm_url(url, allow_local, hosts):
    """``url`` (no trailing slash) if the endpoint may be used, else
    ``PermanentError`` saying why (never quoting the URL): the connector's
    rule for the URLs an account stores, the configuration's hosts."""
    return check_account_url(
        url, "llm", None, allow_local=allow_local, provider_hosts=hosts
    )


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    copy_llm_url = fields.Char(
        "Language model endpoint",
        groups="base.group_system",
        help="Optional: base URL of an OpenAI-compatible chat completions "
        "endpoint (e.g. your own Ollama server, http://127.0.0.1:11434/v1), on "
        "a host the server's configuration file allows (amazon_llm_endpoint_hosts). "
        "Only the product's own data and your own listings of the same product "
        "type are sent to it. Changing it needs two-factor authentication and "
        "is audited.",
    )
    copy_llm_model = fields.Char(
        "Language model", groups="base.group_system", help="e.g. llama3.1"
    )
    copy_llm_key = fields.Char(
        "Language model API key",
        compute="_compute_copy_llm_key",
        inverse="_inverse_copy_llm_key",
        groups="base.group_system",
        help="Stored encrypted in the vault; never shown again.",
    )
    copy_llm_enabled = fields.Boolean(compute="_compute_copy_llm_enabled")

    def _compute_copy_llm_key(self):
        for account in self:
            account.copy_llm_key = False

    def _inverse_copy_llm_key(self):
        vault = self.env["amazon.pii.vault"]
        for account in self:
            if account.copy_llm_key:
                vault.store_secrets(account, {LLM_KEY: account.copy_llm_key})

    def _compute_copy_llm_enabled(self):
        for account in self:
            sudo = account.sudo()
            account.copy_llm_enabled = bool(sudo.copy_llm_url and sudo.copy_llm_model)

    @api.constrains("copy_llm_url")
    def _check_copy_llm_url(self):
        for account in self.sudo():
            if account.copy_llm_url:
                try:
                    check_llm_url(
                        account.copy_llm_url, local_endpoints_allowed(), llm_hosts()
                    )
                except PermanentError as exc:
                    raise ValidationError(exc.message) from None

    @api.model_create_multi
    def create(self, vals_list):
        changed = [
            sorted(k for k in ("copy_llm_url", "copy_llm_model") if vals.get(k))
            for vals in vals_list
        ]
        if any(changed):
            self._check_url_change()
        accounts = super().create(vals_list)
        for account, keys in zip(accounts, changed, strict=True):
            if "copy_llm_url" in keys:
                account._audit_url_change(["copy_llm_url"])
        return accounts

    def write(self, vals):
        keys = sorted({"copy_llm_url", "copy_llm_model"} & set(vals))
        if keys:
            # Where product data goes is a credential change: administrators
            # with two-factor authentication (amazon_account_endpoints).
            self._check_url_change()
        result = super().write(vals)
        if "copy_llm_url" in keys:
            self._audit_url_change(["copy_llm_url"])
        return result

    def _copy_llm_config(self):
        """``listing_llm.propose``'s keyword arguments, or None when no
        endpoint is configured. Checked again at each use: the server's
        configuration may have changed since the URL was saved."""
        self.ensure_one()
        account = self.sudo()
        if not (account.copy_llm_url and account.copy_llm_model):
            return None
        url = check_llm_url(
            account.copy_llm_url, local_endpoints_allowed(), llm_hosts()
        )
        host = urlsplit(url).hostname.lower()
        allowed = llm_hosts() + ((host,) if is_loopback(host) else ())
        key = self.env["amazon.pii.vault"].sudo()._secrets(account, (LLM_KEY,))

        def post(target, body, headers):
            return outbound_post(
                target,
                body,
                headers=headers,
                allowed_hosts=allowed,
                timeout=LLM_TIMEOUT,
                operation="listing copy",
                what=WHAT,
            ).content

        return {
            "url": url,
            "model": account.copy_llm_model,
            "api_key": key.get(LLM_KEY),
            "post": post,
        }

    def _copy_llm_propose(self, product, limits):
        """A proposal from this account's endpoint, or a UserError saying why
        not (never the URL or the key)."""
        self.ensure_one()
        try:
            config = self.sudo()._copy_llm_config()
        except SPAPIError as exc:  # the host is no longer allowed
            raise UserError(
                self.env._(
                    "The language model endpoint is not used: %(error)s",
                    error=exc.message,
                )
            ) from None
        if not config:
            raise UserError(
                self.env._(
                    "No language model endpoint is configured for %(account)s: "
                    "an administrator sets it on the account's Listings tab.",
                    account=self.name,
                )
            )
        try:
            return listing_llm.propose(product, limits, **config)
        except SPAPIError as exc:
            _logger.info("Copy endpoint of account %s failed: %s", self.id, exc.message)
            raise UserError(
                self.env._(
                    "The language model endpoint did not answer: %(error)s",
                    error=exc.message,
                )
            ) from None
        except listing_llm.AnswerError as exc:
            raise UserError(
                self.env._(
                    "The language model's answer is not a listing proposal "
                    "(%(error)s); nothing was proposed.",
                    error=str(exc),
                )
            ) from None
