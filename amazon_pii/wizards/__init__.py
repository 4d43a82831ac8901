from . import pii_hold_wizard
from . import key_retire_wizard
from . import step_up_wizard
