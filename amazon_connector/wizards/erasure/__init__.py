from . import amazon_erase_wizard
