from . import totp_enrol
