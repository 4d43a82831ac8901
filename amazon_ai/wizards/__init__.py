from . import amazon_risk_release_wizard
