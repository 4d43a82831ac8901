from . import test_marketplaces
