from . import amazon_mcf_wizard
