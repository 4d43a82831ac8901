# One package per domain; the order matters only where a domain extends a
# model another one defines (shipments extend sale orders).
from . import accounts
from . import orders
from . import listings
from . import shipments
from . import fulfilment
from . import notifications
from . import pricing
from . import finances
from . import returns
