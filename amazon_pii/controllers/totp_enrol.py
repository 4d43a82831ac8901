"""TOTP enrolment as a login step (docs/data-protection.md #11).

A user who must use two-factor authentication (``res_users_login.py``) and
has none ends the password step with a pre-session only (Odoo's own MFA
flow: ``Session.authenticate`` finalizes nothing while ``_mfa_url`` names a
second step). This page shows a fresh secret as a QR code (auth_totp's
wizard computes it, in memory), enables TOTP once a code from the app
matches, then hands over to Odoo's ``/web/login/totp``.
"""

import base64
import os
import re

from werkzeug.urls import url_encode

from odoo import http
from odoo.http import request
from odoo.tools.image import image_data_uri

from odoo.addons.auth_totp.models.totp import TOTP_SECRET_SIZE

from ..models.res_users_login import ENROL_MFA, ENROL_URL

SESSION_SECRET = "amazon_totp_enrol_secret"


class TotpEnrol(http.Controller):
    @http.route(
        ENROL_URL,
        type="http",
        auth="public",
        methods=["GET", "POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def amazon_totp_enrol(self, redirect=None, **kwargs):
        session = request.session
        if session.uid:
            return request.redirect(redirect or "/odoo")
        if not session.pre_uid:
            return request.redirect("/web/login")
        user = request.env["res.users"].sudo().browse(session.pre_uid)
        if user._mfa_type() != ENROL_MFA:
            # Enrolled (or no longer required): Odoo's own second step.
            next_url = user._mfa_url() or "/web/login"
            return request.redirect(self._with_redirect(next_url, redirect))
        secret = session.get(SESSION_SECRET)
        if not secret:
            secret = base64.b32encode(os.urandom(TOTP_SECRET_SIZE // 8)).decode()
            session[SESSION_SECRET] = secret
        error = None
        if request.httprequest.method == "POST":
            try:
                code = int(re.sub(r"\s", "", kwargs.get("totp_token") or ""))
            except ValueError:
                code = None
            # _totp_try_setting enables TOTP for the user themself only.
            if code is not None and user.with_user(user)._totp_try_setting(
                secret, code
            ):
                session.pop(SESSION_SECRET, None)
                return request.redirect(
                    self._with_redirect("/web/login/totp", redirect)
                )
            error = request.env._(
                "Verification failed: check the 6-digit code from your app."
            )
        wizard = (
            request.env["auth_totp.wizard"]
            .sudo()
            .new({"user_id": user.id, "secret": secret})
        )
        return request.render(
            "amazon_pii.totp_enrol_form",
            {
                "user": user,
                "secret": " ".join(re.findall(".{1,4}", secret)),
                "qrcode_src": image_data_uri(wizard.qrcode),
                "url": wizard.url,
                "error": error,
                "redirect": redirect,
            },
        )

    def _with_redirect(self, url, redirect):
        if not redirect:
            return url
        return f"{url}?{url_encode({'redirect': redirect})}"
