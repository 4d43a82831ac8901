from . import amazon_lwa_secret_wizard
