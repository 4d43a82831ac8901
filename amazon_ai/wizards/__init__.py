from . import amazon_risk_release_wizard

# listing compliance (issue 21, item 2)
from . import amazon_listing_override_wizard
from . import amazon_listing_wizard_compliance
