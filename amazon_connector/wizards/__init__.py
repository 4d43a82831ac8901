from . import accounts
from . import orders
from . import listings
from . import shipments
from . import erasure
from . import fulfilment
