from . import amazon_resync_wizard
