from . import pii_hold_wizard
