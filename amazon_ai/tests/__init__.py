from . import test_order_risk
from . import test_method_rights
from . import test_erasure_risk
from . import test_overview_tour
from . import test_translations
from . import test_account_units
from . import test_fulfilment_recommendation
from . import test_auto_ship
