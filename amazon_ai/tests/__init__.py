from . import test_order_risk
