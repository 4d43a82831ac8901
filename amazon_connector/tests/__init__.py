from . import test_account
from . import test_marketplaces
from . import test_order_status_flow
from . import test_order_sync
from . import test_shipments
from . import test_listings
from . import test_log_redaction
