from . import amazon_resync_wizard
from . import amazon_label_wizard
