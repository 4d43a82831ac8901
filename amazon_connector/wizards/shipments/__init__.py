from . import amazon_label_wizard
