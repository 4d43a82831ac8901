from . import amazon_marketplace
from . import amazon_account
from . import amazon_account_endpoints
from . import amazon_work_item
from . import amazon_sync_log
from . import amazon_rate_bucket
from . import amazon_account_overview
